// S3Backend's request machinery: locations, signing, retries with backoff
// and jitter, and the mapping of S3 errors to Status messages that say what
// to do. The object operations are in s3_backend.cc.
#include <algorithm>
#include <chrono>
#include <thread>

#include "base/clock.h"
#include "base/hex.h"
#include "crypto/crypto.h"
#include "storage/s3_backend.h"
#include "storage/s3_xml.h"

namespace tidemark {

namespace {

bool IsLoopback(const std::string& host) {
  return host == "localhost" || host.rfind("127.", 0) == 0 || host == "[::1]" || host == "::1";
}

bool ValidBucket(const std::string& b) {
  if (b.size() < 3 || b.size() > 63) return false;
  for (char c : b) {
    if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '.' || c == '-' || c == '_')) {
      return false;
    }
  }
  return true;
}

std::string QueryString(const HeaderList& query) {
  std::vector<std::pair<std::string, std::string>> enc;
  for (const auto& [k, v] : query)
    enc.emplace_back(PercentEncode(k, false), PercentEncode(v, false));
  std::sort(enc.begin(), enc.end());
  std::string out;
  for (const auto& [k, v] : enc) out += (out.empty() ? "" : "&") + k + "=" + v;
  return out;
}

}  // namespace

bool S3Backend::ShouldRetry(const HttpResponse& r) {
  if (r.status == 0) return r.retryable;
  if (r.status >= 500 || r.status == 429) return true;
  const std::string code = XmlText(r.body, "Code");
  if (r.status == 400 && (code == "RequestTimeout" || code == "SlowDown")) return true;
  if (r.status == 409 && (code == "OperationAborted" || code == "ConditionalRequestConflict")) {
    return true;
  }
  return false;
}

bool IsS3Location(const std::string& location) { return location.rfind("s3:", 0) == 0; }

Status ParseS3Location(const std::string& location, bool allow_http, S3Options* opts) {
  const std::string usage =
      "repository " + location + ": an S3 location is s3:https://HOST[:PORT]/BUCKET[/PREFIX]";
  if (!IsS3Location(location)) return Status::InvalidArgument(usage);
  std::string rest = location.substr(3);
  const size_t sep = rest.find("://");
  if (sep == std::string::npos) return Status::InvalidArgument(usage);
  opts->scheme = rest.substr(0, sep);
  if (opts->scheme != "https" && opts->scheme != "http") return Status::InvalidArgument(usage);
  rest = rest.substr(sep + 3);
  const size_t slash = rest.find('/');
  if (slash == std::string::npos) return Status::InvalidArgument(usage + " (no bucket given)");
  const std::string authority = rest.substr(0, slash);
  std::string path = rest.substr(slash + 1);
  size_t colon = authority.rfind(':');
  if (colon != std::string::npos && authority.find(']', colon) == std::string::npos) {
    opts->host = authority.substr(0, colon);
    const std::string port = authority.substr(colon + 1);
    char* end = nullptr;
    const long p = strtol(port.c_str(), &end, 10);
    if (port.empty() || *end != '\0' || p < 1 || p > 65535) {
      return Status::InvalidArgument(usage + " (bad port '" + port + "')");
    }
    opts->port = static_cast<int>(p);
    opts->port_given = true;
  } else {
    opts->host = authority;
    opts->port = opts->scheme == "https" ? 443 : 80;
    opts->port_given = false;
  }
  if (opts->host.empty()) return Status::InvalidArgument(usage + " (no host given)");
  while (!path.empty() && path.back() == '/') path.pop_back();
  const size_t bslash = path.find('/');
  opts->bucket = path.substr(0, bslash);
  opts->prefix = bslash == std::string::npos ? "" : path.substr(bslash + 1);
  if (!ValidBucket(opts->bucket)) {
    return Status::InvalidArgument(usage + " (bad bucket name '" + opts->bucket +
                                   "': 3 to 63 of a-z 0-9 . -)");
  }
  if (opts->prefix.find("//") != std::string::npos ||
      opts->prefix.find("..") != std::string::npos ||
      (!opts->prefix.empty() && opts->prefix[0] == '/')) {
    return Status::InvalidArgument(usage + " (bad prefix '" + opts->prefix + "')");
  }
  if (opts->scheme == "http" && !IsLoopback(opts->host) && !allow_http) {
    return Status::InvalidArgument(
        "repository " + location +
        ": plain http sends your data and requests unprotected over the network; use https, "
        "or pass --s3-allow-http (only for a trusted network)");
  }
  const std::string aws = ".amazonaws.com";
  opts->virtual_hosted = opts->host.size() > aws.size() &&
                         opts->host.compare(opts->host.size() - aws.size(), aws.size(), aws) == 0;
  return Status::OK();
}

std::string S3Backend::Location() const {
  std::string s = "s3:" + opts_.scheme + "://" + opts_.host;
  if (opts_.port_given) s += ":" + std::to_string(opts_.port);
  s += "/" + opts_.bucket;
  if (!opts_.prefix.empty()) s += "/" + opts_.prefix;
  return s;
}

void S3Backend::Backoff(int attempt) {
  int64_t cap_us = static_cast<int64_t>(opts_.max_backoff_ms) * 1000;
  int64_t delay = static_cast<int64_t>(opts_.base_backoff_ms) * 1000 << std::min(attempt, 20);
  delay = std::min(delay, cap_us);
  int64_t wait;
  {
    std::lock_guard<std::mutex> lock(mu_);
    wait = std::uniform_int_distribution<int64_t>(delay / 10, std::max<int64_t>(delay, 1))(rng_);
  }
  if (sleeper_) {
    sleeper_(wait);
  } else {
    std::this_thread::sleep_for(std::chrono::microseconds(wait));
  }
}

