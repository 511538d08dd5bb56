// Alerts (docs/guide/anomalies.md#alerts): the anomalies that backups found,
// open until acknowledged in the ledger, and what is posted to the webhook.
// The decisions live here, for every front end (the CLI, later `tidemark
// serve`); the HTTP transport stays below, behind AlertTransport.
#pragma once

#include <cstdint>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "base/json.h"
#include "base/result.h"
#include "ledger/action_log.h"
#include "repo/repository.h"
#include "snapshot/catalog.h"

namespace tidemark {

// "3fa1b2c3d4e5/2": the snapshot's short id and the anomaly's 1-based place.
std::string AlertId(const Id& snapshot, size_t index);

// Key "anomalies": [{"id","kind","table","column","count","of","detail"}].
void AnomaliesJson(JsonWriter* w, const Id& snapshot, const std::vector<Anomaly>& anomalies);

// Alert ids acknowledged in the ledger (entries "alert" / "acknowledged"
// with targets "alert ID").
Result<std::set<std::string>> AcknowledgedAlerts(const Repository* repo);

struct OpenAlert {
  std::string id;
  const SnapshotInfo* snapshot;
  const Anomaly* anomaly;
};
// Every anomaly of `snapshots` (of `source` only, when not empty) not in
// `acked`, oldest snapshot first.
std::vector<OpenAlert> OpenAlerts(const std::vector<SnapshotInfo>& snapshots,
                                  const std::set<std::string>& acked,
                                  const std::string& source = "");

// The alerts of a repository as `alerts list` shows them. `alerts` points
// into `snapshots` (moving the listing keeps the pointers valid).
struct AlertListing {
  std::vector<SnapshotInfo> snapshots;
  std::set<std::string> acked;
  std::vector<OpenAlert> alerts;
};
// The open alerts of `source` (every source when empty); acknowledged
// ones too when `with_acked`.
Result<AlertListing> ListAlerts(const Repository* repo, const std::string& source, bool with_acked);

// Acknowledges `ids` with one ledger entry ("alert" / "acknowledged",
// targets "alert ID", the reason); returns its targets. NotFound for an id
// no snapshot has; AlreadyExists for one acknowledged before; nothing is
// recorded then. Checks that the ledger would accept the entry first.
Result<std::vector<std::string>> AcknowledgeAlerts(const Repository* repo, const ActionLog& log,
                                                   const std::vector<std::string>& ids,
                                                   const std::string& reason);

// Where alerts go ([alerts] of tidemark.toml).
struct AlertPolicy {
  std::string webhook;              // "" = none; http:// or https://
  int retries = 3;                  // attempts after the first
  uint64_t timeout_us = 5'000'000;  // per attempt
};

// The outcome of one post.
struct AlertDelivery {
  bool delivered = false;
  int attempts = 0;
  int http_status = 0;  // of the last attempt; 0 when no response came
  std::string error;    // why the last attempt failed ("" when delivered)
  std::string problem;  // when not delivered: the warning for the operator (and the ledger)
};

// Posts one JSON document to a URL (server/webhook.h under the CLI). It
// reports failures in the result and never throws.
class AlertTransport {
 public:
  virtual ~AlertTransport() = default;
  virtual AlertDelivery Post(const std::string& url, const std::string& json, int retries,
                             uint64_t timeout_us) = 0;
};

// Posts `body` to the policy's webhook; nullopt when none is set or no
// transport is given (nothing is posted). A failure is never an error: it is in the result
// (`problem`) and in a ledger entry ("alert", "not-delivered", `target`).
std::optional<AlertDelivery> DeliverAlert(const AlertPolicy& policy, AlertTransport* transport,
                                          const ActionLog& log, const std::string& body,
                                          const std::string& target);

// The "anomalies" event of one snapshot ({"event","source","snapshot",
// "time","host","anomalies"}); nullopt when it found none or no webhook is
// set: nothing is posted then.
std::optional<std::string> AnomalyAlertBody(const AlertPolicy& policy, const Id& snapshot,
                                            const Manifest& m);

}  // namespace tidemark
