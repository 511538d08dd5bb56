#include "ops/backup/backup.h"

#include <fnmatch.h>

#include <cctype>
#include <chrono>
#include <condition_variable>
#include <deque>
#include <mutex>
#include <optional>
#include <set>
#include <thread>

#include "base/ascii.h"
#include "base/crash_point.h"
#include "base/logging.h"
#include "base/progress.h"
#include "records/encoding.h"
#include "snapshot/large_values.h"
#include "snapshot/record_diff.h"
#include "sources/connector.h"
#include "tree/tree.h"
#include "tree/tree_stream.h"

namespace tidemark {
namespace {

// A batch of encoded entries handed from the reader to the tree builder.
struct Batch {
  std::string data;                                  // keys and values back to back
  std::vector<std::pair<uint32_t, uint32_t>> sizes;  // (key size, value size)
  bool end = false;                                  // end of the table
  // The first batch of a table may name the table's tree in the parent
  // snapshot: the stage then counts the changes as it builds.
  std::optional<TreeRoot> parent;
};

// What the tree stage made of one table.
struct BuiltTable {
  TreeRoot root;
  std::optional<TreeDiffCounts> changes;  // against the parent's tree, when one was named
};

constexpr size_t kBatchBytes = 1u << 20;
constexpr size_t kQueueDepth = 4;
// Decoded tree nodes a backup keeps (NodeCache): internal nodes of the parent
// and what anomaly detection reads again; peak memory stays flat with it.
constexpr size_t kBackupCacheBytes = 16u << 20;

// A bounded single-producer single-consumer queue.
class BatchQueue {
 public:
  void Push(Batch b) {
    std::unique_lock lock(mu_);
    cv_.wait(lock, [&] { return q_.size() < kQueueDepth || closed_; });
    if (closed_) return;
    q_.push_back(std::move(b));
    cv_.notify_all();
  }
  // False when closed and empty.
  bool Pop(Batch* b) {
    std::unique_lock lock(mu_);
    cv_.wait(lock, [&] { return !q_.empty() || closed_; });
    if (q_.empty()) return false;
    *b = std::move(q_.front());
    q_.pop_front();
    cv_.notify_all();
    return true;
  }
  void Close() {
    std::lock_guard lock(mu_);
    closed_ = true;
    cv_.notify_all();
  }

 private:
  std::mutex mu_;
  std::condition_variable cv_;
  std::deque<Batch> q_;
  bool closed_ = false;
};

// Builds the trees of the tables, in order, from the batches it is handed,
// and compares each new leaf with the parent's tree as it goes
// (LeafStreamDiff): unchanged leaves are skipped by id, so the change counts
// cost only the changed leaves of the parent, read on this thread.
class TreeStage {
 public:
  TreeStage(BlobStore* store, NodeCache* cache, TreeParams params)
      : store_(store), cache_(cache), params_(std::move(params)) {
    thread_ = std::thread([this] { Run(); });
  }
  ~TreeStage() {
    queue_.Close();
    if (thread_.joinable()) thread_.join();
  }
  void Push(Batch b) { queue_.Push(std::move(b)); }
  // Waits for the builder to finish the table whose end was pushed.
  Result<BuiltTable> TableRoot() {
    std::unique_lock lock(mu_);
    cv_.wait(lock, [&] { return !roots_.empty() || !status_.ok(); });
    if (!status_.ok()) return status_;
    BuiltTable r = roots_.front();
    roots_.pop_front();
    return r;
  }
  Status status() {
    std::lock_guard lock(mu_);
    return status_;
  }

