#include "storage/s3_testlib.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>

#include "base/hex.h"
#include "crypto/crypto.h"
#include "storage/faulty_backend.h"
#include "storage/s3_xml.h"

namespace tidemark {

namespace {

std::string PercentDecode(const std::string& s) {
  std::string out;
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '%' && i + 2 < s.size()) {
      std::string b;
      if (HexDecode(s.substr(i + 1, 2), &b)) {
        out += b;
        i += 2;
        continue;
      }
    }
    out += s[i];
  }
  return out;
}

// Forwards to `inner` and keeps `owned` alive (what inner depends on).
class Holder : public Backend {
 public:
  Holder(std::unique_ptr<Backend> inner, std::shared_ptr<void> owned)
      : owned_(std::move(owned)), inner_(std::move(inner)) {}
  Status Put(const FileHandle& h, std::string_view d, PutMode m) override {
    return inner_->Put(h, d, m);
  }
  Result<std::string> Get(const FileHandle& h, uint64_t o, uint64_t l) override {
    return inner_->Get(h, o, l);
  }
  Result<FileInfo> Stat(const FileHandle& h) override { return inner_->Stat(h); }
  Status List(FileKind k, const std::function<Status(const FileInfo&)>& fn) override {
    return inner_->List(k, fn);
  }
  Status Remove(const FileHandle& h) override { return inner_->Remove(h); }
  std::string Location() const override { return inner_->Location(); }
  Status EnableObjectLock(LockMode mode, int days) override {
    return inner_->EnableObjectLock(mode, days);
  }
  Status ExtendRetention(const FileHandle& h, int64_t until_us) override {
    return inner_->ExtendRetention(h, until_us);
  }
  Result<WormProbe> ProbeWorm() override { return inner_->ProbeWorm(); }

 private:
  std::shared_ptr<void> owned_;
  std::unique_ptr<Backend> inner_;
};

std::unique_ptr<Backend> OpenOrFail(const S3Options& o, std::unique_ptr<HttpTransport> t) {
  Result<std::unique_ptr<S3Backend>> b = S3Backend::Open(o, std::move(t));
  if (!b.ok()) {
    ADD_FAILURE() << b.status().ToString();
    return nullptr;
  }
  return std::move(b).value();
}

std::unique_ptr<Backend> MakeS3rver() {
  S3TestServer* server = S3TestServer::Shared();
  if (!server) return nullptr;
  return OpenOrFail(server->Options(FreshS3Prefix()), nullptr);
}

std::unique_ptr<Backend> MakeFake(bool conditional) {
  auto state = std::make_shared<FakeS3Transport::State>();
  state->conditional_put = conditional;
  S3Options o = FakeS3Options();
  o.base_backoff_ms = 1;
  return OpenOrFail(o, std::make_unique<FakeS3Transport>(state));
}

}  // namespace

std::string FreshS3Prefix() {
  (void)CryptoInit();
  return "t-" + HexEncode(RandomBytes(8));
}

S3TestServer* S3TestServer::Shared() {
  static S3TestServer* server = [] {
    auto* s = new S3TestServer();
    Status st = s->Start();
    if (!st.ok()) {
      ADD_FAILURE() << "S3 test server: " << st.ToString();
      delete s;
      return static_cast<S3TestServer*>(nullptr);
    }
    static std::unique_ptr<S3TestServer> owner(s);  // stopped at exit
    return s;
  }();
  if (!server) ADD_FAILURE() << "S3 test server could not be started (see the first failure)";
  return server;
}

Status S3TestServer::Start() {
  const char* src = getenv("TIDEMARK_TEST_SOURCE_DIR");
  // Without the variable (a test run by hand): the tree this file is in.
  std::string root = src ? src : __FILE__;
  if (!src) root = root.substr(0, root.rfind("/src/storage/"));
  const std::string script = root + "/tests/s3/s3rver.sh";
  int in[2], out[2];
  if (pipe2(in, O_CLOEXEC) != 0 || pipe2(out, O_CLOEXEC) != 0) return Status::IOError("pipe");
  const pid_t pid = fork();
  if (pid < 0) return Status::IOError("fork");
  if (pid == 0) {
    dup2(in[0], 0);
    dup2(out[1], 1);
    execlp("bash", "bash", script.c_str(), "serve", data_.path().c_str(), (char*)nullptr);
    _exit(127);
  }
  close(in[0]);
  close(out[1]);
  pid_ = pid;
  stdin_fd_ = in[1];
  std::string line;
  for (;;) {
    struct pollfd p {
      out[0], POLLIN, 0
    };
    if (poll(&p, 1, 300 * 1000) <= 0) break;  // npm install may take a while
    char c;
    if (read(out[0], &c, 1) != 1) break;
    if (c == '\n') break;
    line += c;
  }
  close(out[0]);
  if (line.rfind("port ", 0) != 0) {
    return Status::IOError("tests/s3/s3rver.sh serve did not start (said '" + line +
                           "'): it needs node and npm (scripts/install-deps) and the npm "
                           "registry for @20minutes/s3rver 5.x");
  }
  port_ = atoi(line.c_str() + 5);
  return Status::OK();
}

