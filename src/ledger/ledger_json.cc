#include "ledger/ledger_json.h"

#include "base/clock.h"

namespace tidemark {

void LedgerEntryJson(JsonWriter* w, const LedgerEntry& e) {
  w->BeginObject().Field("seq", e.seq).Field("time", FormatTimeUtc(e.time_us));
  w->Field("actor", e.record.actor).Field("action", e.record.action);
  w->Field("outcome", e.record.outcome).Key("args").BeginObject();
  for (const auto& [k, v] : e.record.args) w->Field(k, v);
  w->EndObject().Key("targets").BeginArray();
  for (const auto& t : e.record.targets) w->String(t);
  w->EndArray().Key("counts").BeginObject();
  for (const auto& [k, v] : e.record.counts) w->Field(k, v);
  w->EndObject().Field("hash", e.hash.Hex()).Field("prev_hash", e.prev_hash.Hex()).EndObject();
}

}  // namespace tidemark
