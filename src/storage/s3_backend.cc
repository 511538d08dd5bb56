// S3Backend's object operations (the contract of backend.h over S3). The
// request machinery (signing, retries, error messages) is in s3_request.cc.
#include "storage/s3_backend.h"

#include <cctype>
#include <cinttypes>
#include <cstdio>

#include "base/clock.h"
#include "base/crash_point.h"
#include "base/hex.h"
#include "crypto/crypto.h"
#include "storage/s3_xml.h"

namespace tidemark {

namespace {

constexpr int kClaimRounds = 16;
constexpr int64_t kClaimStaleMicros = 5LL * 60 * 1000000;  // docs/guide/s3.md

bool Ok2xx(int status) { return status >= 200 && status < 300; }

}  // namespace

S3Backend::S3Backend(const S3Options& opts, std::unique_ptr<HttpTransport> transport,
                     Sleeper sleeper)
    : opts_(opts), transport_(std::move(transport)), sleeper_(std::move(sleeper)) {
  std::string seed = RandomBytes(8);
  uint64_t s = 0;
  for (char c : seed) s = s << 8 | static_cast<unsigned char>(c);
  rng_.seed(s);
  if (opts_.conditional_put == "yes") conditional_ = 1;
  if (opts_.conditional_put == "no") conditional_ = 0;
}

Result<std::unique_ptr<S3Backend>> S3Backend::Open(const S3Options& opts,
                                                   std::unique_ptr<HttpTransport> transport,
                                                   Sleeper sleeper) {
  TM_RETURN_IF_ERROR(CryptoInit());
  if (opts.credentials.access_key_id.empty() || opts.credentials.secret_access_key.empty()) {
    return Status::PermissionDenied(
        "no S3 credentials for " + opts.host +
        ": set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, AWS_PROFILE with a shared "
        "credentials file, or [repository.s3] in tidemark.toml (docs/guide/s3.md)");
  }
  if (!transport) {
    HttpEndpoint ep;
    ep.scheme = opts.scheme;
    ep.host = opts.virtual_hosted ? opts.bucket + "." + opts.host : opts.host;
    ep.port = opts.port;
    ep.ca_file = opts.ca_file;
    transport = MakeHttplibTransport(ep);
  }
  std::unique_ptr<S3Backend> b(new S3Backend(opts, std::move(transport), std::move(sleeper)));
  TM_RETURN_IF_ERROR(b->CheckBucket());
  return b;
}

std::string S3Backend::KeyPrefix() const { return opts_.prefix.empty() ? "" : opts_.prefix + "/"; }

std::string S3Backend::ObjectKey(const FileHandle& h) const {
  return KeyPrefix() + RelativePath(h);
}

Status S3Backend::CheckBucket() {
  Call c{"GET", "", {{"list-type", "2"}, {"max-keys", "1"}, {"prefix", KeyPrefix()}},
         {},    {}, "list bucket " + opts_.bucket};
  TM_ASSIGN_OR_RETURN(HttpResponse r, Send(c));
  if (!Ok2xx(r.status)) return ErrorOf(c, r);
  return Status::OK();
}

Status S3Backend::PutPlain(const FileHandle& h, std::string_view data, const HeaderList& extra,
                           bool* precondition_failed, bool* retried) {
  HeaderList headers = extra;
  for (auto& kv : LockHeaders(h, data)) headers.push_back(std::move(kv));
  Call c{"PUT", ObjectKey(h), {}, headers, data, "put " + h.ToString()};
  int attempts = 0;
  TM_ASSIGN_OR_RETURN(HttpResponse r, Send(c, &attempts));
  if (retried) *retried = attempts > 1;
  if (Ok2xx(r.status)) return Status::OK();
  if (r.status == 412 && precondition_failed) {
    *precondition_failed = true;
    return Status::AlreadyExists(h.ToString() + " already exists in " + Location());
  }
  if (r.status == 501 && precondition_failed) {  // the header is not implemented
    *precondition_failed = false;
    return Status::Unsupported("conditional put");
  }
  return ErrorOf(c, r);
}

Status S3Backend::Put(const FileHandle& h, std::string_view data, PutMode mode) {
  TM_RETURN_IF_ERROR(ValidateFileHandle(h));
  if (h.kind == FileKind::kPack) {
    // A process killed while a pack uploads: S3 stores a PUT whole or not at
    // all, so these two points are every state an upload can leave.
    CrashPoint("s3-before-pack-put");
    Status s = mode == PutMode::kOverwrite ? PutPlain(h, data, {}, nullptr, nullptr)
                                           : PutExclusive(h, data);
    if (s.ok()) CrashPoint("s3-after-pack-put");
    return s;
  }
  if (mode == PutMode::kOverwrite) return PutPlain(h, data, {}, nullptr, nullptr);
  return PutExclusive(h, data);
}

Status S3Backend::PutExclusive(const FileHandle& h, std::string_view data) {
  TM_ASSIGN_OR_RETURN(bool conditional, ConditionalPutSupported());
  if (conditional) {
    Status s = PutConditional(h, data);
    if (s.code() != Status::Code::kUnsupported) return s;
    std::lock_guard<std::mutex> lock(mu_);
    conditional_ = 0;
  }
  return PutByClaim(h, data);
}

Status S3Backend::PutConditional(const FileHandle& h, std::string_view data) {
  bool failed = false, retried = false;
  Status s = PutPlain(h, data, {{"If-None-Match", "*"}}, &failed, &retried);
  if (s.IsAlreadyExists() && retried) {
    // An earlier try may have stored the object before its answer was lost:
    // then the object is ours.
    Result<std::string> now = Get(h);
    if (now.ok() && *now == data) return Status::OK();
  }
  return s;
}

Result<bool> S3Backend::ConditionalPutSupported() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (conditional_ >= 0) return conditional_ == 1;
  }
  bool supported = false;
  TM_RETURN_IF_ERROR(ProbeConditionalPut(&supported));
  std::lock_guard<std::mutex> lock(mu_);
  conditional_ = supported ? 1 : 0;
  return supported;
}

