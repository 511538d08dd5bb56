// What the CLI adds to alerts (ops/alerts/alerts.h decides what is posted):
// the webhook transport on this process's clock, and how a delivery is
// reported (docs/guide/anomalies.md#webhook).
#pragma once

#include <optional>
#include <string>

#include "base/json.h"
#include "config/config.h"
#include "ops/alerts/alerts.h"

namespace tidemark::cli {

class Context;

// [alerts] of tidemark.toml as the use cases take it.
AlertPolicy PolicyOf(const AlertsConfig& alerts);

// Posts through server/webhook.h. On the test clock (TIDEMARK_TEST_CLOCK) a
// retry's pause passes on that clock only.
class WebhookTransport : public AlertTransport {
 public:
  explicit WebhookTransport(const Context* ctx) : ctx_(ctx) {}
  AlertDelivery Post(const std::string& url, const std::string& json, int retries,
                     uint64_t timeout_us) override;

 private:
  const Context* ctx_;
};

// Reports a delivery (nothing when none was attempted): "webhook": {...} in
// *w when w is given, and a warning on stderr when it was not delivered.
void ReportDelivery(const std::optional<AlertDelivery>& sent, JsonWriter* w);

// POSTs `body` to the configured webhook (nothing when none is set) through
// DeliverAlert and reports the outcome (ReportDelivery); a failure is never
// an error.
void PostAlert(Context* ctx, const AlertsConfig& alerts, const std::string& body,
               const std::string& target, JsonWriter* w);

}  // namespace tidemark::cli