 private:
  // A builder for the next table, and the diff against its parent's tree.
  void StartTable(const std::optional<TreeRoot>& parent) {
    builder_ = std::make_unique<TreeBuilder>(store_, params_);
    diff_.reset();
    if (!parent) return;
    diff_ = std::make_unique<LeafStreamDiff>(cache_, *parent);
    builder_->SetLeafListener(
        [d = diff_.get()](const Id& id, std::string_view node) { return d->AddLeaf(id, node); });
  }
  Result<BuiltTable> FinishTable() {
    BuiltTable t;
    TM_ASSIGN_OR_RETURN(t.root, builder_->Finish());
    if (diff_) {
      TM_ASSIGN_OR_RETURN(t.changes, diff_->Finish());
    }
    builder_.reset();
    diff_.reset();
    return t;
  }
  void Run() {
    Batch b;
    while (queue_.Pop(&b)) {
      if (!builder_) StartTable(b.parent);
      Status s = AddBatch(builder_.get(), b);
      if (s.ok() && b.end) {
        Result<BuiltTable> built = FinishTable();
        if (built.ok()) {
          std::lock_guard lock(mu_);
          roots_.push_back(*built);
          cv_.notify_all();
          continue;
        }
        s = built.status();
      }
      if (!s.ok()) {
        std::lock_guard lock(mu_);
        status_ = s;
        cv_.notify_all();
        queue_.Close();
        return;
      }
    }
  }
  static Status AddBatch(TreeBuilder* builder, const Batch& b) {
    size_t off = 0;
    for (const auto& [ks, vs] : b.sizes) {
      std::string_view key(b.data.data() + off, ks);
      std::string_view value(b.data.data() + off + ks, vs);
      TM_RETURN_IF_ERROR(builder->Add(key, value));
      off += ks + vs;
    }
    return Status::OK();
  }