// Creates a probe object twice with If-None-Match: *; a server that honours
// the header refuses the second.
Status S3Backend::ProbeConditionalPut(bool* supported) {
  const std::string key = KeyPrefix() + "locks/.probe-" + HexEncode(RandomBytes(8));
  const HeaderList cond = {{"If-None-Match", "*"}};
  Call c{"PUT", key, {}, cond, "probe", "probe conditional put"};
  int statuses[2] = {0, 0};
  for (int& st : statuses) {
    TM_ASSIGN_OR_RETURN(HttpResponse r, Send(c));
    st = r.status;
    if (!Ok2xx(r.status) && r.status != 412 && r.status != 501 && r.status != 400) {
      return ErrorOf(c, r);
    }
  }
  *supported = Ok2xx(statuses[0]) && statuses[1] == 412;
  Call del{"DELETE", key, {}, {}, {}, "remove probe"};
  TM_ASSIGN_OR_RETURN(HttpResponse r, Send(del));
  if (!Ok2xx(r.status) && r.status != 404) return ErrorOf(del, r);
  return Status::OK();
}

// The claim protocol (docs/guide/s3.md, "Exclusive create without
// conditional writes"): safe because every writer writes its claim before it
// lists, and S3 lists are strongly consistent: of two racing writers, the one
// that lists second sees the other's claim and backs off.
Status S3Backend::PutByClaim(const FileHandle& h, std::string_view data) {
  const std::string dir = KeyPrefix() + "claims/" + RelativePath(h) + "/";
  for (int round = 0; round < kClaimRounds; ++round) {
    Result<FileInfo> st = Stat(h);
    if (st.ok()) return Status::AlreadyExists(h.ToString() + " already exists in " + Location());
    if (!st.status().IsNotFound()) return st.status();
    const int64_t now = Clock::Real()->NowMicros();
    char stamp[40];
    snprintf(stamp, sizeof(stamp), "%016" PRId64 "-", now);
    const std::string mine = dir + stamp + HexEncode(RandomBytes(8));
    Call put{"PUT", mine, {}, {}, {}, "claim " + h.ToString()};
    TM_ASSIGN_OR_RETURN(HttpResponse pr, Send(put));
    if (!Ok2xx(pr.status)) return ErrorOf(put, pr);
    bool others = false;
    TM_RETURN_IF_ERROR(ListKeys(dir, [&](const std::string& key, uint64_t) {
      if (key == mine) return Status::OK();
      const int64_t t = strtoll(key.c_str() + dir.size(), nullptr, 10);
      if (now - t > kClaimStaleMicros) {  // a writer that died holding it
        Call del{"DELETE", key, {}, {}, {}, "remove stale claim"};
        (void)Send(del);
        return Status::OK();
      }
      others = true;
      return Status::OK();
    }));
    Status result = Status::OK();
    bool done = false;
    if (!others) {
      st = Stat(h);
      if (st.ok()) {
        result = Status::AlreadyExists(h.ToString() + " already exists in " + Location());
      } else if (!st.status().IsNotFound()) {
        result = st.status();
      } else {
        result = PutPlain(h, data, {}, nullptr, nullptr);
      }
      done = true;
    }
    Call del{"DELETE", mine, {}, {}, {}, "remove claim " + h.ToString()};
    TM_ASSIGN_OR_RETURN(HttpResponse dr, Send(del));
    if (done) return result;
    if (!Ok2xx(dr.status) && dr.status != 404) return ErrorOf(del, dr);
    Backoff(round / 2);
  }
  return Status::IOError("could not create " + h.ToString() + " in " + Location() +
                         ": other writers kept claiming the same name for " +
                         std::to_string(kClaimRounds) + " rounds; retry");
}

