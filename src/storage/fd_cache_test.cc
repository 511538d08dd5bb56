#include "storage/fd_cache.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <fstream>

#include "storage/temp_dir_testlib.h"

namespace tidemark {
namespace {

std::string Write(const std::string& path, const std::string& text) {
  std::ofstream(path, std::ios::binary) << text;
  return path;
}

std::string ReadAt(const ScopedFd& fd, size_t n) {
  std::string out(n, '\0');
  EXPECT_EQ(::pread(fd.get(), out.data(), n, 0), static_cast<ssize_t>(n));
  return out;
}

TEST(FdCacheTest, ASecondOpenReusesTheDescriptor) {
  ScopedTempDir dir;
  const std::string a = Write(dir.path() + "/a", "alpha");
  FdCache cache(2);
  auto first = cache.Open("open", a);
  auto second = cache.Open("open", a);
  ASSERT_TRUE(first.ok() && second.ok());
  EXPECT_EQ((*first)->get(), (*second)->get());
  EXPECT_EQ(ReadAt(**second, 5), "alpha");
  EXPECT_EQ(cache.size(), 1u);
}

TEST(FdCacheTest, TheLeastRecentlyUsedGoesFirstAndStaysOpenWhileHeld) {
  ScopedTempDir dir;
  const std::string a = Write(dir.path() + "/a", "alpha");
  const std::string b = Write(dir.path() + "/b", "bravo");
  const std::string c = Write(dir.path() + "/c", "charlie");
  FdCache cache(2);
  auto held = cache.Open("open", a);
  ASSERT_TRUE(held.ok());
  ASSERT_TRUE(cache.Open("open", b).ok());
  ASSERT_TRUE(cache.Open("open", c).ok());  // evicts a
  EXPECT_EQ(cache.size(), 2u);
  EXPECT_EQ(ReadAt(**held, 5), "alpha");  // still readable: the holder owns it
  auto again = cache.Open("open", a);     // a new descriptor
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(ReadAt(**again, 5), "alpha");
}

TEST(FdCacheTest, ForgetDropsTheDescriptorAndAMissingFileIsNotFound) {
  ScopedTempDir dir;
  const std::string a = Write(dir.path() + "/a", "alpha");
  FdCache cache(4);
  ASSERT_TRUE(cache.Open("open", a).ok());
  cache.Forget(a);
  EXPECT_EQ(cache.size(), 0u);
  ASSERT_EQ(::unlink(a.c_str()), 0);
  auto gone = cache.Open("open", a);
  ASSERT_FALSE(gone.ok());
  EXPECT_TRUE(gone.status().IsNotFound()) << gone.status().ToString();
  EXPECT_EQ(cache.size(), 0u);
}

}  // namespace
}  // namespace tidemark
