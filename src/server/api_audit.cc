// GET /api/v1/alerts, POST /api/v1/alerts/{snapshot}/{index}/ack, GET /api/v1/ledger, GET
// /api/v1/holds.
#include <algorithm>
#include <map>

#include "base/clock.h"
#include "base/json.h"
#include "ledger/action_log.h"
#include "ledger/ledger.h"
#include "ledger/ledger_json.h"
#include "ops/alerts/alerts.h"
#include "server/api_handlers.h"
#include "snapshot/holds.h"

namespace tidemark::api {
namespace {

constexpr size_t kMaxReason = 4096;  // a ledger argument (FORMAT.md §10)

void AlertJson(JsonWriter* w, const OpenAlert& a, bool acked) {
  w->BeginObject().Field("id", a.id).Field("source", a.snapshot->manifest.source);
  w->Field("snapshot", a.snapshot->id.Hex())
      .Field("time", FormatTimeUtc(a.snapshot->manifest.time_us));
  w->Field("kind", a.anomaly->kind).Field("table", a.anomaly->table);
  w->Field("column", a.anomaly->column).Field("count", a.anomaly->count);
  w->Field("of", a.anomaly->of).Field("detail", a.anomaly->detail);
  w->Field("acknowledged", acked).EndObject();
}

// Stops Ledger::ForEach once a page is full (never returned to a client).
Status PageFull() { return Status::Refused("page full"); }

}  // namespace

Result<ApiResponse> GetAlerts(ApiCore& core, const ApiCall& call) {
  TM_ASSIGN_OR_RETURN(PageParams page, ParsePage(call.req));
  TM_ASSIGN_OR_RETURN(bool all, QueryFlag(call.req, "all"));
  std::string source;
  if (const std::string* s = call.req.Query("source")) {
    source = *s;
    TM_RETURN_IF_ERROR(Require(*call.account, Action::kView, Target::Source(source)));
  }
  TM_ASSIGN_OR_RETURN(AlertListing listing, ListAlerts(core.repo(), source, all));
  std::vector<std::pair<std::string, std::string>> items;
  for (const OpenAlert& a : listing.alerts) {
    if (!InScope(call.account->grant, a.snapshot->manifest.source)) continue;
    JsonWriter w;
    AlertJson(&w, a, listing.acked.count(a.id) > 0);
    items.emplace_back(a.id, w.str());
  }
  return Page(items, page);
}

Result<ApiResponse> AckAlert(ApiCore& core, const ApiCall& call) {
  TM_ASSIGN_OR_RETURN(JsonValue body, JsonBody(call.req));
  TM_ASSIGN_OR_RETURN(std::string reason, StringMember(body, "reason", kMaxReason));
  if (reason.empty()) {
    return Status::InvalidArgument(
        "say why in the body: {\"reason\": TEXT} (it goes into the ledger)");
  }
  const std::string id = call.params[0] + "/" + call.params[1];  // "3fa1b2c3d4e5/2"
  TM_ASSIGN_OR_RETURN(AlertListing listing, ListAlerts(core.repo(), "", true));
  const OpenAlert* found = nullptr;
  for (const OpenAlert& a : listing.alerts) {
    if (a.id == id && InScope(call.account->grant, a.snapshot->manifest.source)) found = &a;
  }
  if (found == nullptr) {
    return Status::NotFound("no alert " + id + " among those this account may see");
  }
  TM_RETURN_IF_ERROR(
      Require(*call.account, Action::kAckAlert, Target::Source(found->snapshot->manifest.source)));
  const ActionLog log(core.repo(), call.req.method + " " + call.req.path,
                      core.Actor(*call.account));
  TM_RETURN_IF_ERROR(AcknowledgeAlerts(core.repo(), log, {id}, reason).status());
  JsonWriter w;
  w.BeginObject().Key("acknowledged").BeginArray().String(id).EndArray();
  w.Field("reason", reason).EndObject();
  return Json(w.str());
}

Result<ApiResponse> GetLedger(ApiCore& core, const ApiCall& call) {
  // Entries name every source's targets: only a grant on every source reads them.
  TM_RETURN_IF_ERROR(Require(*call.account, Action::kView, Target::Repository()));
  TM_ASSIGN_OR_RETURN(PageParams page, ParsePage(call.req));
  uint64_t from = 1;
  if (!page.after.empty()) {
    const bool digits =
        page.after.size() <= 18 && std::all_of(page.after.begin(), page.after.end(),
                                               [](char c) { return c >= '0' && c <= '9'; });
    if (!digits) return Status::InvalidArgument("after: a ledger sequence number");
    from = std::stoull(page.after) + 1;
  }
  JsonWriter w;
  w.BeginObject().Key("items").BeginArray();
  uint64_t shown = 0, last = 0;
  bool more = false;
  Status s = Ledger(core.repo()).ForEach(from, [&](const LedgerEntry& e) {
    if (shown == page.limit) {
      more = true;
      return PageFull();
    }
    LedgerEntryJson(&w, e);
    last = e.seq;
    shown++;
    return Status::OK();
  });
  if (!s.ok() && !more) return s;
  w.EndArray();
  if (more) w.Field("next_after", std::to_string(last));
  w.EndObject();
  return Json(w.str());
}

Result<ApiResponse> GetHolds(ApiCore& core, const ApiCall& call) {
  TM_ASSIGN_OR_RETURN(PageParams page, ParsePage(call.req));
  TM_ASSIGN_OR_RETURN(std::vector<Hold> holds, ListHolds(*core.repo()));
  TM_ASSIGN_OR_RETURN(std::vector<SnapshotInfo> snaps, LoadSnapshots(*core.repo()));
  std::map<Id, std::string> source_of;
  for (const SnapshotInfo& s : snaps) source_of[s.id] = s.manifest.source;
  std::vector<std::pair<std::string, std::string>> items;
  for (const Hold& h : holds) {
    auto it = source_of.find(h.snapshot);
    const std::string source = it == source_of.end() ? "" : it->second;
    // A hold whose snapshot is gone names no source: only an unscoped grant sees it.
    if (source.empty() ? call.account->grant.scoped() : !InScope(call.account->grant, source)) {
      continue;
    }
    JsonWriter w;
    w.BeginObject().Field("snapshot", h.snapshot.Hex()).Field("source", source);
    if (h.damage.empty()) {
      w.Field("time", FormatTimeUtc(h.time_us)).Field("actor", h.actor).Field("host", h.host);
      w.Field("reason", h.reason);
    } else {
      w.Field("damage", h.damage);
    }
    w.EndObject();
    items.emplace_back(h.snapshot.Hex(), w.str());
  }
  return Page(items, page);
}

}  // namespace tidemark::api
