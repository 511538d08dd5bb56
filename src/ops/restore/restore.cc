#include "ops/restore/restore.h"

#include <algorithm>
#include <string_view>

#include "base/hex.h"
#include "base/progress.h"
#include "ops/restore/row_pipeline.h"
#include "records/encoding.h"
#include "snapshot/large_values.h"
#include "tree/tree.h"

namespace tidemark {
namespace {

constexpr size_t kRestoreNodeCacheBytes = 4u << 20;

// Which tables to restore: the selection plus the internal tables of
// selected virtual tables (Connector::OwnerOf) and the counter tables.
Result<std::vector<std::string>> SelectTables(const Connector& c, const Manifest& m,
                                              const std::vector<std::string>& wanted) {
  std::vector<std::string> out;
  for (const std::string& name : wanted) {
    const SnapshotTable* t = m.FindTable(name);
    if (t == nullptr) {
      return Status::InvalidArgument("snapshot has no table '" + name +
                                     "'; `tidemark ls SNAP` lists its tables");
    }
    out.push_back(name);
    if (t->schema.kind != TableKind::kVirtual) continue;
    const SourceSchema schema = m.FullSchema();
    for (const TableSchema& s : schema.tables) {
      const TableSchema* owner = c.OwnerOf(schema, s);
      if (owner != nullptr && owner->name == t->schema.name) out.push_back(s.name);
    }
  }
  for (const SnapshotTable& t : m.tables) {
    if (!wanted.empty() && t.schema.kind == TableKind::kCounters) out.push_back(t.schema.name);
  }
  return out;
}

bool Selected(const std::vector<std::string>& sel, const std::string& name) {
  return sel.empty() || std::find(sel.begin(), sel.end(), name) != sel.end();
}

// Tables smaller than this load on one thread: a second would cost more
// than it saves.
constexpr uint64_t kPipelineMinRows = 2048;

PipelineWorker WorkerFor(uint64_t rows, PipelineWorker side) {
  return rows < kPipelineMinRows ? PipelineWorker::kNone : side;
}

// Loads one table: a second thread walks its tree, decodes the records and
// reads their large values while this one inserts them into the target.
Status WriteTable(BlobStore* store, const Repository& repo, NodeCache* cache,
                  const SnapshotTable& t, RestoreTarget* w, Progress* progress) {
  TM_RETURN_IF_ERROR(w->BeginTable(t.schema));
  const std::string what = "record of table " + t.schema.name;
  auto produce = [&](RowSink* sink) -> Status {
    ChunkedValueStore large(store, repo);
    return TreeScan(cache, t.root, std::nullopt,
                    [&](std::string_view key, std::string_view value) -> Result<bool> {
                      SourceRow* row = sink->Next();
                      TM_RETURN_IF_ERROR(DecodeKey(key, &row->key));
                      TM_RETURN_IF_ERROR(DecodeRecord(value, what, &row->record));
                      for (Value& v : row->record) TM_RETURN_IF_ERROR(ResolveValue(&large, &v));
                      TM_RETURN_IF_ERROR(sink->Commit());
                      return true;
                    });
  };
  auto consume = [&](std::span<const SourceRow> rows) -> Status {
    TM_RETURN_IF_ERROR(w->InsertBatch(rows));
    progress->Add(rows.size());
    return Status::OK();
  };
  TM_RETURN_IF_ERROR(
      RunRowPipeline(produce, consume, WorkerFor(t.root.count, PipelineWorker::kProducer)));
  return w->EndTable();
}

// The count and digest of one table as `src` holds it: this thread reads
// the rows, a second one encodes and hashes them.
Status TallyTable(SourceReader* src, const TableSchema& live, const SnapshotTable& t,
                  TableTally* tally) {
  TableDigest digest;
  std::string key;
  auto produce = [&](RowSink* sink) -> Status {
    return src->Scan(live, [&](const SourceRow& row) {
      *sink->Next() = row;
      return sink->Commit();
    });
  };
  auto consume = [&](std::span<const SourceRow> rows) -> Status {
    for (const SourceRow& row : rows) {
      key.clear();
      EncodeKey(row.key, &key);
      digest.Add(key, row.record);
    }
    return Status::OK();
  };
  TM_RETURN_IF_ERROR(
      RunRowPipeline(produce, consume, WorkerFor(t.root.count, PipelineWorker::kConsumer)));
  tally->rows = digest.rows();
  tally->digest = digest.Finish();
  return Status::OK();
}

}  // namespace

Result<std::vector<TableTally>> TallyTables(const Connector& c, SourceReader* src,
                                            const Manifest& m,
                                            const std::vector<std::string>& tables) {
  // The selection as the restore expands it: virtual tables bring their
  // shadow tables, whose rows are verified like any other.
  std::vector<std::string> expanded;
  if (!tables.empty()) {
    TM_ASSIGN_OR_RETURN(expanded, SelectTables(c, m, tables));
  }
  std::vector<TableTally> out;
  for (const SnapshotTable& t : m.tables) {
    if (!t.schema.has_records() || !Selected(expanded, t.schema.name)) continue;
    // A partial restore keeps only the selected tables' counter rows.
    if (!tables.empty() && t.schema.kind == TableKind::kCounters) continue;
    TableTally tally;
    tally.table = t.schema.name;
    tally.expected = &t;
    const TableSchema* live = src->schema().FindTable(t.schema.name);
    if (live != nullptr) {
      tally.present = true;
      TM_RETURN_IF_ERROR(TallyTable(src, *live, t, &tally));
    }
    out.push_back(std::move(tally));
  }
  return out;
}

Status VerifyAgainstManifest(const Connector& c, SourceReader* src, const Manifest& m,
                             const std::vector<std::string>& tables) {
  TM_ASSIGN_OR_RETURN(std::vector<TableTally> tallies, TallyTables(c, src, m, tables));
  for (const TableTally& t : tallies) {
    if (!t.present) return Status::Corruption("restored file lacks table " + t.table);
    if (t.rows != t.expected->root.count || t.digest != t.expected->digest) {
      return Status::Corruption("table " + t.table + ": restored " + std::to_string(t.rows) +
                                " rows with digest " + HexEncode(t.digest).substr(0, 16) +
                                ", snapshot has " + std::to_string(t.expected->root.count) +
                                " rows with digest " + HexEncode(t.expected->digest).substr(0, 16));
    }
  }
  return Status::OK();
}

Result<RestoreResult> Restore(BlobStore* store, const Repository& repo, const Manifest& m,
                              const Connector& c, const RestoreOptions& opts) {
  TM_ASSIGN_OR_RETURN(std::vector<std::string> tables, SelectTables(c, m, opts.tables));
  RestoreTargetOptions to;
  to.tables = tables;
  to.replace = opts.force;
  to.mode = opts.mode;
  TM_ASSIGN_OR_RETURN(auto w, c.CreateRestoreTarget(opts.path, m.FullSchema(), to));
  RestoreResult result;
  uint64_t total = 0;
  for (const SnapshotTable& t : m.tables) {
    if (Selected(tables, t.schema.name) && t.schema.has_records()) total += t.root.count;
  }
  Progress progress("restore", total, Progress::Unit::kCount, opts.show_progress);
  // A scan reads each node once and holds its path itself: a small cache
  // keeps the internal nodes, and memory stays flat whatever the table size.
  NodeCache cache(store, kRestoreNodeCacheBytes);
  const Clock& clock = *repo.clock();
  int64_t mark = clock.NowMicros();
  auto lap = [&] {  // microseconds since the last lap
    const int64_t now = clock.NowMicros();
    const uint64_t us = now > mark ? static_cast<uint64_t>(now - mark) : 0;
    mark = now;
    return us;
  };
  for (const SnapshotTable& t : m.tables) {
    if (!Selected(tables, t.schema.name)) continue;
    TM_RETURN_IF_ERROR(CheckCancel(opts.cancel, "restore-table"));
    if (t.schema.kind == TableKind::kTable) result.tables++;
    if (!t.schema.has_records()) continue;
    Status written = WriteTable(store, repo, &cache, t, w.get(), &progress);
    if (!written.ok()) return written.WithContext("table " + t.schema.name);
    if (t.schema.kind == TableKind::kTable) result.records += t.root.count;
  }
  result.load_us = lap();
  TM_RETURN_IF_ERROR(w->Finish());
  progress.Finish();
  result.finish_us = lap();
  if (opts.verify) {
    TM_ASSIGN_OR_RETURN(auto staged, w->OpenStaged());
    TM_RETURN_IF_ERROR(VerifyAgainstManifest(c, staged.get(), m, tables));
    result.verify_us = lap();
  }
  TM_RETURN_IF_ERROR(CheckCancel(opts.cancel, "restore-before-publish"));
  TM_RETURN_IF_ERROR(w->Publish());
  result.bytes = w->bytes();
  result.left_out = w->left_out();
  return result;
}

}  // namespace tidemark
