#include "sources/files/files_testlib.h"

#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>

namespace tidemark::files {

namespace fs = std::filesystem;

ScratchDir::ScratchDir() {
  std::string tmpl = (fs::temp_directory_path() / "tm_files_XXXXXX").string();
  if (::mkdtemp(tmpl.data()) == nullptr) ADD_FAILURE() << "mkdtemp failed";
  path_ = tmpl;
}

ScratchDir::~ScratchDir() {
  std::error_code ec;
  fs::remove_all(path_, ec);
}

void CopyNodeRedFixture(const std::string& to) {
  const char* src = std::getenv("TIDEMARK_TEST_SOURCE_DIR");
  ASSERT_NE(src, nullptr) << "TIDEMARK_TEST_SOURCE_DIR is not set (ctest sets it)";
  fs::copy(fs::path(src) / "tests/fixtures/node-red", to, fs::copy_options::recursive);
}

std::string ReadBytes(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

void WriteBytes(const std::string& path, const std::string& bytes) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out << bytes;
}

namespace {
std::map<std::string, std::string> Tree(const std::string& root) {
  std::map<std::string, std::string> out;
  if (!fs::exists(root)) return out;
  for (const auto& e : fs::recursive_directory_iterator(root)) {
    if (e.is_regular_file()) out[fs::relative(e.path(), root).string()] = ReadBytes(e.path());
  }
  return out;
}
}  // namespace

std::string CompareTrees(const std::string& a, const std::string& b) {
  const auto ta = Tree(a), tb = Tree(b);
  std::string out;
  for (const auto& [p, bytes] : ta) {
    auto it = tb.find(p);
    if (it == tb.end())
      out += p + " only in " + a + "; ";
    else if (it->second != bytes)
      out += p + " differs; ";
  }
  for (const auto& [p, bytes] : tb) {
    if (!ta.count(p)) out += p + " only in " + b + "; ";
  }
  return out;
}

}  // namespace tidemark::files
