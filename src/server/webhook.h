// Posting alerts to a webhook (docs/guide/anomalies.md#webhook): one JSON
// document per backup that found anomalies, with bounded retries. A failed
// post is reported to the caller and never fails the backup.
#pragma once

#include <cstdint>
#include <functional>
#include <string>

namespace tidemark {

struct WebhookResult {
  bool delivered = false;
  int attempts = 0;
  int http_status = 0;  // of the last attempt; 0 when no response came
  std::string error;    // why the last attempt failed ("" when delivered)
};

// POSTs `json` (Content-Type: application/json) to `url` (http:// or
// https://), retrying up to `retries` more times on a connection error or a
// 5xx/429 response, waiting 0.5 s, 1 s, 2 s ... between attempts. A 2xx
// response is delivery; another 4xx is final. Never throws. `pause` waits
// between attempts (empty: std::this_thread::sleep_for); a test passes one
// that records the waits, or advances a test clock, instead of sleeping.
WebhookResult PostWebhook(const std::string& url, const std::string& json, int retries,
                          uint64_t timeout_us,
                          const std::function<void(uint64_t micros)>& pause = {});

}  // namespace tidemark