// The ETag of a single-part object without KMS or customer-key encryption is
// the MD5 of its bytes: a whole-object read that does not match it was torn
// (a server that overwrites in place) or damaged, and is read again.
bool S3Backend::BodyMatchesETag(const HttpResponse& r) {
  std::string etag = r.Header("ETag");
  if (etag == "\"\"") return false;  // no object has an empty ETag: a torn answer
  if (etag.size() == 34 && etag.front() == '"' && etag.back() == '"') etag = etag.substr(1, 32);
  const std::string sse = r.Header("x-amz-server-side-encryption");
  if (etag.size() != 32 || (!sse.empty() && sse != "AES256") ||
      !r.Header("x-amz-server-side-encryption-customer-algorithm").empty()) {
    return true;  // not an MD5: nothing to compare
  }
  std::string lower = etag;
  for (char& c : lower) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return HexEncode(Md5(r.body)) == lower;
}

Result<std::string> S3Backend::Get(const FileHandle& h, uint64_t offset, uint64_t length) {
  TM_RETURN_IF_ERROR(ValidateFileHandle(h));
  if (offset > 0 || length > 0) return GetRange(h, offset, length);
  Call c{"GET", ObjectKey(h), {}, {}, {}, "get " + h.ToString()};
  for (int attempt = 0;; ++attempt) {
    TM_ASSIGN_OR_RETURN(HttpResponse r, Send(c));
    if (r.status != 200) return ErrorOf(c, r);
    if (BodyMatchesETag(r)) return std::move(r.body);
    if (attempt + 1 >= opts_.max_attempts) {
      return Status::IOError(Location() + ": " + c.what + ": " + std::to_string(attempt + 1) +
                             " reads of " + std::to_string(r.body.size()) +
                             " bytes did not match the object's ETag (MD5)");
    }
    ++retries_;
    Backoff(attempt);
  }
}

Result<std::shared_ptr<const std::string>> S3Backend::CachedPack(const FileHandle& h) {
  constexpr size_t kMaxCachedPack = 64u << 20, kCacheBytes = 128u << 20;
  if (h.kind != FileKind::kPack) return std::shared_ptr<const std::string>();
  {
    std::lock_guard<std::mutex> lock(cache_mu_);
    for (auto it = packs_.begin(); it != packs_.end(); ++it) {
      if (it->first != h.name) continue;
      packs_.splice(packs_.begin(), packs_, it);
      return packs_.front().second;
    }
    if (pack_reads_.size() > 4096) pack_reads_.clear();
    if (++pack_reads_[h.name] < 2) return std::shared_ptr<const std::string>();
  }
  TM_ASSIGN_OR_RETURN(std::string whole, Get(h, 0, 0));
  if (whole.size() > kMaxCachedPack) return std::shared_ptr<const std::string>();
  auto pack = std::make_shared<const std::string>(std::move(whole));
  std::lock_guard<std::mutex> lock(cache_mu_);
  packs_.emplace_front(h.name, pack);
  cached_bytes_ += pack->size();
  while (cached_bytes_ > kCacheBytes && packs_.size() > 1) {
    cached_bytes_ -= packs_.back().second->size();
    packs_.pop_back();
  }
  return pack;
}

