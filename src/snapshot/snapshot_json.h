// The JSON of snapshots, tables and records: what `tidemark snapshots`,
// `show`, `ls` and `cat` print with --json, and what the server's
// /api/v1/snapshots answers (docs/api.md). One writer for both.
#pragma once

#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "base/json.h"
#include "base/result.h"
#include "records/schema.h"
#include "records/value.h"
#include "repo/blob_store.h"
#include "snapshot/catalog.h"
#include "tree/tree.h"

namespace tidemark {

// One snapshot of a listing: {"id", "short_id", "source", ..., "duration_s"}.
void SnapshotJson(JsonWriter* w, const SnapshotInfo& s);
// The document of `show`: the listing's fields plus annotations, settings,
// tables and schema objects.
void SnapshotShowJson(JsonWriter* w, const SnapshotInfo& s);
// One table of a manifest: {"name", "kind", "rows", "bytes", "digest", "root", "sql", "key"}.
void TableJson(JsonWriter* w, const SnapshotTable& t);
// One record: {"key": [...], "fields": {...}}.
void RecordJson(JsonWriter* w, const TableSchema& schema, const std::vector<Value>& key,
                const Record& rec);

// The document of `ls SNAP TABLE`: {"table", "rows", "records": [...],
// "next_after"} with up to `limit` records (0: all) after the key `after`
// (typed as `cat` takes it; "" = from the start). `next_after`, present when
// more records follow, is the last key shown. `each` (may be empty) sees
// every record written. Returns next_after (nullopt when no record follows).
// With `mask` (the snapshot's annotations), secret columns are masked
// (MaskSecrets); null shows them. InvalidArgument for a virtual table or a
// bad key.
Result<std::optional<std::string>> RecordsPageJson(
    NodeCache* cache, const SnapshotTable& t, const std::string& after, uint64_t limit,
    const SchemaAnnotations* mask, JsonWriter* w,
    const std::function<void(const std::vector<Value>& key, const Record& rec,
                             const std::string& next_after)>& each = {});

// The document of `cat SNAP TABLE KEY`: one record with its large values
// read, secret columns masked unless `show_secrets`. NotFound when the table
// has no record with that key.
Status RecordByKeyJson(NodeCache* cache, BlobStore* store, const Repository& repo,
                       const SnapshotInfo& s, const SnapshotTable& t, const std::string& key_text,
                       bool show_secrets, JsonWriter* w);

}  // namespace tidemark
