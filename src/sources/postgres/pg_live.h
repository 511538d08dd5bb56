// Writing to a live PostgreSQL database (rollback and revert,
// docs/guide/postgres.md "Rollback and revert"): the PostgreSQL LiveLookup
// and LiveTarget (sources/live_target.h). The plan that decides what to
// write lives in ops/; this layer only executes statements exactly and
// reports constraint failures as values. Internal to sources/.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "base/result.h"
#include "records/schema.h"
#include "sources/live_target.h"
#include "sources/postgres/pg_connection.h"
#include "sources/postgres/pg_location.h"
#include "sources/postgres/pg_types.h"

namespace tidemark::pg {

// The live types of one table's stored columns (in record order).
struct PgLiveTable {
  std::string qualified;             // "schema"."table", quoted
  std::vector<const PgType*> types;  // per stored column
  // Each stored column's type without its modifier (format_type(oid,
  // NULL)), for the parameters' casts: an explicit cast to varchar(3) or
  // numeric(5,2) would cut or round silently, while the assignment to the
  // column refuses a value that does not fit (class 22: Refused).
  std::vector<std::string> decl;
  std::vector<std::string> names;  // each stored column's name
  std::unique_ptr<PgTypeCatalog> catalog;
};

// Point lookups on `conn` inside whatever transaction it has (the read
// view's REPEATABLE READ READ ONLY one while planning, the write
// transaction while applying). Keys are compared as the scan orders them
// (OrderExpression, records.md §4.2) and then exactly (same values); other
// columns with the column type's own equality. Rows come in the layout of
// the reader's Scan. Not thread-safe; must not outlive the connection.
class PgLookup final : public LiveLookup {
 public:
  // `writing`: inside the write transaction, where a default that changes
  // the database when evaluated (nextval) may be evaluated.
  PgLookup(PgConnection* conn, bool writing) : conn_(conn), writing_(writing) {}

  Result<bool> Get(const TableSchema& t, const std::vector<Value>& key, SourceRow* row) override;
  Status ForEachWhere(const TableSchema& t, const std::vector<std::string>& columns,
                      const std::vector<Value>& values,
                      const std::function<Status(const SourceRow&)>& fn) override;
  Result<bool> AnyWhere(const TableSchema& t, const std::vector<std::string>& columns,
                        const std::vector<Value>& values) override;
  // `SELECT (default_sql)::decl_type`, decoded by the column's type. While
  // planning (read only) a default that writes (nextval) is Unsupported,
  // naming the column: planning changes nothing, and a sequence's draw
  // cannot be undone.
  Result<Value> DefaultValue(const TableSchema& t, int column) override;

  // The live types of `t` (read from the catalog once per table).
  Result<const PgLiveTable*> Table(const TableSchema& t);
  // The condition that matches the row whose key is `key`, with the key's
  // values appended to *params ($N numbered after what *params holds).
  Result<std::string> KeyCondition(const TableSchema& t, const std::vector<Value>& key,
                                   std::vector<std::optional<std::string>>* params);

 private:
  Status Select(const TableSchema& t, const std::string& where,
                const std::vector<std::optional<std::string>>& params, std::string_view doing,
                std::vector<SourceRow>* rows);
  Result<std::string> ColumnsEqual(const TableSchema& t, const std::vector<std::string>& columns,
                                   const std::vector<Value>& values,
                                   std::vector<std::optional<std::string>>* params);

  PgConnection* conn_;
  bool writing_;
  std::map<std::string, std::unique_ptr<PgLiveTable>> tables_;
};

// A lookup in the read transaction of `view` (a reader OpenPgReader made).
// Internal when `view` is not one.
Result<std::unique_ptr<LiveLookup>> OpenPgLookup(SourceReader* view);

// A read-write session on a live database (its own connection). One write
// transaction at a time: REPEATABLE READ, so that a row the app changes
// while the apply runs is a serialization failure (Refused), not a lost
// update.
class PgLive final : public LiveTarget {
 public:
  // Errors as PgConnection::Open (kWrite).
  static Result<std::unique_ptr<PgLive>> Open(const PgLocation& loc, const PgAuth& auth);
  // Rolls back a transaction that was not committed.
  ~PgLive() override;

  // Atomic and constraint-checked; triggers suspendable when the role may
  // set session_replication_role (a superuser; from PostgreSQL 15 also a
  // role granted SET on that parameter).
  LiveCapabilities capabilities() const override { return {true, can_replicate_, true}; }

  // BEGIN ISOLATION LEVEL REPEATABLE READ, lock_timeout = the wait, every
  // deferrable constraint deferred to COMMIT, then every table of the
  // database locked ROW EXCLUSIVE (what writing takes anyway; the app keeps
  // reading and writing, only DDL, VACUUM FULL and the like wait). Refused
  // naming the wait when a lock stays held.
  Status BeginWrite(int lock_wait_ms, int64_t* waited_us) override;
  PgLookup* lookup() override { return lookup_.get(); }

  // SET LOCAL session_replication_role = replica: no ordinary trigger
  // fires for the apply's writes (nor the foreign keys' own triggers: their
  // checks and cascades are off, as the interface asks; ops/ checks the
  // relations before COMMIT). *count: the enabled user triggers on
  // `tables` that stop firing. RestoreTriggers sets it back to origin.
  Status SuspendTriggers(const std::vector<std::string>& tables, size_t* count) override;
  Status RestoreTriggers() override;

  // Each in its own savepoint: a constraint failure (SQLSTATE class 23) or
  // a value the column refuses (class 22) is Refused with the server's
  // message and undone, the transaction goes on. While foreign keys are
  // live (triggers not suspended) a delete or key change that the server
  // would cascade to rows the plan does not write is Refused first.
  Status Insert(const TableSchema& t, const SourceRow& row) override;
  Status Update(const TableSchema& t, const SourceRow& current, const SourceRow& row) override;
  Status Delete(const TableSchema& t, const SourceRow& current) override;

  Status Commit() override;
  Status Rollback() override;

 private:
  PgLive() = default;
  // Runs one write in a savepoint; Refused for the failures above.
  Status WriteOne(const TableSchema& t, const std::string& sql,
                  const std::vector<std::optional<std::string>>& params, std::string_view doing);
  // Refused when changing `parent_cols` of `current` would make the server
  // cascade to (or set in) rows of another table.
  Status GuardCascades(const TableSchema& t, const SourceRow& current, bool deleting,
                       const std::vector<std::string>& changed);
  // LOCK TABLE ONLY `tables` (a quoted, comma-separated list) ROW EXCLUSIVE.
  Status LockAll(const std::string& tables, int lock_wait_ms, int64_t* waited_us);

  // A foreign key that refers to a table, as the catalog holds it.
  struct Referrer {
    std::string name, child;                // constraint; referring table (regclass text)
    char on_delete = 'a', on_update = 'a';  // pg_constraint confdeltype, confupdtype
    std::vector<std::string> child_cols, parent_cols;
  };
  Result<const std::vector<Referrer>*> ReferrersOf(const TableSchema& t);

  std::unique_ptr<PgConnection> conn_;
  std::unique_ptr<PgLookup> lookup_;
  bool can_replicate_ = false;
  bool in_txn_ = false;
  bool suspended_ = false;
  std::map<std::string, std::vector<Referrer>> referrers_;  // by PgLiveTable::qualified
};

}  // namespace tidemark::pg