S3TestServer::~S3TestServer() {
  if (stdin_fd_ >= 0) close(stdin_fd_);
  if (pid_ > 0) {
    int status;
    waitpid(pid_, &status, 0);
  }
}

S3Options S3TestServer::Options(const std::string& prefix) const {
  S3Options o;
  Status s = ParseS3Location(Location(prefix), false, &o);
  if (!s.ok()) ADD_FAILURE() << s.ToString();
  o.credentials = {"S3RVER", "S3RVER", ""};
  o.credential_source = "the test server's account";
  o.base_backoff_ms = 5;
  return o;
}

std::string S3TestServer::Location(const std::string& prefix) const {
  return "s3:http://127.0.0.1:" + std::to_string(port_) + "/tidemark-test" +
         (prefix.empty() ? "" : "/" + prefix);
}

BackendFactory S3rverBackendFactory() { return {"S3rver", MakeS3rver}; }
BackendFactory FaultyOverS3rverBackendFactory() {
  return {"FaultyOverS3rver", []() -> std::unique_ptr<Backend> {
            std::shared_ptr<Backend> s3 = MakeS3rver();
            if (!s3) return nullptr;
            return std::make_unique<Holder>(std::make_unique<FaultyBackend>(s3.get()), s3);
          }};
}
BackendFactory S3FakeConditionalBackendFactory() {
  return {"S3FakeConditional", [] { return MakeFake(true); }};
}
BackendFactory S3FakeClaimsBackendFactory() {
  return {"S3FakeClaims", [] { return MakeFake(false); }};
}

S3Options FakeS3Options() {
  S3Options o;
  Status s = ParseS3Location("s3:http://127.0.0.1:1/bucket", false, &o);
  if (!s.ok()) ADD_FAILURE() << s.ToString();
  o.credentials = {"AKIAFAKE", "fake-secret", ""};
  o.credential_source = "AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY";
  return o;
}

HttpResponse FakeS3Transport::Error(int status, const std::string& code,
                                    const std::string& message) {
  HttpResponse r;
  r.status = status;
  r.body = "<?xml version=\"1.0\"?><Error><Code>" + code + "</Code><Message>" + message +
           "</Message></Error>";
  return r;
}

HttpResponse FakeS3Transport::Send(const HttpRequest& req) {
  std::lock_guard<std::mutex> lock(state_->mu);
  ++state_->requests;
  if (!state_->faults.empty()) {
    HttpResponse r = state_->faults.front();
    state_->faults.pop_front();
    return r;
  }
  bool signed_req = false;
  for (const auto& [k, v] : req.headers) {
    if (k == "Authorization" && v.rfind("AWS4-HMAC-SHA256 Credential=", 0) == 0) signed_req = true;
  }
  if (!signed_req) return Error(403, "AccessDenied", "unsigned request");
  return Handle(req);
}

namespace {

std::string HeaderOf(const HttpRequest& req, const std::string& name) {
  for (const auto& [k, v] : req.headers) {
    if (k == name) return v;
  }
  return "";
}

}  // namespace

bool FakeS3Transport::HandleLock(const HttpRequest& req, const std::string& key,
                                 const std::map<std::string, std::string>& params,
                                 HttpResponse* r) {
  State& st = *state_;
  const std::string mode = HeaderOf(req, "x-amz-object-lock-mode");
  const bool retention_call = req.method == "PUT" && params.count("retention");
  if (req.method == "PUT" && (!mode.empty() || retention_call)) {
    if (!st.object_lock) {
      *r = Error(400, "InvalidRequest", "Bucket is missing Object Lock Configuration");
      return true;
    }
    const std::string md5 = HeaderOf(req, "Content-MD5");
    if (md5.empty()) {
      *r = Error(400, "InvalidRequest", "Content-MD5 is required with Object Lock parameters");
      return true;
    }
    if (md5 != Base64(Md5(req.body))) {
      *r = Error(400, "BadDigest", "The Content-MD5 you specified did not match");
      return true;
    }
  }
  if (retention_call) {
    if (!st.objects.count(key)) {
      *r = Error(404, "NoSuchKey", "The specified key does not exist.");
      return true;
    }
    State::Retention next{XmlText(req.body, "Mode"),
                          ParseRetainUntil(XmlText(req.body, "RetainUntilDate"))};
    auto& cur = st.retention[key];
    if (cur.mode == "COMPLIANCE" && next.until_us < cur.until_us) {
      *r = Error(403, "AccessDenied", "a compliance retention cannot be shortened");
      return true;
    }
    cur = next;
    r->status = 200;
    return true;
  }
  if (req.method != "DELETE" || !st.object_lock) return false;
  auto found = st.objects.find(key);
  if (found == st.objects.end()) return false;
  auto lock = st.retention.find(key);
  const bool locked = st.enforce_lock && lock != st.retention.end() &&
                      lock->second.until_us > st.clock->NowMicros();
  auto vid = params.find("versionId");
  if (vid != params.end() && vid->second == st.version[key] && locked) {
    *r = Error(403, "AccessDenied", "Access Denied because object protected by object lock.");
    return true;
  }
  if (vid == params.end()) {  // a delete marker: hidden, every version kept
    st.hidden[key] = found->second;
  } else {
    st.retention.erase(key);
  }
  st.objects.erase(found);
  r->status = 204;
  return true;
}