  BlobStore* store_;
  NodeCache* cache_;
  TreeParams params_;
  std::unique_ptr<TreeBuilder> builder_;  // the table being built; stage thread only
  std::unique_ptr<LeafStreamDiff> diff_;  // its diff against the parent; stage thread only
  BatchQueue queue_;
  std::mutex mu_;
  std::condition_variable cv_;
  std::deque<BuiltTable> roots_;
  Status status_;
  std::thread thread_;
};

// Scans one table, feeding the tree stage; fills digest, bytes and rows,
// and *changes when `parent` (the table's tree in the parent) is given.
Status ScanTable(SourceReader* src, const TableSchema& schema, ChunkedValueStore* large,
                 TreeStage* stage, const std::optional<TreeRoot>& parent, SnapshotTable* out,
                 std::optional<TreeDiffCounts>* changes, Progress* progress,
                 const CancelToken* cancel) {
  TableDigest digest;
  Batch batch;
  batch.parent = parent;
  std::string key, value;
  uint64_t rows = 0;
  TM_RETURN_IF_ERROR(src->Scan(schema, [&](const SourceRow& row) -> Status {
    if (++rows % kCancelCheckRows == 0) TM_RETURN_IF_ERROR(CheckCancel(cancel, "backup-rows"));
    key.clear();
    value.clear();
    EncodeKey(row.key, &key);
    bool all_inline;
    TM_RETURN_IF_ERROR(EncodeRecord(row.record, large, &value, &all_inline));
    if (all_inline) {
      digest.AddEncoded(key, value);
    } else {
      digest.Add(key, row.record);
    }
    out->bytes += key.size() + value.size();
    batch.data += key;
    batch.data += value;
    batch.sizes.emplace_back(static_cast<uint32_t>(key.size()),
                             static_cast<uint32_t>(value.size()));
    if (batch.data.size() >= kBatchBytes) {
      TM_RETURN_IF_ERROR(stage->status());
      stage->Push(std::move(batch));
      batch = Batch();
    }
    if (progress) progress->Add(1);
    return Status::OK();
  }));
  batch.end = true;
  stage->Push(std::move(batch));
  out->digest = digest.Finish();
  TM_ASSIGN_OR_RETURN(BuiltTable built, stage->TableRoot());
  out->root = built.root;
  *changes = built.changes;
  if (out->root.count != digest.rows()) {
    return Status::Internal("table " + schema.name + ": tree holds " +
                            std::to_string(out->root.count) + " rows, scan read " +
                            std::to_string(digest.rows()));
  }
  return Status::OK();
}

// The table's tree in the parent when its changes can be counted while it
// is built: both sides hold records (otherwise DiffTable's rules apply).
std::optional<TreeRoot> ParentTree(const Manifest* parent, const TableSchema& table) {
  const SnapshotTable* old = parent ? parent->FindTable(table.name) : nullptr;
  if (old == nullptr || !old->schema.has_records() || !table.has_records()) return std::nullopt;
  return old->root;
}

// Counts added / changed / removed records against the parent snapshot.
// Per table (in m->tables order) into *per_table, for anomaly detection.
// `streamed` holds the counts the tree stage made while building (same
// order; nullopt: a table DiffTable counts here, cheaply, from one side).
Status CountChanges(NodeCache* cache, const Manifest* parent, Manifest* m,
                    const std::vector<std::optional<TreeDiffCounts>>& streamed,
                    std::vector<TreeDiffCounts>* per_table) {
  for (size_t i = 0; i < m->tables.size(); i++) {
    const SnapshotTable& t = m->tables[i];
    const SnapshotTable* old = parent ? parent->FindTable(t.schema.name) : nullptr;
    TreeDiffCounts c;
    if (i < streamed.size() && streamed[i]) {
      c = *streamed[i];
    } else {
      TM_ASSIGN_OR_RETURN(c, DiffTable(cache, old, &t, nullptr));
    }
    per_table->push_back(c);
    m->stats.records_added += c.added;
    m->stats.records_changed += c.changed;
    m->stats.records_removed += c.removed;
  }
  if (parent == nullptr) return Status::OK();
  for (const SnapshotTable& t : parent->tables) {
    if (m->FindTable(t.schema.name) == nullptr && t.schema.has_records()) {
      m->stats.records_removed += t.root.count;  // the table was dropped
    }
  }
  return Status::OK();
}

}  // namespace

SourceSchema SelectedSchema(const Connector& connector, const SourceSchema& all,
                            const std::vector<std::string>& include,
                            const std::vector<std::string>& exclude) {
  if (include.empty() && exclude.empty()) return all;
  // An internal table follows the table it belongs to (the connector's rule).
  auto owner_of = [&](const TableSchema& t) -> std::string {
    const TableSchema* owner = connector.OwnerOf(all, t);
    return owner == nullptr ? "" : AsciiLower(owner->name);
  };
  std::set<std::string> kept;  // lower-case names
  for (const TableSchema& t : all.tables) {
    if (t.kind == TableKind::kInternal && !owner_of(t).empty()) continue;  // decided by its owner
    if (t.kind == TableKind::kCounters || TableSelected(include, exclude, t)) {
      kept.insert(AsciiLower(t.name));
    }
  }
  SourceSchema out = all;
  out.tables.clear();
  for (const TableSchema& t : all.tables) {
    const std::string owner = owner_of(t);
    if (kept.count(AsciiLower(t.name)) || (!owner.empty() && kept.count(owner))) {
      kept.insert(AsciiLower(t.name));
      out.tables.push_back(t);
    }
  }
  out.objects.clear();
  out.object_namespaces.clear();
  for (size_t i = 0; i < all.objects.size(); i++) {
    const SchemaObject& o = all.objects[i];
    // Views stay (definitions only); tables, indexes and triggers follow
    // their table; an object of no table (a function, a type, a role) stays.
    if (o.type == "view" || o.tbl_name.empty() ||
        kept.count(AsciiLower(o.type == "table" ? o.name : o.tbl_name))) {
      out.objects.push_back(o);
      if (!all.object_namespaces.empty()) out.object_namespaces.push_back(all.object_namespaces[i]);
    }
  }
  // A sequence follows the table that owns it.
  out.sequences.clear();
  for (const SequenceInfo& q : all.sequences) {
    if (q.owner_table.empty() || kept.count(AsciiLower(q.owner_table))) out.sequences.push_back(q);
  }
  return out;
}

Manifest SelectedManifest(const Connector& connector, const Manifest& m,
                          const std::vector<std::string>& include,
                          const std::vector<std::string>& exclude) {
  if (include.empty() && exclude.empty()) return m;
  const SourceSchema kept = SelectedSchema(connector, m.FullSchema(), include, exclude);
  Manifest out = m;
  out.objects.objects = kept.objects;
  out.objects.object_namespaces = kept.object_namespaces;
  out.objects.sequences = kept.sequences;
  out.tables.clear();
  for (const SnapshotTable& t : m.tables) {
    if (kept.FindTable(t.schema.name) != nullptr) out.tables.push_back(t);
  }
  return out;
}

bool TableSelected(const std::vector<std::string>& include, const std::vector<std::string>& exclude,
                   const std::string& table) {
  auto any = [&](const std::vector<std::string>& patterns) {
    for (const std::string& p : patterns) {
      if (fnmatch(p.c_str(), table.c_str(), FNM_CASEFOLD) == 0) return true;
    }
    return false;
  };
  return (include.empty() || any(include)) && !any(exclude);
}

bool TableSelected(const std::vector<std::string>& include, const std::vector<std::string>& exclude,
                   const TableSchema& table) {
  if (table.namespace_name.empty()) return TableSelected(include, exclude, table.name);
  // A pattern may name the table alone or with its namespace ("public.orders", "audit.*").
  const std::string qualified = table.QualifiedName();
  const std::vector<std::string> none;
  const bool included = include.empty() || TableSelected(include, none, table.name) ||
                        TableSelected(include, none, qualified);
  return included && TableSelected(none, exclude, table.name) &&
         TableSelected(none, exclude, qualified);
}

namespace {

// The profile's annotations of the tables the backup reads, from the
// schema and what the platform's own tables say in the backup's read view.
// A declared relation naming a table or column the backup does not read
// would only fail at the next drill, with a raw SQL error: refuse it here.
Status Annotate(const BackupOptions& opts, SourceReader* view, SourceSchema* schema) {
  if (opts.profile == nullptr) return Status::OK();
  Status s = opts.profile->AnnotateFrom(view, schema);
  if (s.ok()) return s;
  return Status::InvalidArgument(s.message() + " (no snapshot was written)");
}

// The source's integrity check before anything is read: a warning, or with
// require_integrity a refusal before anything is stored.
Status CheckIntegrity(SourceReader* src, const BackupOptions& opts,
                      std::vector<std::string>* problems) {
  TM_ASSIGN_OR_RETURN(*problems, src->IntegrityProblems());
  if (!problems->empty()) {
    const Connector& c = *opts.source.connector;
    const std::string what = opts.source.location + " fails " +
                             std::string(c.integrity_check_name()) + " (" + (*problems)[0] + ")";
    if (opts.require_integrity) {
      return Status::Refused(what + "; nothing was stored. " +
                             std::string(c.integrity_repair_hint()) +
                             " or back it up without --require-integrity");
    }
    TM_LOG(kWarning, "backup ", opts.name, ": ", what,
           "; the snapshot holds what the source can still give");
  }
  return Status::OK();
}

// The manifest's identity and labels, checked against the format's limits
// before anything is stored (snapshot.md §2).
Status FillIdentity(const BackupOptions& opts, Manifest* m) {
  m->source = opts.name;
  m->source_uri = opts.source.uri();
  m->tool_version = opts.tool_version;
  m->host = opts.host.empty() ? CurrentHost() : opts.host;
  m->actor = CurrentUser();
  m->tags = opts.tags;
  m->labels = opts.labels;
  std::sort(m->labels.begin(), m->labels.end());
  return CheckManifest(*m);
}

// Scans every selected table into trees (records and large values stored),
// then flushes the store. *streamed: each table's change counts against
// `parent` where the tree stage made them (see ParentTree).
Status StoreTables(SourceReader* src, const SourceSchema& schema, Repository* repo,
                   BlobStore* store, NodeCache* cache, const Manifest* parent,
                   const BackupOptions& opts, BackupResult* result,
                   std::vector<std::optional<TreeDiffCounts>>* streamed) {
  uint64_t total_rows = 0;
  for (const TableSchema& t : schema.tables) {
    if (!t.has_records() || !opts.show_progress) continue;  // count(*) is only for the ETA
    TM_ASSIGN_OR_RETURN(uint64_t n, src->CountRows(t));
    total_rows += n;
  }
  Progress progress("backup " + opts.name, total_rows, Progress::Unit::kCount, opts.show_progress);
  ChunkedValueStore large(store, *repo);
  {
    TreeStage stage(store, cache, TreeParams::ForRepository(*repo));
    for (const TableSchema& table : schema.tables) {
      TM_RETURN_IF_ERROR(CheckCancel(opts.cancel, "backup-table"));
      SnapshotTable t;
      t.schema = table;
      streamed->emplace_back();
      if (table.has_records()) {
        TM_RETURN_IF_ERROR(ScanTable(src, table, &large, &stage, ParentTree(parent, table), &t,
                                     &streamed->back(), &progress, opts.cancel));
      }
      result->records += t.root.count;
      result->manifest.tables.push_back(std::move(t));
    }
  }
  TM_RETURN_IF_ERROR(store->Flush());
  progress.Finish();
  return Status::OK();
}

uint64_t MicrosSince(std::chrono::steady_clock::time_point t) {
  return static_cast<uint64_t>(
      std::chrono::duration_cast<std::chrono::microseconds>(std::chrono::steady_clock::now() - t)
          .count());
}

// Anomalies of the new snapshot against the source's history, compared
// through today's table selection (a table newly left out by `exclude` is not
// reported as dropped), capped at what a manifest holds (snapshot.md §2).
Status DetectInto(NodeCache* cache, const std::vector<SnapshotInfo>& history,
                  const BackupOptions& opts, std::vector<TreeDiffCounts>* counts,
                  BackupResult* result) {
  Manifest& m = result->manifest;
  std::vector<Manifest> selected;
  selected.reserve(history.size());
  for (const SnapshotInfo& s : history) {
    selected.push_back(
        SelectedManifest(*opts.source.connector, s.manifest, opts.include, opts.exclude));
  }
  std::vector<const Manifest*> earlier;
  for (const Manifest& s : selected) earlier.push_back(&s);
  const auto detect_start = std::chrono::steady_clock::now();
  TM_ASSIGN_OR_RETURN(m.anomalies, DetectAnomalies(cache, m, earlier, *opts.anomalies,
                                                   &result->anomaly_cost, counts));
  result->anomaly_us = MicrosSince(detect_start);
  if (m.anomalies.size() > kMaxManifestAnomalies) {
    // Keep the first ones and say how many more there were.
    const uint64_t total = m.anomalies.size();
    m.anomalies.resize(kMaxManifestAnomalies - 1);
    m.anomalies.push_back({"more", "", "", total - m.anomalies.size(), total,
                           std::to_string(total - m.anomalies.size()) +
                               " more anomalies not stored (a manifest holds at most " +
                               std::to_string(kMaxManifestAnomalies) + ")"});
  }
  return Status::OK();
}

}  // namespace

Result<BackupResult> Backup(Repository* repo, BlobStore* store, const BackupOptions& opts) {
  if (!opts.source.valid()) return Status::InvalidArgument("backup: no source given");
  const auto started = std::chrono::steady_clock::now();
  BackupResult result;
  Manifest& m = result.manifest;
  m.time_us = repo->clock()->NowMicros();
  TM_ASSIGN_OR_RETURN(auto src,
                      opts.source.connector->OpenReader(opts.source.location, opts.lock_wait_ms));
  TM_RETURN_IF_ERROR(CheckIntegrity(src.get(), opts, &result.integrity_problems));
  TM_ASSIGN_OR_RETURN(std::vector<SnapshotInfo> history, LoadSnapshots(*repo, opts.name));
  const SnapshotInfo* parent = history.empty() ? nullptr : &history.back();
  if (parent) m.parent = result.parent = parent->id;
  TM_RETURN_IF_ERROR(FillIdentity(opts, &m));
  SourceSchema schema =
      SelectedSchema(*opts.source.connector, src->schema(), opts.include, opts.exclude);
  TM_RETURN_IF_ERROR(Annotate(opts, src.get(), &schema));  // before anything is written
  m.objects = schema;  // objects, their namespaces, sequences, settings, annotations
  m.objects.tables.clear();
  const uint64_t written_before = store->stats().bytes_written;
  // One cache for the change counts and the anomaly detection after them;
  // leaves read once pass by it (LeafStreamDiff), so it holds mostly the
  // internal nodes both walk.
  NodeCache cache(store, kBackupCacheBytes);
  const Manifest* parent_manifest = parent ? &parent->manifest : nullptr;
  std::vector<std::optional<TreeDiffCounts>> streamed;
  TM_RETURN_IF_ERROR(StoreTables(src.get(), schema, repo, store, &cache, parent_manifest, opts,
                                 &result, &streamed));
  std::vector<TreeDiffCounts> counts;
  TM_RETURN_IF_ERROR(CountChanges(&cache, parent_manifest, &m, streamed, &counts));
  m.stats.bytes_added = store->stats().bytes_written - written_before;
  m.stats.duration_us = MicrosSince(started);
  if (opts.anomalies != nullptr && parent != nullptr) {
    TM_RETURN_IF_ERROR(DetectInto(&cache, history, opts, &counts, &result));
  }
  // The last point to stop at: after it the snapshot is written and stays.
  TM_RETURN_IF_ERROR(CheckCancel(opts.cancel, "backup-before-snapshot"));
  TM_ASSIGN_OR_RETURN(result.snapshot, WriteSnapshot(*repo, m));
  CrashPoint("backup-after-snapshot");  // before its ledger entry (check warns)
  TM_LOG(kInfo, "backup ", opts.name, ": snapshot ", result.snapshot.Short(), ", ", result.records,
         " records");
  return result;
}

}  // namespace tidemark
