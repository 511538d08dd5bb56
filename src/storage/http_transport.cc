// cpp-httplib adapter: exceptions and httplib's error enum stop here.
#include "storage/http_transport.h"

#include <httplib.h>

#include <cctype>
#include <mutex>
#include <vector>

namespace tidemark {

std::string HttpResponse::Header(std::string_view name) const {
  for (const auto& [k, v] : headers) {
    if (k.size() != name.size()) continue;
    bool same = true;
    for (size_t i = 0; i < k.size() && same; ++i) {
      same = std::tolower(static_cast<unsigned char>(k[i])) ==
             std::tolower(static_cast<unsigned char>(name[i]));
    }
    if (same) return v;
  }
  return "";
}

namespace {

bool Retryable(httplib::Error e) {
  switch (e) {
    case httplib::Error::Connection:
    case httplib::Error::Read:
    case httplib::Error::Write:
    case httplib::Error::ConnectionTimeout:
    case httplib::Error::SSLConnection:
    case httplib::Error::Unknown:
      return true;
    default:
      return false;
  }
}

class HttplibTransport : public HttpTransport {
 public:
  explicit HttplibTransport(const HttpEndpoint& ep) : ep_(ep) {}

  HttpResponse Send(const HttpRequest& req) override {
    std::unique_ptr<httplib::Client> client = Acquire();
    HttpResponse out;
    try {
      httplib::Request r;
      r.method = req.method;
      r.path = req.target;
      for (const auto& [k, v] : req.headers) r.headers.emplace(k, v);
      r.body.assign(req.body.data(), req.body.size());
      httplib::Response res;
      httplib::Error err = httplib::Error::Success;
      if (!client->send(r, res, err)) {
        out.error = httplib::to_string(err);
        out.retryable = Retryable(err);
        return out;  // the connection may be broken: do not reuse it
      }
      out.status = res.status;
      for (const auto& [k, v] : res.headers) out.headers.emplace_back(k, v);
      out.body = std::move(res.body);
    } catch (const std::exception& e) {
      out.error = e.what();
      return out;
    }
    Release(std::move(client));
    return out;
  }

 private:
  std::unique_ptr<httplib::Client> Acquire() {
    {
      std::lock_guard<std::mutex> lock(mu_);
      if (!idle_.empty()) {
        auto c = std::move(idle_.back());
        idle_.pop_back();
        return c;
      }
    }
    auto c = std::make_unique<httplib::Client>(ep_.scheme + "://" + ep_.host + ":" +
                                               std::to_string(ep_.port));
    c->set_keep_alive(true);
    c->set_url_encode(false);  // targets arrive encoded, exactly as signed
    c->set_decompress(false);
    c->set_connection_timeout(ep_.connect_timeout_s, 0);
    c->set_read_timeout(ep_.io_timeout_s, 0);
    c->set_write_timeout(ep_.io_timeout_s, 0);
    if (ep_.scheme == "https") {
      c->enable_server_certificate_verification(true);
      if (!ep_.ca_file.empty()) c->set_ca_cert_path(ep_.ca_file);
    }
    return c;
  }

  void Release(std::unique_ptr<httplib::Client> c) {
    std::lock_guard<std::mutex> lock(mu_);
    if (idle_.size() < 16) idle_.push_back(std::move(c));
  }

  const HttpEndpoint ep_;
  std::mutex mu_;
  std::vector<std::unique_ptr<httplib::Client>> idle_;
};

}  // namespace

std::unique_ptr<HttpTransport> MakeHttplibTransport(const HttpEndpoint& endpoint) {
  return std::make_unique<HttplibTransport>(endpoint);
}

}  // namespace tidemark