HttpResponse FakeS3Transport::Handle(const HttpRequest& req) {
  std::string path = req.target, query;
  const size_t q = path.find('?');
  if (q != std::string::npos) {
    query = path.substr(q + 1);
    path = path.substr(0, q);
  }
  std::map<std::string, std::string> params;
  size_t pos = 0;
  while (pos < query.size()) {
    size_t amp = query.find('&', pos);
    if (amp == std::string::npos) amp = query.size();
    const std::string kv = query.substr(pos, amp - pos);
    const size_t eq = kv.find('=');
    params[PercentDecode(kv.substr(0, eq))] =
        eq == std::string::npos ? "" : PercentDecode(kv.substr(eq + 1));
    pos = amp + 1;
  }
  path = PercentDecode(path);
  if (path != "/bucket" && path.rfind("/bucket/", 0) != 0) {
    return Error(404, "NoSuchBucket", "The specified bucket does not exist");
  }
  const std::string key = path.size() > 8 ? path.substr(8) : "";
  auto& objects = state_->objects;
  HttpResponse r;
  r.status = 200;
  if (key.empty() && req.method == "GET") {  // ListObjectsV2
    const std::string prefix = params["prefix"];
    auto it = objects.lower_bound(std::max(prefix, params["continuation-token"]));
    if (!params["continuation-token"].empty() && it != objects.end() &&
        it->first == params["continuation-token"]) {
      ++it;
    }
    size_t limit = state_->page_size;
    if (params.count("max-keys")) limit = std::min<size_t>(limit, std::stoul(params["max-keys"]));
    r.body = "<ListBucketResult>";
    std::string last;
    size_t n = 0;
    for (; it != objects.end() && it->first.rfind(prefix, 0) == 0 && n < limit; ++it, ++n) {
      r.body += "<Contents><Key>" + it->first + "</Key><Size>" + std::to_string(it->second.size()) +
                "</Size></Contents>";
      last = it->first;
    }
    const bool more = it != objects.end() && it->first.rfind(prefix, 0) == 0;
    r.body += std::string("<IsTruncated>") + (more ? "true" : "false") + "</IsTruncated>";
    if (more) r.body += "<NextContinuationToken>" + last + "</NextContinuationToken>";
    r.body += "</ListBucketResult>";
    return r;
  }
  if (HandleLock(req, key, params, &r)) return r;
  auto found = objects.find(key);
  if (req.method == "PUT") {
    bool if_none_match = false;
    for (const auto& [k, v] : req.headers) if_none_match |= (k == "If-None-Match" && v == "*");
    if (if_none_match && state_->conditional_put && found != objects.end()) {
      return Error(412, "PreconditionFailed", "At least one of the pre-conditions failed");
    }
    objects[key] = std::string(req.body);
    if (const std::string mode = HeaderOf(req, "x-amz-object-lock-mode"); !mode.empty()) {
      state_->retention[key] = {
          mode, ParseRetainUntil(HeaderOf(req, "x-amz-object-lock-retain-until-date"))};
    } else {
      state_->retention.erase(key);
    }
    if (state_->object_lock) {
      state_->version[key] = "v" + std::to_string(++state_->versions);
      r.headers.emplace_back("x-amz-version-id", state_->version[key]);
    }
    return r;
  }
  if (req.method == "DELETE") {
    if (found != objects.end()) objects.erase(found);
    r.status = 204;
    return r;
  }
  if (found == objects.end()) {
    return req.method == "HEAD" ? HttpResponse{404, {}, "", "", false}
                                : Error(404, "NoSuchKey", "The specified key does not exist.");
  }
  const std::string& body = found->second;
  if (req.method == "HEAD") {
    r.headers.emplace_back("Content-Length", std::to_string(body.size()));
    if (auto l = state_->retention.find(key); l != state_->retention.end()) {
      r.headers.emplace_back("x-amz-object-lock-mode", l->second.mode);
      r.headers.emplace_back("x-amz-object-lock-retain-until-date",
                             RetainUntilText(l->second.until_us));
    }
    return r;
  }
  std::string range;
  for (const auto& [k, v] : req.headers) {
    if (k == "Range") range = v;
  }
  if (range.empty()) {
    r.body = body;
    return r;
  }
  const uint64_t a = std::stoull(range.substr(6));
  const size_t dash = range.find('-');
  uint64_t b = dash + 1 < range.size() ? std::stoull(range.substr(dash + 1)) : UINT64_MAX;
  if (a >= body.size()) return Error(416, "InvalidRange", "The requested range is not satisfiable");
  b = std::min<uint64_t>(b, body.size() - 1);
  r.status = 206;
  r.body = body.substr(a, b - a + 1);
  r.headers.emplace_back("Content-Range", "bytes " + std::to_string(a) + "-" + std::to_string(b) +
                                              "/" + std::to_string(body.size()));
  return r;
}

}  // namespace tidemark
