// HttpTransport: one HTTP exchange with an object store, behind an interface
// so that the S3 backend's retry and error logic is testable against an
// in-process fake (s3_fake_testlib.h) as well as a real server.
#pragma once

#include <memory>
#include <string>
#include <string_view>

#include "storage/sigv4.h"

namespace tidemark {

struct HttpRequest {
  std::string method;  // GET, HEAD, PUT, DELETE
  std::string target;  // encoded path and query: "/bucket/keys/k?list-type=2&…"
  HeaderList headers;  // Host included
  std::string_view body;
};

struct HttpResponse {
  int status = 0;  // 0: no response (see error)
  HeaderList headers;
  std::string body;
  std::string error;       // transport failure when status == 0: "connection reset", …
  bool retryable = false;  // when status == 0: may a retry succeed (resets, timeouts)?

  // The value of header `name` (case-insensitive), or "".
  std::string Header(std::string_view name) const;
};

class HttpTransport {
 public:
  virtual ~HttpTransport() = default;
  // Sends one request and waits for the whole response. Thread-safe: several
  // requests may be in flight at once (each on its own kept-alive connection).
  virtual HttpResponse Send(const HttpRequest& req) = 0;
};

struct HttpEndpoint {
  std::string scheme;  // "http" or "https"
  std::string host;
  int port = 0;
  int connect_timeout_s = 10;
  int io_timeout_s = 60;  // read and write
  std::string ca_file;    // "": the system's trust store
};

// The transport over cpp-httplib (OpenSSL for https, keep-alive, a pool of
// connections: one per concurrent caller, kept for reuse).
std::unique_ptr<HttpTransport> MakeHttplibTransport(const HttpEndpoint& endpoint);

}  // namespace tidemark
