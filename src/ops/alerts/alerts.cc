#include "ops/alerts/alerts.h"

#include <algorithm>

#include "base/clock.h"
#include "ledger/ledger.h"

namespace tidemark {

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

Result<AlertListing> ListAlerts(const Repository* repo, const std::string& source,
                                bool with_acked) {
  AlertListing out;
  TM_ASSIGN_OR_RETURN(out.snapshots, LoadSnapshots(*repo, source));
  TM_ASSIGN_OR_RETURN(out.acked, AcknowledgedAlerts(repo));
  const std::set<std::string> none;
  out.alerts = OpenAlerts(out.snapshots, with_acked ? none : out.acked, source);
  return out;
}

Result<std::vector<std::string>> AcknowledgeAlerts(const Repository* repo, const ActionLog& log,
                                                   const std::vector<std::string>& ids,
                                                   const std::string& reason) {
  TM_RETURN_IF_ERROR(log.Preflight());
  TM_ASSIGN_OR_RETURN(AlertListing known, ListAlerts(repo, "", true));
  std::vector<std::string> targets;
  for (const std::string& id : ids) {
    auto it = std::find_if(known.alerts.begin(), known.alerts.end(),
                           [&](const OpenAlert& a) { return a.id == id; });
    if (it == known.alerts.end()) {
      return Status::NotFound("no anomaly " + id + "; `tidemark alerts list` shows the open ones");
    }
    if (known.acked.count(id)) {
      return Status::AlreadyExists("anomaly " + id + " is already acknowledged");
    }
    targets.push_back("alert " + id);
  }
  TM_RETURN_IF_ERROR(log.Record("alert", "acknowledged", targets,
                                {{"alerts", static_cast<int64_t>(targets.size())}}, reason));
  return targets;
}

std::optional<AlertDelivery> DeliverAlert(const AlertPolicy& policy, AlertTransport* transport,
                                          const ActionLog& log, const std::string& body,
                                          const std::string& target) {
  if (policy.webhook.empty() || transport == nullptr) return std::nullopt;
  AlertDelivery sent = transport->Post(policy.webhook, body, policy.retries, policy.timeout_us);
  if (!sent.delivered) {
    sent.problem = "webhook " + policy.webhook + " not reached after " +
                   std::to_string(sent.attempts) + " attempts: " + sent.error;
    (void)log.Record("alert", "not-delivered", {target}, {}, sent.problem);
  }
  return sent;
}

std::optional<std::string> AnomalyAlertBody(const AlertPolicy& policy, const Id& snapshot,
                                            const Manifest& m) {
  if (policy.webhook.empty() || m.anomalies.empty()) return std::nullopt;
  JsonWriter body;
  body.BeginObject().Field("event", "anomalies").Field("source", m.source);
  body.Field("snapshot", snapshot.Hex()).Field("time", FormatTimeUtc(m.time_us));
  body.Field("host", m.host);
  AnomaliesJson(&body, snapshot, m.anomalies);
  body.EndObject();
  return body.str();
}

}  // namespace tidemark
