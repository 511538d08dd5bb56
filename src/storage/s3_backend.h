// S3Backend: a Backend over an S3-compatible bucket (AWS S3, MinIO, Ceph RGW,
// …), signed with SigV4 (sigv4.h). docs/guide/s3.md is the user's page.
//
// Location: s3:https://HOST[:PORT]/BUCKET[/PREFIX]. Objects are named
// PREFIX/RelativePath(h) (backend.h): PREFIX/config, PREFIX/keys/<name>,
// PREFIX/data/<2>/<name>, …, so a repository copied between a folder and a
// bucket keeps its layout.
//
// How the contract of backend.h is kept:
// - Put is one PUT with a signed payload hash: S3 never shows a partial
//   object, and the server rejects a body whose hash differs.
// - kCreateExclusive is a conditional PUT (If-None-Match: *) where the server
//   honours it (probed once, at the first exclusive create, unless configured).
//   Elsewhere it is the claim protocol of docs/guide/s3.md: write a claim
//   object, list the claims for that name, go on only if ours is the only
//   live one, check that the target is still absent, PUT, remove the claim.
// - Get with a range is a ranged GET; Stat is HEAD; Remove is HEAD + DELETE
//   (DELETE of a missing key succeeds on S3, the contract wants NotFound).
// - List is ListObjectsV2 under PREFIX/<kind folder>/, following
//   continuation tokens (1,000 keys a page).
// - Retries: 5xx, 429, SlowDown, RequestTimeout, connection resets and
//   timeouts are retried with exponential backoff and full jitter, at most
//   `max_attempts` tries and `max_backoff_ms` a wait. Other errors are final:
//   403 → PermissionDenied naming the credential and its source, NoSuchBucket
//   → NotFound with what to do, RequestTimeTooSkewed → PermissionDenied
//   about the clock.
// - Object Lock (a repository made with `init --object-lock`): every Put of
//   content carries x-amz-object-lock-mode, -retain-until-date and
//   Content-MD5; Stat reports the retention; ExtendRetention is PUT
//   ?retention; the WORM probe deletes a locked canary's version and wants
//   a refusal (docs/guide/s3.md, "Object Lock").
#pragma once

#include <atomic>
#include <functional>
#include <list>
#include <map>
#include <memory>
#include <mutex>
#include <random>
#include <string>

#include "storage/backend.h"
#include "storage/http_transport.h"
#include "storage/sigv4.h"

namespace tidemark {

struct S3Options {
  // From the location.
  std::string scheme;  // "https" or "http"
  std::string host;
  int port = 0;  // 443/80 unless given
  bool port_given = false;
  std::string bucket;
  std::string prefix;  // no leading or trailing '/'; may be ""

  std::string region = "us-east-1";
  bool virtual_hosted = false;  // BUCKET.HOST/key instead of HOST/BUCKET/key
  SigV4Credentials credentials;
  // Where the credentials came from, for messages: "AWS_ACCESS_KEY_ID and
  // AWS_SECRET_ACCESS_KEY", "profile 'x' of ~/.aws/credentials", …
  std::string credential_source;
  // "auto" (probe), "yes" (If-None-Match: * is honoured), "no" (claims).
  std::string conditional_put = "auto";
  int max_attempts = 8;
  int base_backoff_ms = 100;
  int max_backoff_ms = 10000;
  std::string ca_file;
};

// Parses "s3:https://HOST[:PORT]/BUCKET[/PREFIX]" into `opts` (other fields
// kept). Plain http is refused unless HOST is a loopback address
// (localhost, 127.x.x.x, [::1]) or `allow_http`. Virtual-hosted addressing is
// chosen for *.amazonaws.com hosts, path style elsewhere.
Status ParseS3Location(const std::string& location, bool allow_http, S3Options* opts);

// True for "s3:…" locations.
bool IsS3Location(const std::string& location);

// Object Lock dates as S3 writes them ("2026-12-31T23:59:59Z"; a reader
// also takes fractions of a second, "…59.000Z"). ParseRetainUntil gives 0
// for "" or a malformed date.
std::string RetainUntilText(int64_t micros);
int64_t ParseRetainUntil(const std::string& text);

class S3Backend : public Backend {
 public:
  using Sleeper = std::function<void(int64_t micros)>;

  // Opens the bucket: one list request checks that it exists and that the
  // credentials are accepted, so a wrong secret, a missing bucket or a skewed
  // clock fail here with a clear message. `transport` nullptr: cpp-httplib.
  static Result<std::unique_ptr<S3Backend>> Open(const S3Options& opts,
                                                 std::unique_ptr<HttpTransport> transport = nullptr,
                                                 Sleeper sleeper = nullptr);

