// Temporary files of killed writers: listed in every folder, and removed
// only once older than the grace period on the repository's (fake) clock.
#include "repo/temp_files.h"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/stat.h>

#include <cstdio>

#include "storage/local_backend.h"
#include "storage/temp_dir_testlib.h"

namespace tidemark {
namespace {

constexpr int64_t kT0 = 1'800'000'000ll * 1000000;  // a file's last write

void WriteAt(const std::string& path, const std::string& data, int64_t micros) {
  FILE* f = fopen(path.c_str(), "wb");
  ASSERT_NE(f, nullptr) << path;
  fwrite(data.data(), 1, data.size(), f);
  fclose(f);
  struct timespec t[2];
  t[0].tv_sec = t[1].tv_sec = micros / 1000000;
  t[0].tv_nsec = t[1].tv_nsec = 0;
  ASSERT_EQ(utimensat(AT_FDCWD, path.c_str(), t, 0), 0);
}

TEST(TempFilesTest, RemovedOnlyAfterTheGracePeriod) {
  ScopedTempDir dir;
  const std::string root = dir.path() + "/repo";
  ASSERT_TRUE(LocalBackend::Create(root).ok());
  auto backend = LocalBackend::Open(root);
  ASSERT_TRUE(backend.ok());
  FakeClock clock(kT0);
  InitOptions opts;
  opts.kdf = KdfParams{1, 8192};
  auto repo = Repository::Init(backend->get(), "pw", opts, &clock);
  ASSERT_TRUE(repo.ok()) << repo.status().ToString();
  // Left by killed writers of a pack, an index file and a snapshot; one
  // written an hour later (a writer that may still run).
  WriteAt(root + "/data/ab/.tmp-pack", std::string(1000, 'p'), kT0);
  WriteAt(root + "/index/.tmp-index", std::string(100, 'i'), kT0);
  WriteAt(root + "/snapshots/.tmp-snap", std::string(10, 's'), kT0);
  WriteAt(root + "/locks/.tmp-young", "l", kT0 + 3600ll * 1000000);
  auto listed = ListTempFiles(**repo);
  ASSERT_TRUE(listed.ok());
  EXPECT_EQ(listed->size(), 4u);

  clock.Set(kT0 + kTempFileGraceMicros);  // exactly the grace period: kept
  auto none = RemoveOldTempFiles(**repo);
  ASSERT_TRUE(none.ok());
  EXPECT_TRUE(none->removed.empty());
  EXPECT_EQ(none->kept, 4u);

  clock.Advance(1000000);
  auto some = RemoveOldTempFiles(**repo);
  ASSERT_TRUE(some.ok()) << some.status().ToString();
  EXPECT_EQ(some->removed.size(), 3u);
  EXPECT_EQ(some->bytes_removed, 1110u);
  EXPECT_EQ(some->kept, 1u);
  struct stat st;
  EXPECT_NE(::stat((root + "/data/ab/.tmp-pack").c_str(), &st), 0);
  EXPECT_EQ(::stat((root + "/locks/.tmp-young").c_str(), &st), 0);
  // A path that is not a temporary file is never removed through this.
  EXPECT_TRUE((*backend)->RemoveTemporary("config").IsInvalidArgument());
  EXPECT_TRUE((*backend)->RemoveTemporary("index/../config").IsInvalidArgument());
}

}  // namespace
}  // namespace tidemark
