// The JSON of one ledger entry: what `tidemark ledger show --json` prints
// per entry and what GET /api/v1/ledger lists (docs/api.md).
#pragma once

#include "base/json.h"
#include "ledger/ledger_entry.h"

namespace tidemark {

// {"seq", "time", "actor", "action", "outcome", "args", "targets", "counts",
// "hash", "prev_hash"}.
void LedgerEntryJson(JsonWriter* w, const LedgerEntry& e);

}  // namespace tidemark
