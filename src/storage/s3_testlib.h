// Test helpers for the S3 backend (part of tm_storage_testlib):
// - S3TestServer: the real S3 test server (@20minutes/s3rver 5.x, which
//   verifies signatures), installed from npm into a cache and started on
//   127.0.0.1 and a free port by tests/s3/s3rver.sh; one per test process.
//   It cannot be had without npm: then Shared() fails the test (no skip).
// - FakeS3Transport: an in-process S3 for what the real server cannot show
//   (honoured If-None-Match, injected 5xx/SlowDown/resets, 403 codes, clock
//   skew). It checks that requests are signed, not the signatures.
#pragma once

#include <deque>
#include <map>
#include <memory>
#include <mutex>
#include <string>

#include "base/clock.h"
#include "storage/backend_conformance_testlib.h"
#include "storage/s3_backend.h"
#include "storage/temp_dir_testlib.h"

namespace tidemark {

class S3TestServer {
 public:
  // Starts the server on first use (ADD_FAILURE and nullptr if it cannot);
  // it stops when the test process exits.
  static S3TestServer* Shared();
  ~S3TestServer();

  int port() const { return port_; }
  // Options for s3:http://127.0.0.1:PORT/tidemark-test/PREFIX with the
  // server's account (S3RVER / S3RVER).
  S3Options Options(const std::string& prefix) const;
  // "s3:http://127.0.0.1:PORT/tidemark-test/PREFIX".
  std::string Location(const std::string& prefix) const;

 private:
  S3TestServer() = default;
  Status Start();

  ScopedTempDir data_;
  int pid_ = -1;
  int stdin_fd_ = -1;  // closing it stops the server
  int port_ = 0;
};

// A fresh random prefix, e.g. "t-3fa1c2…", so that tests sharing a bucket
// never see each other's objects.
std::string FreshS3Prefix();

// Conformance factories: S3 on the real test server (claims: the server
// ignores If-None-Match), FaultyBackend over it, and S3 over the fake with
// conditional puts and with claims.
BackendFactory S3rverBackendFactory();
BackendFactory FaultyOverS3rverBackendFactory();
BackendFactory S3FakeConditionalBackendFactory();
BackendFactory S3FakeClaimsBackendFactory();

class FakeS3Transport : public HttpTransport {
 public:
  struct State {
    std::mutex mu;
    std::map<std::string, std::string> objects;  // key → body, bucket "bucket"
    bool conditional_put = true;                 // honour If-None-Match: *
    size_t page_size = 1000;
    std::deque<HttpResponse> faults;  // returned (and popped) before any real work
    uint64_t requests = 0;
    // Object Lock: the bucket was created with it (and so with versioning).
    // Then every put gets a version id, locked puts need Content-MD5, a
    // locked version cannot be deleted before its date, and a DELETE
    // without a version only hides the object (a delete marker).
    bool object_lock = false;
    bool enforce_lock = true;  // false: a store that accepts the headers, then ignores them
    struct Retention {
      std::string mode;  // "GOVERNANCE", "COMPLIANCE"
      int64_t until_us = 0;
    };
    std::map<std::string, Retention> retention;  // key → its current version's lock
    std::map<std::string, std::string> version;  // key → its current version id
    std::map<std::string, std::string> hidden;   // keys behind a delete marker → body
    uint64_t versions = 0;
    const Clock* clock = Clock::Real();
  };
  explicit FakeS3Transport(std::shared_ptr<State> state) : state_(std::move(state)) {}
  HttpResponse Send(const HttpRequest& req) override;

  // An S3 error document response.
  static HttpResponse Error(int status, const std::string& code, const std::string& message = "");

 private:
  HttpResponse Handle(const HttpRequest& req);
  // Object Lock's part of PUT, PUT ?retention, HEAD and DELETE; returns
  // true (and fills *r) when it answered the request.
  bool HandleLock(const HttpRequest& req, const std::string& key,
                  const std::map<std::string, std::string>& params, HttpResponse* r);
  std::shared_ptr<State> state_;
};

// S3Options for the fake (bucket "bucket", http://127.0.0.1:1, fake keys).
S3Options FakeS3Options();

}  // namespace tidemark