HttpResponse S3Backend::SendOnce(const Call& c) {
  SigV4Request req;
  req.method = c.method;
  req.host = opts_.virtual_hosted ? opts_.bucket + "." + opts_.host : opts_.host;
  if (opts_.port_given) req.host += ":" + std::to_string(opts_.port);
  std::string path = opts_.virtual_hosted ? "" : "/" + opts_.bucket;
  if (!c.key.empty() || opts_.virtual_hosted) path += "/" + PercentEncode(c.key, true);
  req.path = path;
  req.query = c.query;
  req.headers = c.headers;
  req.payload_sha256 = Sha256Hex(c.body);
  const SigV4Result sig =
      SignV4(req, opts_.credentials, opts_.region, AmzDate(Clock::Real()->NowMicros()));
  HttpRequest http;
  http.method = c.method;
  http.target = path;
  const std::string q = QueryString(c.query);
  if (!q.empty()) http.target += "?" + q;
  http.headers = c.headers;
  http.headers.emplace_back("Host", req.host);
  for (const auto& h : sig.headers) http.headers.push_back(h);
  http.body = c.body;
  ++requests_;
  return transport_->Send(http);
}

Result<HttpResponse> S3Backend::Send(const Call& c, int* attempts) {
  for (int attempt = 0;; ++attempt) {
    HttpResponse r = SendOnce(c);
    if (attempts) *attempts = attempt + 1;
    if (!ShouldRetry(r) || attempt + 1 >= opts_.max_attempts) {
      if (r.status == 0) {
        return Status::IOError(Location() + ": " + c.what + ": no answer from " + opts_.host +
                               " after " + std::to_string(attempt + 1) + " tries (" + r.error +
                               "): check the network and the endpoint");
      }
      return r;
    }
    ++retries_;
    Backoff(attempt);
  }
}

Status S3Backend::ErrorOf(const Call& c, const HttpResponse& r) const {
  const std::string code = XmlText(r.body, "Code");
  const std::string msg = XmlText(r.body, "Message");
  const std::string key_id = "access key " + opts_.credentials.access_key_id;
  const std::string source =
      opts_.credential_source.empty() ? "your credentials" : opts_.credential_source;
  const std::string on = "S3 server " + opts_.host + " ";
  if (code == "RequestTimeTooSkewed") {
    return Status::PermissionDenied(
        on + "refused " + c.what +
        ": this machine's clock differs from the server's by more than 15 minutes "
        "(RequestTimeTooSkewed); set the clock (e.g. timedatectl set-ntp true) and retry");
  }
  if (code == "ExpiredToken" || code == "InvalidToken" || code == "TokenRefreshRequired") {
    return Status::PermissionDenied(on + "rejected the session token (" + code +
                                    "): refresh AWS_SESSION_TOKEN or the token from " + source);
  }
  if (code == "InvalidRequest" && msg.find("Object Lock") != std::string::npos) {
    return Status::Unsupported(on + "refused " + c.what + " with a lock (" + msg + "): bucket " +
                               opts_.bucket +
                               " has no Object Lock; create it with Object Lock enabled (aws "
                               "s3api create-bucket --object-lock-enabled-for-bucket), or use a "
                               "repository without --object-lock");
  }
  if (r.status == 403) {
    if (code == "SignatureDoesNotMatch") {
      return Status::PermissionDenied(on + "rejected the signature of " + key_id +
                                      ": the secret access key is wrong; check the secret from " +
                                      source);
    }
    if (code == "InvalidAccessKeyId") {
      return Status::PermissionDenied(on + "does not know " + key_id +
                                      ": check the access key ID from " + source);
    }
    return Status::PermissionDenied(on + "denied " + c.what + " in bucket " + opts_.bucket +
                                    " (HTTP 403" + (code.empty() ? "" : " " + code) + ") for " +
                                    key_id + ": check the key and secret from " + source +
                                    " and that the bucket policy lets this key read, write, "
                                    "list and delete under the repository's prefix");
  }
  if (code == "NoSuchBucket") {
    return Status::NotFound("bucket " + opts_.bucket + " does not exist on " + opts_.host +
                            ": create it first (e.g. aws s3 mb s3://" + opts_.bucket +
                            ") or fix the repository location");
  }
  if (code == "AuthorizationHeaderMalformed" || code == "PermanentRedirect" || r.status == 301) {
    const std::string region = !XmlText(r.body, "Region").empty() ? XmlText(r.body, "Region")
                                                                  : r.Header("x-amz-bucket-region");
    return Status::InvalidArgument(
        "bucket " + opts_.bucket + " is not served from region " + opts_.region + " of " +
        opts_.host + (region.empty() ? "" : " (the server says: " + region + ")") +
        ": set the region (AWS_REGION or [repository.s3] region in tidemark.toml)");
  }
  if (r.status == 404) return Status::NotFound(c.what + ": not found in " + Location());
  return Status::IOError(Location() + ": " + c.what + " failed: HTTP " + std::to_string(r.status) +
                         (code.empty() ? "" : " " + code) + (msg.empty() ? "" : ": " + msg));
}

}  // namespace tidemark
