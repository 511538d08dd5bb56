#include "cli/alerts_common.h"

#include <cstdio>

#include "cli/context.h"
#include "ledger/ledger.h"
#include "server/webhook.h"

namespace tidemark::cli {

std::string AlertId(const Id& snapshot, size_t index) {
  return snapshot.Hex().substr(0, 12) + "/" + std::to_string(index + 1);
}

void AnomaliesJson(JsonWriter* w, const Id& snapshot, const std::vector<Anomaly>& anomalies) {
  w->Key("anomalies").BeginArray();
  for (size_t i = 0; i < anomalies.size(); ++i) {
    const Anomaly& a = anomalies[i];
    w->BeginObject().Field("id", AlertId(snapshot, i)).Field("kind", a.kind);
    w->Field("table", a.table).Field("column", a.column).Field("count", a.count);
    w->Field("of", a.of).Field("detail", a.detail).EndObject();
  }
  w->EndArray();
}

Result<std::set<std::string>> AcknowledgedAlerts(const Repository* repo) {
  std::set<std::string> acked;
  Ledger ledger(repo);
  TM_RETURN_IF_ERROR(ledger.ForEach(1, [&](const LedgerEntry& e) {
    if (e.record.action != "alert" || e.record.outcome != "acknowledged") return Status::OK();
    for (const std::string& t : e.record.targets) {
      if (t.rfind("alert ", 0) == 0) acked.insert(t.substr(6));
    }
    return Status::OK();
  }));
  return acked;
}

std::vector<OpenAlert> OpenAlerts(const std::vector<SnapshotInfo>& snapshots,
                                  const std::set<std::string>& acked, const std::string& source) {
  std::vector<OpenAlert> out;
  for (const SnapshotInfo& s : snapshots) {
    if (!source.empty() && s.manifest.source != source) continue;
    for (size_t i = 0; i < s.manifest.anomalies.size(); ++i) {
      std::string id = AlertId(s.id, i);
      if (acked.count(id)) continue;
      out.push_back({std::move(id), &s, &s.manifest.anomalies[i]});
    }
  }
  return out;
}

void PostAlert(Context* ctx, const AlertsConfig& alerts, const std::string& body,
               const std::string& target, JsonWriter* w) {
  if (alerts.webhook.empty()) return;
  // On the test clock a retry's pause passes on that clock only.
  std::function<void(uint64_t)> pause;
  if (FakeClock* clock = ctx->test_clock()) pause = [clock](uint64_t us) { clock->Advance(us); };
  WebhookResult sent = PostWebhook(alerts.webhook, body, alerts.retries, alerts.timeout_us, pause);
  if (w != nullptr) {
    w->Key("webhook").BeginObject().Field("delivered", sent.delivered);
    w->Field("attempts", sent.attempts).Field("http_status", sent.http_status);
    w->Field("error", sent.error).EndObject();
  }
  if (!sent.delivered) {
    const std::string why = "webhook " + alerts.webhook + " not reached after " +
                            std::to_string(sent.attempts) + " attempts: " + sent.error;
    fprintf(stderr, "tidemark: warning: %s\n", why.c_str());
    (void)ctx->Record("alert", "not-delivered", {target}, {}, why);
  }
}

}  // namespace tidemark::cli
