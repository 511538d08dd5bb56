// The HTTP side of `tidemark serve` (cpp-httplib, with OpenSSL for TLS):
// binds, feeds every request to the ApiCore as plain data, sends its
// answer, and logs one line per request. Everything of cpp-httplib stays in
// http_server.cc; its exceptions are caught there.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>

#include "base/result.h"
#include "server/api.h"
#include "server/request.h"

namespace tidemark {

struct HttpServerOptions {
  ListenAddress listen;
  std::string tls_cert, tls_key;  // both or neither; required off loopback
  size_t max_body_bytes = 1u << 20;
  bool json_log = false;                        // JSON lines instead of text
  std::function<void(const std::string&)> log;  // one line per request (no newline)
  std::function<int64_t()> now_us;              // wall clock for log lines
};

class HttpServer {
 public:
  // InvalidArgument for a non-loopback address without TLS, or only one of
  // cert and key; IOError when the certificate or key does not load.
  // `core` must outlive the server.
  static Result<std::unique_ptr<HttpServer>> Create(ApiCore* core, HttpServerOptions options);
  ~HttpServer();

  // Binds the address; returns the port (the one chosen for port 0).
  // IOError (address in use, no permission) saying what to do.
  Result<int> Bind();
  // Serves until Stop(); requests in flight finish first.
  Status Run();
  // Thread-safe; may be called from any thread, before or during Run.
  void Stop();

 private:
  struct Impl;
  explicit HttpServer(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace tidemark
