#include "cli/alerts_common.h"

#include <cstdio>
#include <functional>

#include "cli/context.h"
#include "server/webhook.h"

namespace tidemark::cli {

AlertPolicy PolicyOf(const AlertsConfig& alerts) {
  return {alerts.webhook, alerts.retries, alerts.timeout_us};
}

AlertDelivery WebhookTransport::Post(const std::string& url, const std::string& json, int retries,
                                     uint64_t timeout_us) {
  std::function<void(uint64_t)> pause;
  if (FakeClock* clock = ctx_->test_clock()) pause = [clock](uint64_t us) { clock->Advance(us); };
  WebhookResult r = PostWebhook(url, json, retries, timeout_us, pause);
  AlertDelivery out;
  out.delivered = r.delivered;
  out.attempts = r.attempts;
  out.http_status = r.http_status;
  out.error = r.error;
  return out;
}

void ReportDelivery(const std::optional<AlertDelivery>& sent, JsonWriter* w) {
  if (!sent) return;
  if (w != nullptr) {
    w->Key("webhook").BeginObject().Field("delivered", sent->delivered);
    w->Field("attempts", sent->attempts).Field("http_status", sent->http_status);
    w->Field("error", sent->error).EndObject();
  }
  if (!sent->delivered) fprintf(stderr, "tidemark: warning: %s\n", sent->problem.c_str());
}

void PostAlert(Context* ctx, const AlertsConfig& alerts, const std::string& body,
               const std::string& target, JsonWriter* w) {
  WebhookTransport transport(ctx);
  ReportDelivery(DeliverAlert(PolicyOf(alerts), &transport, ctx->Log(), body, target), w);
}

}  // namespace tidemark::cli
