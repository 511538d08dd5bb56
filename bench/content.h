// Deterministic, moderately compressible content for the benchmarks: text
// records in the shape of application logs (JSON lines) and table exports
// (CSV), from small vocabularies plus random numbers, so that zstd level 3
// shrinks them about 3x, as it does real logs and exports (random bytes
// would measure nothing but the "stored" path; zeros would measure nothing
// but zstd's fast path).
//
// Content(seed, size) is a pure function: the Put pass, the dedup pass and
// the Get verification regenerate the same bytes instead of keeping 1 GiB in
// memory. Distinct seeds give distinct content (the first line names the
// seed), so nothing dedupes by accident. Header-only: the bench target is
// one translation unit (see CMakeLists.txt).
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <string_view>

namespace tidemark::bench {

// splitmix64: tiny, fast, and good enough to pick words and numbers.
class Rng {
 public:
  explicit Rng(uint64_t seed) : s_(seed) {}
  uint64_t Next() {
    uint64_t z = (s_ += 0x9e3779b97f4a7c15ull);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
  }
  // Uniform in [0, n) (n small: the modulo bias is irrelevant here).
  uint64_t Below(uint64_t n) { return Next() % n; }
  // Uniform in [lo, hi].
  uint64_t Between(uint64_t lo, uint64_t hi) { return lo + Below(hi - lo + 1); }

