#include "ledger/ledger_head.h"

#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <limits>

#include "base/hex.h"
#include "base/logging.h"
#include "crypto/crypto.h"
#include "storage/posix_io.h"

namespace tidemark {

namespace {

Status Errno(std::string_view op, const std::string& path) {
  return Status::IOError(std::string(op) + " " + path + ": " + std::strerror(errno));
}

// Parses a decimal uint64 made of digits only.
bool ParseSeq(std::string_view s, uint64_t* v) {
  if (s.empty() || s.size() > 20) return false;
  uint64_t n = 0;
  for (char c : s) {
    if (c < '0' || c > '9') return false;
    const uint64_t digit = static_cast<uint64_t>(c - '0');
    if (n > (std::numeric_limits<uint64_t>::max() - digit) / 10) return false;
    n = n * 10 + digit;
  }
  *v = n;
  return true;
}

// Parses "SEQ<sep>HASHHEX"; false when malformed.
bool ParseSeqAndHash(std::string_view text, char sep, LedgerHead* head) {
  const size_t pos = text.find(sep);
  if (pos == std::string_view::npos) return false;
  auto hash = Id::FromHex(text.substr(pos + 1));
  if (!ParseSeq(text.substr(0, pos), &head->seq) || !hash.ok()) return false;
  head->hash = *hash;
  return head->seq != 0 || head->hash.IsZero();
}

// The whole file; NotFound when it does not exist.
Result<std::string> ReadSmallFile(const std::string& path) {
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    if (errno == ENOENT) return Status::NotFound(path);
    return Errno("open", path);
  }
  std::string data;
  char buf[256];
  for (;;) {
    ssize_t n = ::read(fd, buf, sizeof buf);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      Status s = Errno("read", path);
      ::close(fd);
      return s;
    }
    if (n == 0 || data.size() > 4096) break;  // a head line is < 100 bytes
    data.append(buf, static_cast<size_t>(n));
  }
  ::close(fd);
  return data;
}

// Writes data to a new file at path and fsyncs it.
Status WriteNewFile(const std::string& path, std::string_view data) {
  int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
  if (fd < 0) return Errno("create", path);
  while (!data.empty()) {
    ssize_t n = ::write(fd, data.data(), data.size());
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      Status s = Errno("write", path);
      ::close(fd);
      return s;
    }
    data.remove_prefix(static_cast<size_t>(n));
  }
  if (::fsync(fd) != 0) {
    Status s = Errno("fsync", path);
    ::close(fd);
    return s;
  }
  if (::close(fd) != 0) return Errno("close", path);
  return Status::OK();
}

// Holds an exclusive flock on a file for the lifetime of the object.
class FileLock {
 public:
  FileLock() = default;
  ~FileLock() {
    if (fd_ >= 0) ::close(fd_);  // releases the lock
  }
  FileLock(const FileLock&) = delete;
  FileLock& operator=(const FileLock&) = delete;

  Status Lock(const std::string& path) {
    fd_ = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600);
    if (fd_ < 0) return Errno("open", path);
    while (::flock(fd_, LOCK_EX) != 0) {
      if (errno != EINTR) return Errno("flock", path);
    }
    return Status::OK();
  }

 private:
  int fd_ = -1;
};

}  // namespace

std::string FormatHead(const LedgerHead& head) {
  return std::to_string(head.seq) + ":" + head.hash.Hex();
}

Result<LedgerHead> ParseHead(std::string_view text) {
  LedgerHead head;
  if (!ParseSeqAndHash(text, ':', &head)) {
    return Status::InvalidArgument(
        "'" + std::string(text) +
        "' is not a ledger head: expected SEQ:HASH, a decimal entry number and the entry's "
        "64-digit hex hash, as `tidemark ledger show --head` prints it");
  }
  return head;
}

std::string DefaultCacheDir() {
  if (const char* dir = std::getenv("TIDEMARK_CACHE_DIR"); dir && *dir) return dir;
  if (const char* xdg = std::getenv("XDG_CACHE_HOME"); xdg && *xdg) {
    return std::string(xdg) + "/tidemark";
  }
  if (const char* home = std::getenv("HOME"); home && *home) {
    return std::string(home) + "/.cache/tidemark";
  }
  return "";
}

HeadCache::HeadCache(std::string cache_dir, std::string_view repo_id_hex) {
  if (cache_dir.empty()) cache_dir = DefaultCacheDir();
  if (cache_dir.empty()) return;
  dir_ = cache_dir + "/" + std::string(repo_id_hex);
  path_ = dir_ + "/ledger-head";
}

std::optional<LedgerHead> HeadCache::Load() const {
  if (path_.empty()) return std::nullopt;
  auto data = ReadSmallFile(path_);
  if (!data.ok()) {
    if (!data.status().IsNotFound()) {
      TM_LOG(kWarning, "cannot read the ledger head cache: ", data.status().message());
    }
    return std::nullopt;
  }
  std::string_view text = *data;
  LedgerHead head;
  if (text.empty() || text.back() != '\n' ||
      !ParseSeqAndHash(text.substr(0, text.size() - 1), ' ', &head)) {
    TM_LOG(kWarning, "ignoring the damaged ledger head cache ", path_,
           " (expected \"SEQ HASH\"); delete it to silence this warning");
    return std::nullopt;
  }
  return head;
}

void HeadCache::Advance(const LedgerHead& head) const {
  if (path_.empty()) {
    TM_LOG(kWarning,
           "no cache folder (set TIDEMARK_CACHE_DIR or HOME): this machine cannot "
           "remember the ledger head, so a truncated ledger goes unnoticed");
    return;
  }
  Status s = AdvanceOrError(head);
  if (!s.ok()) TM_LOG(kWarning, "cannot update the ledger head cache: ", s.message());
}

Status HeadCache::AdvanceOrError(const LedgerHead& head) const {
  TM_RETURN_IF_ERROR(MakePrivateDirs(dir_));  // 0700: private, whatever the umask
  FileLock lock;
  TM_RETURN_IF_ERROR(lock.Lock(path_ + ".lock"));
  if (std::optional<LedgerHead> old = Load(); old && old->seq >= head.seq) return Status::OK();
  const std::string tmp = dir_ + "/.ledger-head.tmp-" + HexEncode(RandomBytes(8));
  TM_RETURN_IF_ERROR(WriteNewFile(tmp, std::to_string(head.seq) + " " + head.hash.Hex() + "\n"));
  if (::rename(tmp.c_str(), path_.c_str()) != 0) {
    Status s = Errno("rename", tmp);
    ::unlink(tmp.c_str());
    return s;
  }
  return Status::OK();
}

}  // namespace tidemark
