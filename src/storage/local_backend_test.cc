#include "storage/local_backend.h"

#include <errno.h>
#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <memory>
#include <string>
#include <vector>

#include "storage/posix_io.h"
#include "storage/temp_dir_testlib.h"

namespace tidemark {
namespace {

class LocalBackendTest : public ::testing::Test {
 protected:
  void SetUp() override {
    root_ = tmp_.path() + "/repo";
    ASSERT_TRUE(LocalBackend::Create(root_).ok());
    Result<std::unique_ptr<LocalBackend>> b = LocalBackend::Open(root_);
    ASSERT_TRUE(b.ok()) << b.status().ToString();
    backend_ = std::move(b).value();
  }

  static void WriteRaw(const std::string& path, const std::string& data) {
    std::ofstream out(path, std::ios::binary);
    out << data;
    ASSERT_TRUE(out.good()) << path;
  }

  static bool Exists(const std::string& path) {
    struct stat st;
    return ::lstat(path.c_str(), &st) == 0;
  }

  std::vector<std::string> List(FileKind kind) {
    std::vector<std::string> names;
    Status s = backend_->List(kind, [&](const FileInfo& info) {
      names.push_back(info.handle.name);
      return Status::OK();
    });
    EXPECT_TRUE(s.ok()) << s.ToString();
    std::sort(names.begin(), names.end());
    return names;
  }