  Status Put(const FileHandle& h, std::string_view data,
             PutMode mode = PutMode::kCreateExclusive) override;
  Result<std::string> Get(const FileHandle& h, uint64_t offset = 0, uint64_t length = 0) override;
  Result<FileInfo> Stat(const FileHandle& h) override;
  Status List(FileKind kind, const std::function<Status(const FileInfo&)>& fn) override;
  Status Remove(const FileHandle& h) override;
  std::string Location() const override;
  // Object Lock (s3_object_lock.cc): lock headers on every Put of a
  // RetainedKind, PUT ?retention to extend, and the WORM probe.
  Status EnableObjectLock(LockMode mode, int days) override;
  Status ExtendRetention(const FileHandle& h, int64_t until_us) override;
  Result<WormProbe> ProbeWorm() override;

  // Whether exclusive creates use If-None-Match (after the probe, if any).
  Result<bool> ConditionalPutSupported();
  // Requests sent and retries made so far (for tests and --verbose).
  uint64_t requests() const { return requests_.load(); }
  uint64_t retries() const { return retries_.load(); }

 private:
  S3Backend(const S3Options& opts, std::unique_ptr<HttpTransport> transport, Sleeper sleeper);

  struct Call {
    std::string method;
    std::string key;     // object key under the bucket ("" for the bucket itself)
    HeaderList query;    // decoded
    HeaderList headers;  // extra headers, all signed
    std::string_view body;
    std::string what;  // "put pack 3fa1…", for messages
  };
  // Sends `c` signed, retrying what may succeed later. Returns the final
  // response (any status) or an error when no response came.
  Result<HttpResponse> Send(const Call& c, int* attempts = nullptr);
  HttpResponse SendOnce(const Call& c);
  static bool ShouldRetry(const HttpResponse& r);
  static bool BodyMatchesETag(const HttpResponse& r);
  Result<std::string> GetRange(const FileHandle& h, uint64_t offset, uint64_t length);
  // Packs read piece by piece (a restore, a diff) are fetched whole at their
  // second ranged read and kept in a small LRU cache: one request instead of
  // one per blob. Packs never change under a name, so a cached copy is
  // always right. Returns null when `h` is not worth caching.
  Result<std::shared_ptr<const std::string>> CachedPack(const FileHandle& h);
  // Maps a non-2xx response to a Status with a message for the user.
  Status ErrorOf(const Call& c, const HttpResponse& r) const;
  void Backoff(int attempt);

  std::string ObjectKey(const FileHandle& h) const;
  std::string KeyPrefix() const;  // "PREFIX/" or ""
  Status PutPlain(const FileHandle& h, std::string_view data, const HeaderList& extra,
                  bool* precondition_failed, bool* retried);
  Status PutExclusive(const FileHandle& h, std::string_view data);
  Status PutConditional(const FileHandle& h, std::string_view data);
  Status PutByClaim(const FileHandle& h, std::string_view data);
  Status ProbeConditionalPut(bool* supported);
  // Lists keys under `prefix` (bucket-relative), following continuation
  // tokens; fn gets the key and size.
  Status ListKeys(const std::string& prefix,
                  const std::function<Status(const std::string&, uint64_t)>& fn);
  Status CheckBucket();
  // The Object Lock headers (mode, retain-until, Content-MD5) for a Put of
  // `h` with `data`; none when the lock is off or h's kind is not retained.
  HeaderList LockHeaders(const FileHandle& h, std::string_view data) const;
  static HeaderList LockHeadersFor(LockMode mode, int64_t until_us, std::string_view data);

  const S3Options opts_;
  std::unique_ptr<HttpTransport> transport_;
  Sleeper sleeper_;
  std::mutex mu_;
  std::mt19937_64 rng_;   // jitter and claim names; guarded by mu_
  int conditional_ = -1;  // -1 unknown, 0 no, 1 yes; guarded by mu_
  std::atomic<uint64_t> requests_{0}, retries_{0};
  std::atomic<int> lock_mode_{0};  // a LockMode
  std::atomic<int> lock_days_{0};
  std::mutex cache_mu_;
  std::map<std::string, int> pack_reads_;  // ranged reads per pack name; guarded by cache_mu_
  std::list<std::pair<std::string, std::shared_ptr<const std::string>>> packs_;  // MRU first
  size_t cached_bytes_ = 0;  // guarded by cache_mu_
};

}  // namespace tidemark
