// Replays the committed fuzz corpus (fuzz/corpus/<target>/) through the
// targets of targets.h, so ordinary and sanitizer builds run every stored
// input; and writes the seed files of seeds.h (DISABLED_GenerateCorpus, see
// README.md).
//
// Seed names say what a seed must do: "ok-<mode>-<what>" must select <mode>
// and decode, "bad-<mode>-<what>" must select <mode> and be rejected. Other
// files (inputs the fuzzer found) only have to run without crashing.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "seeds.h"
#include "targets.h"

namespace tidemark::fuzz {
namespace {

namespace fs = std::filesystem;

// fuzz/corpus/<target> of the source tree; empty when the variable is unset.
fs::path CorpusDir(std::string_view target) {
  const char* root = std::getenv("TIDEMARK_TEST_SOURCE_DIR");
  if (root == nullptr || *root == '\0') return {};
  return fs::path(root) / "fuzz" / "corpus" / std::string(target);
}

std::string ReadFile(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream out;
  out << in.rdbuf();
  return out.str();
}

// ---- checking seeds ----

// Runs one input; for named seeds, checks the mode and the outcome the name
// states. Returns the outcome.
Outcome Check(const FuzzTarget& t, const std::string& name, std::string_view bytes) {
  SCOPED_TRACE(std::string(t.name) + "/" + name);
  const Outcome o = t.Run(bytes);
  const bool ok = name.rfind("ok-", 0) == 0, bad = name.rfind("bad-", 0) == 0;
  if (!ok && !bad) return o;
  const size_t start = name.find('-') + 1;
  const std::string mode = name.substr(start, name.find('-', start) - start);
  EXPECT_GE(o.mode, 0);
  if (o.mode >= 0) {
    EXPECT_EQ(t.modes[o.mode].name, mode) << "seed selects another mode";
  }
  EXPECT_EQ(o.decoded, ok) << (ok ? "seed named ok- was rejected" : "seed named bad- decoded");
  return o;
}

class FuzzReplay : public ::testing::TestWithParam<std::string> {};

// Every stored input runs; named seeds behave as named; every mode has at
// least one seed that decodes (so the outer decoders see valid files).
TEST_P(FuzzReplay, CorpusRunsAndEveryModeDecodes) {
  const FuzzTarget& t = Target(GetParam());
  const fs::path dir = CorpusDir(t.name);
  ASSERT_FALSE(dir.empty()) << "set TIDEMARK_TEST_SOURCE_DIR to the source tree";
  ASSERT_TRUE(fs::is_directory(dir)) << dir << " is missing";
  std::vector<fs::path> files;
  for (const auto& e : fs::directory_iterator(dir)) {
    if (e.is_regular_file()) files.push_back(e.path());
  }
  ASSERT_FALSE(files.empty()) << dir << " holds no seeds";
  std::sort(files.begin(), files.end());
  std::vector<int> decoded(t.modes.size(), 0);
  for (const fs::path& f : files) {
    const Outcome o = Check(t, f.filename().string(), ReadFile(f));
    if (o.decoded) decoded[o.mode]++;
  }
  for (size_t m = 0; m < t.modes.size(); m++) {
    EXPECT_GT(decoded[m], 0) << "no seed of mode " << t.modes[m].name << " decodes";
  }
}

std::vector<std::string> TargetNames() {
  std::vector<std::string> names;
  for (const FuzzTarget& t : Targets()) names.push_back(t.name);
  return names;
}

INSTANTIATE_TEST_SUITE_P(Targets, FuzzReplay, ::testing::ValuesIn(TargetNames()),
                         [](const auto& info) { return info.param; });

// The generator still makes seeds that behave as named (without writing).
TEST(FuzzCorpus, GeneratedSeedsBehaveAsNamed) {
  for (const auto& [target, seeds] : AllSeeds()) {
    for (const Seed& s : seeds) Check(Target(target), s.name, s.bytes);
  }
}

// Rewrites the named seeds of fuzz/corpus/; other files stay. Run with
// --gtest_also_run_disabled_tests --gtest_filter='*GenerateCorpus*'.
TEST(FuzzCorpus, DISABLED_GenerateCorpus) {
  for (const auto& [target, seeds] : AllSeeds()) {
    const fs::path dir = CorpusDir(target);
    ASSERT_FALSE(dir.empty()) << "set TIDEMARK_TEST_SOURCE_DIR to the source tree";
    fs::create_directories(dir);
    for (const auto& e : fs::directory_iterator(dir)) {
      const std::string name = e.path().filename().string();
      if (name.rfind("ok-", 0) == 0 || name.rfind("bad-", 0) == 0) fs::remove(e.path());
    }
    for (const Seed& s : seeds) {
      std::ofstream out(dir / s.name, std::ios::binary | std::ios::trunc);
      out.write(s.bytes.data(), static_cast<std::streamsize>(s.bytes.size()));
      ASSERT_TRUE(out.good()) << dir / s.name;
    }
  }
}

}  // namespace
}  // namespace tidemark::fuzz