  ScopedTempDir tmp_;
  std::string root_;
  std::unique_ptr<LocalBackend> backend_;
};

TEST_F(LocalBackendTest, CreateMakesLayout) {
  for (const char* sub :
       {"keys", "data", "index", "locks", "ledger", "snapshots", "data/00", "data/3f", "data/ff"}) {
    struct stat st;
    ASSERT_EQ(::stat((root_ + "/" + sub).c_str(), &st), 0) << sub;
    EXPECT_TRUE(S_ISDIR(st.st_mode)) << sub;
  }
  EXPECT_FALSE(Exists(root_ + "/config"));
  EXPECT_EQ(backend_->Location(), "local:" + root_);
}

TEST_F(LocalBackendTest, FilesLandWhereTheLayoutSays) {
  ASSERT_TRUE(backend_->Put({FileKind::kConfig, ""}, "c").ok());
  ASSERT_TRUE(backend_->Put({FileKind::kPack, "3fa1b2"}, "p").ok());
  ASSERT_TRUE(backend_->Put({FileKind::kKey, "k1"}, "k").ok());
  ASSERT_TRUE(backend_->Put({FileKind::kLedger, "0001"}, "l").ok());
  EXPECT_TRUE(Exists(root_ + "/config"));
  EXPECT_TRUE(Exists(root_ + "/data/3f/3fa1b2"));
  EXPECT_TRUE(Exists(root_ + "/keys/k1"));
  EXPECT_TRUE(Exists(root_ + "/ledger/0001"));
  struct stat st;
  ASSERT_EQ(::stat((root_ + "/keys/k1").c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 077, 0u) << "repository files must not be group/world accessible";
}

TEST_F(LocalBackendTest, PutLeavesNoTemporaryFiles) {
  ASSERT_TRUE(backend_->Put({FileKind::kKey, "k1"}, "one").ok());
  ASSERT_TRUE(backend_->Put({FileKind::kKey, "k1"}, "two", PutMode::kOverwrite).ok());
  EXPECT_TRUE(backend_->Put({FileKind::kKey, "k1"}, "three").IsAlreadyExists());
  std::vector<std::string> entries;
  for (const auto& e : std::filesystem::directory_iterator(root_ + "/keys")) {
    entries.push_back(e.path().filename().string());
  }
  EXPECT_EQ(entries, std::vector<std::string>{"k1"});
}

TEST_F(LocalBackendTest, LeftoverTempFileIsIgnored) {
  // What a Put interrupted by a crash leaves behind.
  WriteRaw(root_ + "/snapshots/.tmp-xyz", "half a snaps");
  WriteRaw(root_ + "/data/ab/.tmp-xyz", "half a pack");
  ASSERT_TRUE(backend_->Put({FileKind::kSnapshot, "s1"}, "whole").ok());
  ASSERT_TRUE(backend_->Put({FileKind::kPack, "ab12"}, "pack").ok());
  EXPECT_EQ(List(FileKind::kSnapshot), std::vector<std::string>{"s1"});
  EXPECT_EQ(List(FileKind::kPack), std::vector<std::string>{"ab12"});
  Result<std::string> r = backend_->Get({FileKind::kSnapshot, "s1"});
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(*r, "whole");
  EXPECT_TRUE(backend_->Get({FileKind::kSnapshot, ".tmp-xyz"}).status().IsInvalidArgument());
}

TEST_F(LocalBackendTest, ListSkipsWhatGetCannotAddress) {
  ASSERT_EQ(::mkdir((root_ + "/snapshots/subdir").c_str(), 0700), 0);
  WriteRaw(root_ + "/snapshots/bad name", "x");
  WriteRaw(root_ + "/data/ab/cd01", "pack in the wrong folder");
  ASSERT_EQ(::symlink("/nonexistent", (root_ + "/snapshots/dangling").c_str()), 0);
  ASSERT_TRUE(backend_->Put({FileKind::kSnapshot, "good"}, "x").ok());
  EXPECT_EQ(List(FileKind::kSnapshot), std::vector<std::string>{"good"});
  EXPECT_TRUE(List(FileKind::kPack).empty());
}

TEST_F(LocalBackendTest, CreateRefusesExistingRepository) {
  ASSERT_TRUE(backend_->Put({FileKind::kConfig, ""}, "cfg").ok());
  Status s = LocalBackend::Create(root_);
  EXPECT_TRUE(s.IsAlreadyExists()) << s.ToString();
  EXPECT_NE(s.message().find(root_ + "/config"), std::string::npos) << s.message();
  Result<std::string> r = backend_->Get({FileKind::kConfig, ""});
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(*r, "cfg");
}

TEST_F(LocalBackendTest, CreateWithoutConfigIsRepeatable) {
  ASSERT_TRUE(backend_->Put({FileKind::kKey, "k1"}, "key").ok());
  EXPECT_TRUE(LocalBackend::Create(root_).ok());
  EXPECT_EQ(List(FileKind::kKey), std::vector<std::string>{"k1"});
}

TEST_F(LocalBackendTest, CreateMakesParentsAndNormalizesPath) {
  const std::string deep = tmp_.path() + "/a/b/c";
  ASSERT_TRUE(LocalBackend::Create(deep + "/").ok());
  Result<std::unique_ptr<LocalBackend>> b = LocalBackend::Open(deep + "//");
  ASSERT_TRUE(b.ok()) << b.status().ToString();
  EXPECT_EQ((*b)->Location(), "local:" + deep);
}

TEST_F(LocalBackendTest, CreateOverAFileFails) {
  WriteRaw(tmp_.path() + "/plainfile", "x");
  Status s = LocalBackend::Create(tmp_.path() + "/plainfile");
  EXPECT_FALSE(s.ok());
  EXPECT_NE(s.message().find("plainfile"), std::string::npos) << s.message();
}

TEST_F(LocalBackendTest, OpenMissingFolderIsNotFoundWithPath) {
  const std::string missing = tmp_.path() + "/no-such-repo";
  Result<std::unique_ptr<LocalBackend>> b = LocalBackend::Open(missing);
  ASSERT_FALSE(b.ok());
  EXPECT_TRUE(b.status().IsNotFound()) << b.status().ToString();
  EXPECT_NE(b.status().message().find(missing), std::string::npos) << b.status().message();
}

TEST_F(LocalBackendTest, OpenFileIsInvalidArgument) {
  WriteRaw(tmp_.path() + "/plainfile", "x");
  Result<std::unique_ptr<LocalBackend>> b = LocalBackend::Open(tmp_.path() + "/plainfile");
  EXPECT_TRUE(b.status().IsInvalidArgument()) << b.status().ToString();
}

TEST_F(LocalBackendTest, OpenEmptyPathIsInvalidArgument) {
  EXPECT_TRUE(LocalBackend::Open("").status().IsInvalidArgument());
  EXPECT_TRUE(LocalBackend::Create("").IsInvalidArgument());
}

TEST_F(LocalBackendTest, MissingKindFolderIsAnErrorNotAnEmptyList) {
  ASSERT_EQ(::rmdir((root_ + "/snapshots").c_str()), 0);
  Status s = backend_->List(FileKind::kSnapshot, [](const FileInfo&) { return Status::OK(); });
  EXPECT_TRUE(s.IsNotFound()) << s.ToString();
  EXPECT_NE(s.message().find(root_ + "/snapshots"), std::string::npos) << s.message();
}

TEST_F(LocalBackendTest, PackWithNewPrefixGetsItsFolder) {
  ASSERT_TRUE(backend_->Put({FileKind::kPack, "Zq01"}, "p").ok());
  EXPECT_TRUE(Exists(root_ + "/data/Zq/Zq01"));
  EXPECT_EQ(List(FileKind::kPack), std::vector<std::string>{"Zq01"});
}

TEST_F(LocalBackendTest, PermissionDeniedFolder) {
  if (::geteuid() == 0) GTEST_SKIP() << "root bypasses file permissions";
  const std::string snaps = root_ + "/snapshots";
  ASSERT_TRUE(backend_->Put({FileKind::kSnapshot, "s1"}, "x").ok());
  ASSERT_EQ(::chmod(snaps.c_str(), 0500), 0);  // read-only folder
  Status put = backend_->Put({FileKind::kSnapshot, "s2"}, "y");
  EXPECT_TRUE(put.IsPermissionDenied()) << put.ToString();
  EXPECT_NE(put.message().find(snaps + "/s2"), std::string::npos) << put.message();
  EXPECT_NE(put.message().find("Permission denied"), std::string::npos) << put.message();
  Status rm = backend_->Remove({FileKind::kSnapshot, "s1"});
  EXPECT_TRUE(rm.IsPermissionDenied()) << rm.ToString();
  ASSERT_EQ(::chmod(snaps.c_str(), 0000), 0);  // unreadable folder
  Status list = backend_->List(FileKind::kSnapshot, [](const FileInfo&) { return Status::OK(); });
  EXPECT_TRUE(list.IsPermissionDenied()) << list.ToString();
  EXPECT_NE(list.message().find(snaps), std::string::npos) << list.message();
  EXPECT_TRUE(backend_->Get({FileKind::kSnapshot, "s1"}).status().IsPermissionDenied());
  ASSERT_EQ(::chmod(snaps.c_str(), 0700), 0);
  EXPECT_EQ(List(FileKind::kSnapshot), std::vector<std::string>{"s1"});
}

TEST_F(LocalBackendTest, UnreadableFileIsPermissionDenied) {
  if (::geteuid() == 0) GTEST_SKIP() << "root bypasses file permissions";
  ASSERT_TRUE(backend_->Put({FileKind::kKey, "k1"}, "secret").ok());
  ASSERT_EQ(::chmod((root_ + "/keys/k1").c_str(), 0000), 0);
  Result<std::string> r = backend_->Get({FileKind::kKey, "k1"});
  EXPECT_TRUE(r.status().IsPermissionDenied()) << r.status().ToString();
  EXPECT_EQ(r.status().message(), "open " + root_ + "/keys/k1: Permission denied");
}

TEST(PosixErrorTest, MapsErrnoAndNamesThePath) {
  Status s = PosixError("write", "/srv/repo/data/3f/3fa1", ENOSPC);
  EXPECT_EQ(s.code(), Status::Code::kIOError);
  EXPECT_EQ(s.message(), "write /srv/repo/data/3f/3fa1: No space left on device");
  EXPECT_TRUE(PosixError("open", "/x", ENOENT).IsNotFound());
  EXPECT_TRUE(PosixError("open", "/x", EACCES).IsPermissionDenied());
  EXPECT_TRUE(PosixError("open", "/x", EPERM).IsPermissionDenied());
  EXPECT_TRUE(PosixError("link", "/x", EEXIST).IsAlreadyExists());
  EXPECT_EQ(PosixError("read", "/x", EIO).code(), Status::Code::kIOError);
  EXPECT_EQ(PosixError("read", "/x", EROFS).code(), Status::Code::kIOError);
}

TEST(PosixIoTest, WriteAllReportsTheTargetPath) {
  // /dev/full fails every write with ENOSPC.
  const int fd = ::open("/dev/full", O_WRONLY | O_CLOEXEC);
  if (fd < 0) GTEST_SKIP() << "no /dev/full";
  ScopedFd closer(fd);
  Status s = WriteAll(fd, "data", "/srv/repo/keys/k1");
  EXPECT_EQ(s.code(), Status::Code::kIOError);
  EXPECT_EQ(s.message(), "write /srv/repo/keys/k1: No space left on device");
}

TEST(PosixIoTest, RandomTempNamesStartWithDotAndDiffer) {
  const std::string a = RandomTempName(), b = RandomTempName();
  EXPECT_EQ(a.rfind(".tmp-", 0), 0u);
  EXPECT_EQ(a.size(), 21u);
  EXPECT_NE(a, b);
}

}  // namespace
}  // namespace tidemark
