#include "base/suggest.h"

#include <algorithm>
#include <cctype>

#include "base/ascii.h"

namespace tidemark {
namespace {

size_t EditDistance(const std::string& a, const std::string& b) {
  std::vector<size_t> row(b.size() + 1);
  for (size_t j = 0; j <= b.size(); ++j) row[j] = j;
  for (size_t i = 1; i <= a.size(); ++i) {
    size_t diag = row[0];
    row[0] = i;
    for (size_t j = 1; j <= b.size(); ++j) {
      const size_t up = row[j];
      row[j] = std::min({row[j] + 1, row[j - 1] + 1, diag + (a[i - 1] != b[j - 1])});
      diag = up;
    }
  }
  return row[b.size()];
}

}  // namespace

std::vector<std::string> ClosestNames(std::string_view name,
                                      const std::vector<std::string>& candidates, size_t max) {
  const std::string want = AsciiLower(name);
  // Rank 0: equal ignoring case; 1: one contains the other; then 2 + distance.
  std::vector<std::pair<size_t, size_t>> ranked;  // (rank, index)
  const size_t limit = std::max<size_t>(2, want.size() / 3);
  for (size_t i = 0; i < candidates.size(); ++i) {
    const std::string c = AsciiLower(candidates[i]);
    size_t rank;
    if (c == want) {
      rank = 0;
    } else if (!want.empty() && (c.find(want) != std::string::npos ||
                                 (c.size() >= 3 && want.find(c) != std::string::npos))) {
      rank = 1;
    } else {
      const size_t d = EditDistance(want, c);
      if (d > limit) continue;
      rank = 2 + d;
    }
    ranked.emplace_back(rank, i);
  }
  std::stable_sort(ranked.begin(), ranked.end(),
                   [](const auto& x, const auto& y) { return x.first < y.first; });
  std::vector<std::string> out;
  for (const auto& [rank, i] : ranked) {
    if (out.size() == max) break;
    out.push_back(candidates[i]);
  }
  return out;
}

std::string DidYouMean(std::string_view name, const std::vector<std::string>& candidates,
                       const std::string& what) {
  const std::string count = "(" + std::to_string(candidates.size()) + " " + what + ")";
  const std::vector<std::string> close = ClosestNames(name, candidates);
  if (close.empty()) return count;
  std::string out = "did you mean ";
  for (size_t i = 0; i < close.size(); ++i) out += (i ? ", '" : "'") + close[i] + "'";
  return out + "? " + count;
}

}  // namespace tidemark
