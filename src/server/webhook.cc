#include "server/webhook.h"

#include <httplib.h>

#include <chrono>
#include <thread>

namespace tidemark {
namespace {

// "https://host:8443/a/b?c" -> ("https://host:8443", "/a/b?c").
bool SplitUrl(const std::string& url, std::string* origin, std::string* path) {
  const size_t scheme = url.find("://");
  if (scheme == std::string::npos) return false;
  const size_t slash = url.find('/', scheme + 3);
  *origin = url.substr(0, slash);
  *path = slash == std::string::npos ? "/" : url.substr(slash);
  return origin->size() > scheme + 3;
}

}  // namespace

WebhookResult PostWebhook(const std::string& url, const std::string& json, int retries,
                          uint64_t timeout_us, const std::function<void(uint64_t micros)>& pause) {
  WebhookResult result;
  std::string origin, path;
  if (!SplitUrl(url, &origin, &path)) {
    result.error = "not a URL: " + url;
    return result;
  }
  try {
    httplib::Client client(origin);
    const time_t sec = static_cast<time_t>(timeout_us / 1000000);
    const time_t usec = static_cast<time_t>(timeout_us % 1000000);
    client.set_connection_timeout(sec, usec);
    client.set_read_timeout(sec, usec);
    client.set_write_timeout(sec, usec);
    uint64_t wait_us = 500000;
    for (int attempt = 0; attempt <= retries; ++attempt) {
      if (attempt > 0) {
        if (pause) {
          pause(wait_us);
        } else {
          std::this_thread::sleep_for(std::chrono::microseconds(wait_us));
        }
        wait_us *= 2;
      }
      result.attempts++;
      auto res = client.Post(path, json, "application/json");
      if (!res) {
        result.http_status = 0;
        result.error = "no response: " + httplib::to_string(res.error());
        continue;
      }
      result.http_status = res->status;
      if (res->status >= 200 && res->status < 300) {
        result.delivered = true;
        result.error.clear();
        return result;
      }
      result.error = "HTTP " + std::to_string(res->status);
      if (res->status < 500 && res->status != 429) return result;  // retrying will not help
    }
  } catch (const std::exception& e) {
    result.error = std::string("webhook client failed: ") + e.what();
  }
  return result;
}

}  // namespace tidemark