Result<std::string> S3Backend::GetRange(const FileHandle& h, uint64_t offset, uint64_t length) {
  TM_ASSIGN_OR_RETURN(std::shared_ptr<const std::string> pack, CachedPack(h));
  if (pack) {
    TM_ASSIGN_OR_RETURN(uint64_t n, GetRangeLength(h, pack->size(), offset, length));
    return pack->substr(offset, n);
  }
  Call c{"GET", ObjectKey(h), {}, {}, {}, "get " + h.ToString()};
  std::string range = "bytes=" + std::to_string(offset) + "-";
  if (length > 0 && length <= UINT64_MAX - offset) range += std::to_string(offset + length - 1);
  c.headers.emplace_back("Range", range);
  HttpResponse r = SendOnce(c);
  if (r.status == 0 || r.status == 416) {
    // No answer, or the range is not satisfiable: the size tells whether the
    // answer is "" (offset == size), InvalidArgument (offset > size) or a retry.
    TM_ASSIGN_OR_RETURN(FileInfo info, Stat(h));
    TM_ASSIGN_OR_RETURN(uint64_t n, GetRangeLength(h, info.size, offset, length));
    if (n == 0) return std::string();
    TM_ASSIGN_OR_RETURN(r, Send(c));
  } else if (ShouldRetry(r)) {
    TM_ASSIGN_OR_RETURN(r, Send(c));
  }
  if (r.status == 200) {  // the whole object: the server ignored the range
    TM_ASSIGN_OR_RETURN(uint64_t n, GetRangeLength(h, r.body.size(), offset, length));
    return r.body.substr(offset, n);
  }
  if (r.status != 206) return ErrorOf(c, r);
  const std::string cr = r.Header("Content-Range");  // "bytes 100-149/1000"
  const size_t slash = cr.rfind('/');
  if (cr.rfind("bytes ", 0) != 0 || slash == std::string::npos) {
    return Status::IOError(Location() + ": " + c.what + ": no Content-Range in a 206 answer");
  }
  const uint64_t start = strtoull(cr.c_str() + 6, nullptr, 10);
  const uint64_t size = strtoull(cr.c_str() + slash + 1, nullptr, 10);
  TM_ASSIGN_OR_RETURN(uint64_t n, GetRangeLength(h, size, offset, length));
  // Some servers answer more than asked (s3rver reads "bytes=0-0" as "0-").
  if (start != offset || r.body.size() < n) {
    return Status::IOError(Location() + ": " + c.what + ": got bytes " + cr.substr(6) + " (" +
                           std::to_string(r.body.size()) + " bytes), want " + std::to_string(n) +
                           " from " + std::to_string(offset));
  }
  r.body.resize(n);
  return std::move(r.body);
}

Result<FileInfo> S3Backend::Stat(const FileHandle& h) {
  TM_RETURN_IF_ERROR(ValidateFileHandle(h));
  Call c{"HEAD", ObjectKey(h), {}, {}, {}, "stat " + h.ToString()};
  TM_ASSIGN_OR_RETURN(HttpResponse r, Send(c));
  if (!Ok2xx(r.status)) return ErrorOf(c, r);
  FileInfo info;
  info.handle = h;
  info.size = strtoull(r.Header("Content-Length").c_str(), nullptr, 10);
  info.retain_until_us = ParseRetainUntil(r.Header("x-amz-object-lock-retain-until-date"));
  return info;
}

Status S3Backend::Remove(const FileHandle& h) {
  TM_RETURN_IF_ERROR(Stat(h).status());
  Call c{"DELETE", ObjectKey(h), {}, {}, {}, "remove " + h.ToString()};
  TM_ASSIGN_OR_RETURN(HttpResponse r, Send(c));
  if (!Ok2xx(r.status)) return ErrorOf(c, r);
  return Status::OK();
}

Status S3Backend::ListKeys(const std::string& prefix,
                           const std::function<Status(const std::string&, uint64_t)>& fn) {
  std::string token;
  for (;;) {
    Call c{"GET", "", {{"list-type", "2"}, {"prefix", prefix}}, {}, {}, "list " + prefix};
    if (!token.empty()) c.query.emplace_back("continuation-token", token);
    TM_ASSIGN_OR_RETURN(HttpResponse r, Send(c));
    if (!Ok2xx(r.status)) return ErrorOf(c, r);
    std::vector<std::pair<std::string, uint64_t>> page;
    XmlEach(r.body, "Contents", [&](std::string_view item) {
      page.emplace_back(XmlText(item, "Key"), strtoull(XmlText(item, "Size").c_str(), nullptr, 10));
    });
    for (const auto& [key, size] : page) TM_RETURN_IF_ERROR(fn(key, size));
    if (XmlText(r.body, "IsTruncated") != "true") return Status::OK();
    token = XmlText(r.body, "NextContinuationToken");
    if (token.empty()) {
      return Status::IOError(Location() + ": list " + prefix +
                             ": the server said the list goes on but gave no continuation token");
    }
  }
}

Status S3Backend::List(FileKind kind, const std::function<Status(const FileInfo&)>& fn) {
  if (kind == FileKind::kConfig) {
    Result<FileInfo> info = Stat(FileHandle{FileKind::kConfig, ""});
    if (info.status().IsNotFound()) return Status::OK();
    if (!info.ok()) return info.status();
    return fn(*info);
  }
  const std::string prefix = KeyPrefix() + KindFolder(kind) + "/";
  return ListKeys(prefix, [&](const std::string& key, uint64_t size) {
    std::string rel = key.substr(prefix.size());
    if (kind == FileKind::kPack) {  // "ab/abcd…": the folder must match the name
      const size_t slash = rel.find('/');
      if (slash != 2 || rel.compare(3, 2, rel.substr(0, 2)) != 0) return Status::OK();
      rel = rel.substr(3);
    }
    FileInfo info{FileHandle{kind, rel}, size};
    if (!ValidateFileHandle(info.handle).ok()) return Status::OK();  // '/', '.tmp', probes
    return fn(info);
  });
}

}  // namespace tidemark
