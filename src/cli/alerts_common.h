// What backup, alerts and status share about anomalies: their ids, their
// JSON, and which are acknowledged (docs/guide/anomalies.md#alerts).
#pragma once

#include <set>
#include <string>
#include <vector>

#include "base/json.h"
#include "base/result.h"
#include "config/config.h"
#include "repo/repository.h"
#include "snapshot/catalog.h"

namespace tidemark::cli {

class Context;

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

// POSTs `body` to the configured webhook (nothing when none is set). The
// outcome goes to *w as "webhook": {...} when w is given; a failure is a
// warning on stderr and a ledger entry ("alert", "not-delivered", `target`),
// never an error.
void PostAlert(Context* ctx, const AlertsConfig& alerts, const std::string& body,
               const std::string& target, JsonWriter* w);

}  // namespace tidemark::cli
