// The golden repository: a format-v1 repository made once and committed
// (tests/fixtures/repo-v1). Today's code must open it, read every blob,
// find no damage and verify its ledger. A change that breaks this is a
// format change: bump the version (docs/FORMAT.md §12) and keep reading v1.
//
// Regenerate only for a deliberate format change:
//   TIDEMARK_TEST_SOURCE_DIR=$PWD build/release/ops_test --gtest_also_run_disabled_tests
//   --gtest_filter='*GenerateGolden*'
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "crypto/crypto.h"
#include "ledger/ledger.h"
#include "ops/check.h"
#include "repo/blob_store.h"
#include "storage/local_backend.h"
#include "storage/temp_dir_testlib.h"

namespace tidemark {
namespace {

namespace fs = std::filesystem;

const char kPassword[] = "golden fixture password";

// The blobs the fixture holds: small, compressible and incompressible.
std::vector<std::string> GoldenContents() {
  std::string csv;
  for (int i = 0; i < 3000; i++) csv += std::to_string(i) + ",customer " + std::to_string(i) + "\n";
  std::string noise;
  std::string block = Sha256("golden noise");
  while (noise.size() < 20000) {
    noise += block;
    block = Sha256(block);
  }
  return {"golden blob one", csv, noise};
}

std::string FixtureDir() {
  const char* src = getenv("TIDEMARK_TEST_SOURCE_DIR");
  return std::string(src ? src : ".") + "/tests/fixtures/repo-v1";
}

// Copies the committed files into a fresh repository folder (git keeps no
// empty folders, so the layout is made by LocalBackend::Create first).
std::string CopyFixture(const std::string& into) {
  const std::string repo = into + "/repo";
  EXPECT_TRUE(LocalBackend::Create(repo).ok());
  for (const auto& e : fs::recursive_directory_iterator(FixtureDir())) {
    if (!e.is_regular_file()) continue;
    const fs::path rel = fs::relative(e.path(), FixtureDir());
    fs::create_directories((fs::path(repo) / rel).parent_path());
    fs::copy_file(e.path(), fs::path(repo) / rel, fs::copy_options::overwrite_existing);
  }
  return repo;
}

TEST(GoldenRepositoryTest, FormatV1StillReads) {
  ASSERT_TRUE(fs::exists(FixtureDir() + "/config")) << FixtureDir();
  ScopedTempDir dir;
  setenv("TIDEMARK_CACHE_DIR", (dir.path() + "/cache").c_str(), 1);
  auto backend = LocalBackend::Open(CopyFixture(dir.path()));
  ASSERT_TRUE(backend.ok());
  auto repo = Repository::Open(backend->get(), kPassword);
  ASSERT_TRUE(repo.ok()) << repo.status().ToString();
  EXPECT_EQ((*repo)->config().version, 1u);
  EXPECT_EQ((*repo)->config().pack_target, 64u * 1024);

  BlobStore store(repo->get());
  ASSERT_TRUE(store.LoadIndex().ok());
  EXPECT_EQ(store.index().blob_count(), 3u);
  for (const std::string& content : GoldenContents()) {
    auto got = store.Get(ComputeBlobId((*repo)->keys(), content));
    ASSERT_TRUE(got.ok()) << got.status().ToString();
    EXPECT_EQ(*got, content);
  }

  CheckOptions options;
  options.read_data = true;
  auto report = CheckRepository(repo->get(), options);
  ASSERT_TRUE(report.ok());
  EXPECT_TRUE(report->ok()) << report->damage[0].object << ": " << report->damage[0].message;
  EXPECT_EQ(report->ledger_entries, 2u);

  std::vector<std::string> actions;
  ASSERT_TRUE(Ledger(repo->get())
                  .ForEach(1,
                           [&](const LedgerEntry& e) {
                             actions.push_back(e.record.action);
                             return Status::OK();
                           })
                  .ok());
  EXPECT_EQ(actions, (std::vector<std::string>{"init", "golden"}));
  EXPECT_TRUE(Repository::Open(backend->get(), "wrong").status().IsPermissionDenied());
}

TEST(GoldenRepositoryTest, DISABLED_GenerateGolden) {
  ScopedTempDir cache;
  setenv("TIDEMARK_CACHE_DIR", cache.path().c_str(), 1);
  fs::remove_all(FixtureDir());
  ASSERT_TRUE(LocalBackend::Create(FixtureDir()).ok());
  auto backend = LocalBackend::Open(FixtureDir());
  ASSERT_TRUE(backend.ok());
  InitOptions opts;
  opts.kdf = KdfParams{1, 8192};
  opts.pack_target = 64 * 1024;
  opts.host = "golden-host";
  opts.user = "golden";
  auto repo = Repository::Init(backend->get(), kPassword, opts);
  ASSERT_TRUE(repo.ok());
  Ledger ledger(repo->get());
  ASSERT_TRUE(ledger.Append({"golden@golden-host", "init", "ok", {}, {}, {}}).ok());
  BlobStore store(repo->get());
  for (const std::string& c : GoldenContents()) ASSERT_TRUE(store.Put(BlobType::kData, c).ok());
  ASSERT_TRUE(store.Flush().ok());
  ASSERT_TRUE(ledger.Append({"golden@golden-host", "golden", "ok", {}, {}, {{"blobs", 3}}}).ok());
}

}  // namespace
}  // namespace tidemark
