// `tidemark cat index|pack|blob` over a repository holding real blobs (no
// command writes blobs yet, so the test stores them through the library).
#include <gtest/gtest.h>

#include <fstream>
#include <vector>

#include "cli/app.h"
#include "repo/blob_store.h"
#include "storage/local_backend.h"
#include "storage/temp_dir_testlib.h"

namespace tidemark::cli {
namespace {

class CatTest : public ::testing::Test {
 protected:
  void SetUp() override {
    setenv("TIDEMARK_CACHE_DIR", (dir_.path() + "/cache").c_str(), 1);
    repo_path_ = dir_.path() + "/repo";
    pw_path_ = dir_.path() + "/pw";
    std::ofstream(pw_path_) << "pw\n";
    ASSERT_TRUE(LocalBackend::Create(repo_path_).ok());
    backend_ = LocalBackend::Open(repo_path_).value();
    InitOptions opts;
    opts.kdf = KdfParams{1, 8192};
    auto repo = Repository::Init(backend_.get(), "pw", opts);
    ASSERT_TRUE(repo.ok());
    BlobStore store(repo->get());
    blob_ = *store.Put(BlobType::kData, "hello from a blob");
    ASSERT_TRUE(store.Flush().ok());
    pack_ = store.Find(blob_)->pack_id;
  }

  // Runs tidemark with the repository options prepended; returns the exit
  // code and captures stdout into *out.
  int Run(std::vector<std::string> args, std::string* out) {
    std::vector<std::string> argv = {"tidemark", "-r", repo_path_, "--password-file", pw_path_};
    argv.insert(argv.end(), args.begin(), args.end());
    std::vector<char*> ptrs;
    for (auto& a : argv) ptrs.push_back(a.data());
    testing::internal::CaptureStdout();
    const int rc = Main(static_cast<int>(ptrs.size()), ptrs.data());
    fflush(stdout);
    *out = testing::internal::GetCapturedStdout();
    return rc;
  }

  ScopedTempDir dir_;
  std::string repo_path_, pw_path_;
  std::unique_ptr<LocalBackend> backend_;
  Id blob_, pack_;
};

TEST_F(CatTest, BlobByPrefixPrintsContent) {
  std::string out;
  ASSERT_EQ(Run({"cat", "blob", blob_.Hex().substr(0, 10)}, &out), 0);
  EXPECT_EQ(out, "hello from a blob");
  ASSERT_EQ(Run({"--json", "cat", "blob", blob_.Hex()}, &out), 0);
  EXPECT_NE(out.find("\"pack\":\"" + pack_.Hex() + "\""), std::string::npos) << out;
  EXPECT_EQ(Run({"cat", "blob", "ffffffffff"}, &out), 1);
}

TEST_F(CatTest, PackAndIndexList) {
  std::string out;
  ASSERT_EQ(Run({"cat", "pack", pack_.Hex().substr(0, 8)}, &out), 0);
  EXPECT_NE(out.find(blob_.Hex()), std::string::npos) << out;
  std::string index_name;
  ASSERT_TRUE(backend_
                  ->List(FileKind::kIndex,
                         [&](const FileInfo& f) {
                           index_name = f.handle.name;
                           return Status::OK();
                         })
                  .ok());
  ASSERT_EQ(Run({"--json", "cat", "index", index_name}, &out), 0);
  EXPECT_NE(out.find("\"pack\":\"" + pack_.Hex() + "\""), std::string::npos) << out;
  EXPECT_NE(out.find("\"raw_length\":17"), std::string::npos) << out;
  EXPECT_EQ(Run({"cat", "index", "zz"}, &out), 1);
}

TEST_F(CatTest, DamagedPackHeaderIsIntegrityFailure) {
  const std::string path = repo_path_ + "/data/" + pack_.Hex().substr(0, 2) + "/" + pack_.Hex();
  std::fstream f(path, std::ios::in | std::ios::out | std::ios::binary);
  f.seekp(-20, std::ios::end);
  f.put('\x7f');
  f.close();
  std::string out;
  EXPECT_EQ(Run({"cat", "pack", pack_.Hex()}, &out), 3);
  EXPECT_EQ(Run({"check"}, &out), 3);
  EXPECT_NE(out.find("DAMAGED  pack " + pack_.Hex()), std::string::npos) << out;
}

}  // namespace
}  // namespace tidemark::cli
