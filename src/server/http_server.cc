#include "server/http_server.h"

#include <httplib.h>

#include <algorithm>
#include <cctype>
#include <chrono>
#include <cstdio>

#include "base/clock.h"
#include "base/json.h"
#include "server/problem.h"

namespace tidemark {
namespace {

// What the log line of the request this thread handles needs from its
// handler: httplib calls the pre-routing handler, the handler and the
// logger of one request on one thread.
struct RequestTrace {
  std::chrono::steady_clock::time_point start;
  std::string account;
};
thread_local RequestTrace trace;

ApiRequest ToPlain(const httplib::Request& r) {
  ApiRequest req;
  req.method = r.method;
  req.path = r.path;
  for (const auto& [k, v] : r.params) req.query.emplace_back(k, v);
  for (const auto& [k, v] : r.headers) {
    std::string name = k;
    std::transform(name.begin(), name.end(), name.begin(),
                   [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    req.headers.emplace_back(std::move(name), v);
  }
  req.body = r.body;
  req.remote = r.remote_addr + ":" + std::to_string(r.remote_port);
  return req;
}

void Send(const ApiResponse& in, httplib::Response* out) {
  out->status = in.status;
  for (const auto& [k, v] : in.headers) out->set_header(k, v);
  out->set_content(in.body, in.content_type);
}

// The problem document of a status httplib chose itself (400 for a
// malformed request, 413 for a body over the limit, 404...).
ApiResponse LibraryProblem(int status, size_t max_body) {
  if (status == 413) {
    return Problem(413, "payload-too-large", "Payload too large",
                   "the body is larger than " + std::to_string(max_body) + " bytes",
                   ErrorClass::kUsage);
  }
  if (status == 400) {
    return Problem(400, "bad-request", "Bad request", "the request is not valid HTTP/1.1",
                   ErrorClass::kUsage);
  }
  return Problem(status, "http-" + std::to_string(status), "HTTP error",
                 "the server answered " + std::to_string(status), ErrorClass::kError);
}

}  // namespace

struct HttpServer::Impl {
  ApiCore* core;
  HttpServerOptions opt;
  std::unique_ptr<httplib::Server> server;

  std::string LogLine(const httplib::Request& req, const httplib::Response& res) const;
  void Install();
};

std::string HttpServer::Impl::LogLine(const httplib::Request& req,
                                      const httplib::Response& res) const {
  const double ms = trace.start == std::chrono::steady_clock::time_point{}
                        ? 0.0
                        : std::chrono::duration<double, std::milli>(
                              std::chrono::steady_clock::now() - trace.start)
                              .count();
  const std::string time = FormatTimeUtc(opt.now_us ? opt.now_us() : Clock::Real()->NowMicros());
  const std::string remote = req.remote_addr + ":" + std::to_string(req.remote_port);
  if (opt.json_log) {
    JsonWriter w;
    w.BeginObject().Field("time", time).Field("remote", remote).Field("method", req.method);
    w.Field("path", req.path).Field("status", res.status).Field("duration_ms", ms);
    w.Field("bytes", static_cast<uint64_t>(res.body.size())).Field("account", trace.account);
    w.EndObject();
    return w.str();
  }
  char d[32];
  std::snprintf(d, sizeof d, "%.1fms", ms);
  return time + " " + remote + " " + req.method + " " + JsonWriter::Quote(req.path) + " " +
         std::to_string(res.status) + " " + d + " " + std::to_string(res.body.size()) + "B" +
         (trace.account.empty() ? "" : " account=" + trace.account);
}

void HttpServer::Impl::Install() {
  httplib::Server& s = *server;
  s.set_payload_max_length(opt.max_body_bytes);
  s.set_pre_routing_handler([](const httplib::Request&, httplib::Response&) {
    trace = {std::chrono::steady_clock::now(), ""};
    return httplib::Server::HandlerResponse::Unhandled;
  });
  auto handle = [this](const httplib::Request& req, httplib::Response& res) {
    ApiResponse out = core->Handle(ToPlain(req));
    trace.account = out.account;
    Send(out, &res);
  };
  s.Get(".*", handle).Post(".*", handle).Put(".*", handle).Patch(".*", handle);
  s.Delete(".*", handle).Options(".*", handle);
  s.set_error_handler(
      httplib::Server::HandlerWithResponse([this](const httplib::Request&, httplib::Response& res) {
        if (!res.body.empty()) return httplib::Server::HandlerResponse::Unhandled;  // ours
        Send(LibraryProblem(res.status, opt.max_body_bytes), &res);
        return httplib::Server::HandlerResponse::Handled;
      }));
  s.set_exception_handler(
      [](const httplib::Request&, httplib::Response& res, std::exception_ptr ep) {
        std::string what = "unknown exception";
        try {
          if (ep) std::rethrow_exception(ep);
        } catch (const std::exception& e) {
          what = e.what();
        } catch (...) {
        }
        Send(Problem(500, "internal", "Internal error", what, ErrorClass::kError), &res);
      });
  s.set_logger([this](const httplib::Request& req, const httplib::Response& res) {
    core->CountResponse(res.status);
    if (opt.log) opt.log(LogLine(req, res));
    trace = {};  // a request refused before routing has no start time of its own
  });
}

HttpServer::HttpServer(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
HttpServer::~HttpServer() = default;

Result<std::unique_ptr<HttpServer>> HttpServer::Create(ApiCore* core, HttpServerOptions options) {
  const bool tls = !options.tls_cert.empty() || !options.tls_key.empty();
  if (tls && (options.tls_cert.empty() || options.tls_key.empty())) {
    return Status::InvalidArgument("give both --tls-cert and --tls-key");
  }
  if (!options.listen.loopback && !tls) {
    return Status::InvalidArgument(
        "--listen " + options.listen.ToString() +
        " is reachable from other machines: give --tls-cert FILE and --tls-key FILE, or listen "
        "on 127.0.0.1");
  }
  auto impl = std::make_unique<Impl>();
  impl->core = core;
  impl->opt = std::move(options);
  try {
    if (tls) {
      impl->server = std::make_unique<httplib::SSLServer>(impl->opt.tls_cert.c_str(),
                                                          impl->opt.tls_key.c_str());
    } else {
      impl->server = std::make_unique<httplib::Server>();
    }
    if (!impl->server->is_valid()) {
      return Status::IOError("cannot load the TLS certificate " + impl->opt.tls_cert + " or key " +
                             impl->opt.tls_key + " (PEM files, readable)");
    }
    impl->Install();
  } catch (const std::exception& e) {
    return Status::Internal(std::string("HTTP server: ") + e.what());
  }
  return std::unique_ptr<HttpServer>(new HttpServer(std::move(impl)));
}

Result<int> HttpServer::Bind() {
  const ListenAddress& a = impl_->opt.listen;
  try {
    if (a.port == 0) {
      const int port = impl_->server->bind_to_any_port(a.host);
      if (port > 0) return port;
    } else if (impl_->server->bind_to_port(a.host, a.port)) {
      return a.port;
    }
  } catch (const std::exception& e) {
    return Status::IOError("cannot listen on " + a.ToString() + ": " + e.what());
  }
  return Status::IOError("cannot listen on " + a.ToString() +
                         ": the address is in use or not this machine's; choose another --listen");
}

Status HttpServer::Run() {
  try {
    if (!impl_->server->listen_after_bind()) {
      return Status::IOError("the HTTP server stopped with an error");
    }
  } catch (const std::exception& e) {
    return Status::IOError(std::string("HTTP server: ") + e.what());
  }
  return Status::OK();
}

void HttpServer::Stop() { impl_->server->stop(); }

}  // namespace tidemark