 private:
  uint64_t s_;
};

namespace content_internal {

inline constexpr std::array<std::string_view, 8> kLevels = {"info",  "info", "info",  "debug",
                                                            "debug", "warn", "error", "info"};
inline constexpr std::array<std::string_view, 12> kEvents = {
    "page_view", "login",      "logout",    "add_to_cart", "checkout", "search",
    "api_call",  "cache_miss", "cache_hit", "db_query",    "upload",   "download"};
inline constexpr std::array<std::string_view, 10> kPaths = {
    "/api/v2/orders/", "/api/v2/users/",  "/api/v2/items/",   "/static/img/", "/search?q=",
    "/cart/",          "/api/v1/report/", "/account/orders/", "/blog/post/",  "/api/v2/stock/"};
inline constexpr std::array<std::string_view, 16> kNames = {
    "Alice Meyer", "Bob Schulz",  "Carla Rossi",  "Dmitri Ivanov", "Eva Novak",    "Farid Haddad",
    "Grace Lee",   "Hugo Martin", "Ines Garcia",  "Jonas Berg",    "Keiko Tanaka", "Liam O'Brien",
    "Maya Cohen",  "Nils Larsen", "Olga Petrova", "Pablo Ruiz"};
inline constexpr std::array<std::string_view, 8> kCountries = {"DE", "FR", "US", "GB",
                                                               "NL", "IT", "ES", "JP"};
inline constexpr std::array<std::string_view, 5> kStates = {"shipped", "pending", "delivered",
                                                            "cancelled", "returned"};

// Appends decimal n, zero-padded to at least `width` digits.
inline void AppendNum(std::string* out, uint64_t n, int width = 1) {
  char buf[24];
  int i = 24;
  do {
    buf[--i] = static_cast<char>('0' + n % 10);
    n /= 10;
  } while (n != 0);
  while (24 - i < width) buf[--i] = '0';
  out->append(buf + i, 24 - i);
}

inline void AppendHex(std::string* out, uint64_t n, int digits) {
  static constexpr char kHex[] = "0123456789abcdef";
  for (int i = digits - 1; i >= 0; i--) out->push_back(kHex[(n >> (4 * i)) & 15]);
}

template <size_t N>
std::string_view Pick(Rng& r, const std::array<std::string_view, N>& words) {
  return words[r.Below(N)];
}

// 2024-MM-DDTHH:MM:SS.mmmZ, advancing a little per record like a real log.
inline void AppendTime(std::string* out, uint64_t t_ms) {
  const uint64_t s = t_ms / 1000;
  out->append("2024-");
  AppendNum(out, 1 + s / 2592000 % 12, 2);
  out->push_back('-');
  AppendNum(out, 1 + s / 86400 % 28, 2);
  out->push_back('T');
  AppendNum(out, s / 3600 % 24, 2);
  out->push_back(':');
  AppendNum(out, s / 60 % 60, 2);
  out->push_back(':');
  AppendNum(out, s % 60, 2);
  out->push_back('.');
  AppendNum(out, t_ms % 1000, 3);
  out->push_back('Z');
}

inline void AppendJsonRecord(std::string* out, Rng& r, uint64_t t_ms) {
  out->append("{\"ts\":\"");
  AppendTime(out, t_ms);
  out->append("\",\"level\":\"");
  out->append(Pick(r, kLevels));
  out->append("\",\"host\":\"web-");
  AppendNum(out, r.Below(16), 2);
  out->append("\",\"user_id\":");
  AppendNum(out, r.Between(1000, 99999));
  out->append(",\"ip\":\"10.");
  AppendNum(out, r.Below(256));
  out->push_back('.');
  AppendNum(out, r.Below(256));
  out->push_back('.');
  AppendNum(out, r.Below(256));
  out->append("\",\"session\":\"");
  AppendHex(out, r.Next(), 16);
  out->push_back('"');
  out->append(",\"event\":\"");
  out->append(Pick(r, kEvents));
  out->append("\",\"path\":\"");
  out->append(Pick(r, kPaths));
  AppendNum(out, r.Below(100000));
  out->append("\",\"status\":");
  out->append(r.Below(10) == 0 ? "404" : "200");
  out->append(",\"latency_ms\":");
  AppendNum(out, r.Below(400));
  out->push_back('.');
  AppendNum(out, r.Below(10));
  out->append(",\"bytes\":");
  AppendNum(out, r.Below(1u << 20));
  out->append(",\"trace\":\"");
  AppendHex(out, r.Next(), 8);
  out->push_back('-');
  AppendHex(out, r.Next(), 4);
  out->append("-4");
  AppendHex(out, r.Next(), 3);
  out->push_back('-');
  AppendHex(out, r.Next(), 4);
  out->push_back('-');
  AppendHex(out, r.Next(), 12);
  out->append("\"}\n");
}

inline void AppendCsvRecord(std::string* out, Rng& r, uint64_t row) {
  AppendNum(out, 100000 + row);
  out->push_back(',');
  AppendTime(out, 1700000000000ull + row * 7919);
  out->push_back(',');
  AppendNum(out, r.Between(1000, 99999));
  out->append(",\"");
  out->append(Pick(r, kNames));
  out->append("\",");
  out->append(Pick(r, kCountries));
  out->append(",EUR,");
  AppendNum(out, r.Below(500));
  out->push_back('.');
  AppendNum(out, r.Below(100), 2);
  out->push_back(',');
  AppendNum(out, r.Between(1, 9));
  out->push_back(',');
  out->append(Pick(r, kStates));
  out->push_back(',');
  AppendHex(out, r.Next(), 8);
  out->push_back('\n');
}

}  // namespace content_internal

// Fills *out with exactly `size` bytes of records derived from seed. Reuses
// out's capacity, so a caller looping over blobs allocates once.
inline void Content(uint64_t seed, size_t size, std::string* out) {
  using namespace content_internal;
  out->clear();
  out->reserve(size + 512);
  Rng r(seed * 0x2545f4914f6cdd1dull + 1);
  const bool csv = r.Below(2) == 0;
  out->append(csv ? "# export " : "# log ");
  AppendNum(out, seed);
  out->append(csv ? "\norder_id,created,customer_id,name,country,currency,amount,qty,state,ref\n"
                  : "\n");
  uint64_t t_ms = 1700000000000ull + r.Below(1ull << 32);
  for (uint64_t row = 0; out->size() < size; row++) {
    if (csv) {
      AppendCsvRecord(out, r, row);
    } else {
      t_ms += r.Below(2000);
      AppendJsonRecord(out, r, t_ms);
    }
  }
  out->resize(size);
}

inline std::string Content(uint64_t seed, size_t size) {
  std::string s;
  Content(seed, size, &s);
  return s;
}

}  // namespace tidemark::bench
