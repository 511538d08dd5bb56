// Plans for writing to a live source: `rollback` (make records equal to a
// snapshot's) and `revert` (undo exactly the changes between two snapshots).
// A plan is computed and shown before anything is written (DESIGN.md §8,
// docs/guide/rollback.md). It holds only the records that change, so memory
// grows with the size of the change, never with the size of a table.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "base/result.h"
#include "records/annotations.h"
#include "records/encoding.h"
#include "repo/blob_store.h"
#include "snapshot/catalog.h"
#include "sources/connector.h"
#include "sources/live_target.h"
#include "tree/tree.h"

namespace tidemark {

enum class PlanOp : uint8_t { kInsert = 0, kUpdate = 1, kDelete = 2 };
const char* PlanOpName(PlanOp op);

// One record the plan writes. Records are in the table's stored layout;
// large values stay references until applied.
struct PlannedRow {
  PlanOp op = PlanOp::kUpdate;
  std::string key;  // encoded (records.md §4)
  std::vector<Value> key_values;
  std::optional<Record> before;  // live now (nullopt: absent)
  std::optional<Record> after;   // what the plan writes (nullopt: deleted)
  // Why a record outside the requested scope is in the plan ("parent of
  // orders 17", "ON DELETE CASCADE from customers 5"); "" when in scope.
  std::string related;
  // The live version is known to be in a snapshot (revert: it is B's), so
  // the unsaved-work check can skip it.
  bool saved = false;
};

struct TablePlan {
  TableSchema schema;            // the live table's schema (what is written)
  std::vector<PlannedRow> rows;  // in key order
  uint64_t inserts = 0, updates = 0, deletes = 0, related = 0;
  uint64_t triggers_suspended = 0;  // filled in by the apply
};

// A record the plan may not write as it is, and why.
struct PlanIssue {
  std::string table;
  std::vector<Value> key;
  std::string problem;
};

struct RollbackPlan {
  enum Kind { kRollback, kRevert } kind = kRollback;
  std::string source;
  SourceRef live;                 // the live source the plan writes to
  SourceSchema live_schema;       // as planned against
  Id target;                      // rollback: the snapshot to return to
  Id from, to;                    // revert: A..B
  Id newest;                      // the newest snapshot of the source (unsaved-work check)
  std::vector<TablePlan> tables;  // in apply order for inserts: parents first
  // Records in the plan whose live version no recent snapshot holds (the
  // newest, or one of PlanInputs::older): writing them loses work no backup
  // holds. Refused unless overwrite_unsaved.
  std::vector<PlanIssue> unsaved;
  // revert: records whose live version is neither A's nor B's.
  std::vector<PlanIssue> conflicts;
  // Predicted constraint violations (foreign keys, unique, NOT NULL, CHECK).
  std::vector<PlanIssue> violations;
  // Differences the plan cannot restore (schema): shown, and refused.
  std::vector<std::string> schema_issues;
  // Notes that do not stop the plan (tables only live, left alone, ...).
  std::vector<std::string> notes;
  bool overwrite_unsaved = false;

  uint64_t TotalRows() const;
  // The PlanDigest of every planned (table, key, after) in plan order: what
  // the live source must hold for these records once the plan is applied.
  // `ids` gives large values their chunk ids (a dry-run ChunkedValueStore).
  Result<std::string> ExpectedDigest(LargeValueStore* ids) const;
  // Why the plan may not be applied ("" when it may).
  std::string RefusalReason() const;
};

// SHA-256 over lp(table) || lp(key) || present:u8 [|| lp(stored record)]
// for each record in plan order (docs/guide/rollback.md, "Verification").
class PlanDigest {
 public:
  void Add(const std::string& table, const std::string& key, const std::string* record);
  std::string Finish() { return hasher_.Finish(); }

 private:
  Sha256Hasher hasher_;
  std::string buf_;
};

struct RollbackScope {
  std::vector<std::string> tables;  // empty: every table
  std::vector<std::string> keys;    // key texts (ParseKey); REQUIRES one table
  // A record the plan re-creates brings back, from the snapshot, the children
  // its deletion took with it (ON DELETE CASCADE) and the links it cleared
  // (ON DELETE SET NULL), marked related. False: leave them out
  // (--without-children).
  bool with_children = true;
};

// A child -> parent relation the planner follows: a SQL foreign key of the
// live schema, or a relation the platform keeps outside SQL (declared in
// tidemark.toml, later from a profile). Column lists name the child's and
// the parent's columns; `to` empty: the parent's key.
struct PlanRelation {
  std::string child, parent;
  std::vector<std::string> from, to;
  std::string on_delete;  // "CASCADE", "SET NULL", ... (a declared relation: its own, "" unknown)
};

// The relations declared in tidemark.toml ([[source.relation]]).
std::vector<PlanRelation> DeclaredRelations(const std::vector<Relation>& declared);

// Every relation of `schema` (its foreign keys), then `declared`.
std::vector<PlanRelation> RelationsOf(const SourceSchema& schema,
                                      const std::vector<PlanRelation>& declared);

enum class RevertPreference { kNone, kRevert, kLive };

// The live source as the planner reads it: one consistent read view (one
// read transaction for SQLite) and point lookups inside it. Destroying it
// ends the view; do so before anything is written.
struct LiveView {
  SourceRef ref;
  std::unique_ptr<SourceReader> reader;
  std::unique_ptr<LiveLookup> lookup;  // declared last: destroyed before `reader`
};
// Opens `live` through its connector. The errors of Connector::OpenReader
// and OpenLookup.
Result<LiveView> OpenLiveView(const SourceRef& live, int lock_wait_ms = 10000);

// What the planner reads: the live source, the repository's trees, and the
// snapshots involved.
struct PlanInputs {
  LiveView* live = nullptr;
  NodeCache* cache = nullptr;
  const Repository* repo = nullptr;
  const SnapshotInfo* newest = nullptr;  // may be null (no snapshot yet)
  // Older snapshots of the source, newest first: a live version that one of
  // them holds is saved too (after a rollback, live holds the target's
  // versions while the newest snapshot is the safety snapshot). Callers pass
  // at most kUnsavedLookback of them.
  std::vector<const SnapshotInfo*> older;
  // Relations beyond the schema's foreign keys (declared ones).
  std::vector<PlanRelation> declared;
  bool show_progress = false;  // a progress line: records planned so far
};
inline constexpr size_t kUnsavedLookback = 15;

// rollback SOURCE --to target. InvalidArgument for a scope that names what
// does not exist.
Result<RollbackPlan> PlanRollback(const PlanInputs& in, const SnapshotInfo& target,
                                  const RollbackScope& scope);

// revert SOURCE A..B: records that differ between a and b; live == b's ->
// a's; live == a's -> nothing; else a conflict handled by `prefer`. With
// scope.keys, only those records of the one table (InvalidArgument for a key
// that neither A, B nor live holds).
Result<RollbackPlan> PlanRevert(const PlanInputs& in, const SnapshotInfo& a, const SnapshotInfo& b,
                                const RollbackScope& scope, RevertPreference prefer);

}  // namespace tidemark
