// The connector interfaces (DESIGN.md §6, docs/architecture.md "Connectors"):
// what the use cases in ops/ may ask of any source. A connector is one
// folder under sources/ (sources/sqlite/ today), registered by its URI
// scheme in a ConnectorRegistry; ops/ never learns which one it holds.
// This layer never sees the repository.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "base/result.h"
#include "records/schema.h"
#include "records/value.h"
#include "sources/probe.h"

namespace tidemark {

class LiveLookup;  // sources/live_target.h
class LiveTarget;

// One row of a table scan: the key tuple and the record (records/value.h).
struct SourceRow {
  std::vector<Value> key;
  Record record;
};

// A read-only view of one committed state of a source: every call sees the
// same state (one read transaction, or what the source offers instead), while
// the app keeps writing. Not thread-safe; use from one thread at a time.
class SourceReader {
 public:
  virtual ~SourceReader() = default;

  // The source's schema as read when the view was opened.
  virtual const SourceSchema& schema() const = 0;
  // Calls fn for each row of `table` in key order (records.md §4: the order
  // of the encoded keys). REQUIRES: table.has_records(). The row passed to fn
  // is reused between calls. Stops at the first error fn returns.
  virtual Status Scan(const TableSchema& table,
                      const std::function<Status(const SourceRow&)>& fn) = 0;
  // Number of rows of `table`, for progress.
  virtual Result<uint64_t> CountRows(const TableSchema& table) = 0;
  // The source's own structural check inside this view (for SQLite, PRAGMA
  // quick_check): the problems found, at most 10; empty when none, or when
  // the source has no such check.
  virtual Result<std::vector<std::string>> IntegrityProblems() = 0;
};

// A new copy of a source being written (restore, drills): staged out of
// sight, loaded table by table, finished, optionally read back, then
// published at its location in one step. Destroying it before Publish
// discards everything staged; nothing partial is ever at the location.
// Not thread-safe; use from one thread at a time.
//
// A bulk load: nothing is visible before Publish and a failed load is
// discarded, never repaired, so a target should load the fastest way its
// source has, without journalling or syncing each write (Finish makes the
// copy durable once), with secondary structures (indexes) built after the
// rows, and each table's rows arrive in key order (records.md §4) for an
// append-ordered load. The caller decodes the next rows on another thread
// meanwhile, so InsertBatch should not wait for anything but the source.
class RestoreTarget {
 public:
  virtual ~RestoreTarget() = default;

  // Starts loading `table` (one selected at creation that has records).
  virtual Status BeginTable(const TableSchema& table) = 0;
  // One row with its exact types. REQUIRES: values resolved (no
  // references); rows of a table in key order. A row of the wrong shape is
  // InvalidArgument; a row that breaks a constraint is Corruption (an
  // inconsistent snapshot).
  virtual Status Insert(const SourceRow& row) = 0;
  // Consecutive rows of the table, as Insert takes them one by one (the
  // default). A target whose source loads faster in batches (a COPY stream)
  // overrides it. Stops at the first row that fails.
  virtual Status InsertBatch(std::span<const SourceRow> rows) {
    for (const SourceRow& row : rows) TM_RETURN_IF_ERROR(Insert(row));
    return Status::OK();
  }
  virtual Status EndTable() = 0;
  // Creates the remaining schema objects and makes the staged copy durable.
  virtual Status Finish() = 0;
  // A read view of the staged copy, for verification before Publish.
  // REQUIRES: Finish() succeeded.
  virtual Result<std::unique_ptr<SourceReader>> OpenStaged() = 0;
  // Moves the staged copy to its location (replacing what is there when the
  // target was created with replace) and makes that durable.
  virtual Status Publish() = 0;
  // Size of the published copy in bytes (0 when the connector cannot tell).
  virtual uint64_t bytes() const = 0;
  // What a partial restore (RestoreTargetOptions::tables) left out of the
  // schema because it reaches tables not restored ("FK CONSTRAINT ..."), for
  // the report; empty by default.
  virtual std::vector<std::string> left_out() const { return {}; }
};

struct RestoreTargetOptions {
  // Tables to create (empty = all); the caller has already added what must
  // come with them (internal tables of a virtual table, counter tables).
  std::vector<std::string> tables;
  bool replace = false;  // an existing copy at the location is replaced
  unsigned mode = 0600;  // file mode where the target is a file (decrypted data)
};

// Where a drill restores its scratch copy (docs/guide/drills.md, "The
// scratch copy"): the connector decides what a copy of its kind is (a file
// in a private folder, a database on a server) and what it is named.
struct ScratchRequest {
  std::string name;    // the drill plan's name, part of the copy's name
  std::string dir;     // a folder for a copy that is a file ("" = $TMPDIR or /tmp)
  std::string server;  // a location of this kind naming the server for a copy
                       // that is a database ("" = the source's own server)
  std::string source;  // the location of the snapshot's source
};

// A secret a connector needs to reach its source (a database password),
// asked for only when a connection is made. The config layer makes one from
// a source's password_file or password_command (config/secret.h).
using SecretProvider = std::function<Result<std::string>()>;

class Connector;

// One kind of source, behind its URI scheme. Stateless and thread-safe;
// every method may be called on a shared instance.
class Connector {
 public:
  virtual ~Connector() = default;

  // The URI scheme without the colon ("sqlite"), and what a location is
  // ("PATH of the app's SQLite file"), for messages.
  virtual std::string_view scheme() const = 0;
  virtual std::string_view location_help() const = 0;

  // `location` as it should be recorded, so that later commands (diff
  // against live, rollback) find the same source from anywhere: for a file,
  // its absolute path. Unchanged when it cannot be resolved.
  virtual std::string Canonical(const std::string& location) const = 0;

  // This connector with a password for every connection it makes, instead
  // of what its kind finds by itself (PGPASSFILE): a new instance, as
  // stateless as this one. InvalidArgument (the default) for a kind that
  // takes no password.
  virtual Result<std::shared_ptr<const Connector>> WithPassword(SecretProvider password) const;

  // A consistent read view of the source at `location` (the URI after
  // "scheme:"). NotFound when there is no such source; InvalidArgument when
  // it is not one of this kind; Refused when it stays locked past
  // `lock_wait_ms`.
  virtual Result<std::unique_ptr<SourceReader>> OpenReader(const std::string& location,
                                                           int lock_wait_ms) const = 0;

  // A restore target at `location` for `schema`. AlreadyExists (saying how
  // to replace it) when a copy is there and !options.replace; NotFound for
  // an unknown table in options.tables; Unsupported when this connector
  // cannot hold what the schema needs.
  virtual Result<std::unique_ptr<RestoreTarget>> CreateRestoreTarget(
      const std::string& location, const SourceSchema& schema,
      const RestoreTargetOptions& options) const = 0;

  // Point lookups inside `view`'s consistent state (rollback planning; see
  // sources/live_target.h). REQUIRES: `view` came from this connector's
  // OpenReader and outlives the lookup. Unsupported when the connector has
  // no live target.
  virtual Result<std::unique_ptr<LiveLookup>> OpenLookup(SourceReader* view) const = 0;

  // The live source at `location` for writing (rollback, revert): nothing
  // is locked until LiveTarget::BeginWrite. NotFound when there is no such
  // source (saying how to give its location); IOError when it cannot be
  // opened for writing; Unsupported when the connector cannot write.
  virtual Result<std::unique_ptr<LiveTarget>> OpenLive(const std::string& location) const = 0;

  // A read-only probe (sources/probe.h) on the copy of a source at
  // `location`: one a drill restored, or the live source an assertion
  // compares with. NotFound when there is none; InvalidArgument when it is
  // not one of this kind.
  virtual Result<std::unique_ptr<SourceProbe>> OpenProbe(const std::string& location) const = 0;

  // A fresh location, private to one drill run, where CreateRestoreTarget
  // can make a scratch copy (nothing is there yet). IOError saying what to
  // set when it cannot be made; Unsupported when this connector cannot hold
  // a scratch copy (the default).
  virtual Result<std::string> CreateScratch(const ScratchRequest& request) const;
  // Removes the scratch copy at `location` (from CreateScratch) and all the
  // restore and the probe left there; OK when nothing is there.
  virtual Status DropScratch(const std::string& location) const;

  // The table of `schema` that internal table `t` (TableKind::kInternal)
  // belongs to and follows in every selection; null when none.
  virtual const TableSchema* OwnerOf(const SourceSchema& schema, const TableSchema& t) const = 0;

  // The name of IntegrityProblems' check ("SQLite's quick_check") and what to
  // do about a source that fails it, for messages.
  virtual std::string_view integrity_check_name() const = 0;
  virtual std::string_view integrity_repair_hint() const = 0;
};

// A source as the use cases hold it: its connector and its location.
struct SourceRef {
  const Connector* connector = nullptr;
  std::string location;
  // Keeps a connector made for this source alive (Connector::WithPassword);
  // null for a registered one.
  std::shared_ptr<const Connector> owned;

  std::string uri() const;  // "scheme:location"
  bool valid() const { return connector != nullptr; }
};

// URI scheme -> connector. Register at start-up (BuiltinConnectors() in
// sources/builtin/ holds the connectors of this build); lookups are then
// read-only and thread-safe.
class ConnectorRegistry {
 public:
  void Register(std::unique_ptr<Connector> c);
  // Null when no connector has `scheme`.
  const Connector* Find(std::string_view scheme) const;
  // "scheme:location" -> SourceRef. InvalidArgument, listing the schemes
  // this build knows and what their locations are, for anything else.
  Result<SourceRef> Resolve(const std::string& uri) const;
  // The registered schemes, in registration order.
  std::vector<std::string> Schemes() const;

 private:
  std::vector<std::unique_ptr<Connector>> connectors_;
};

// The scheme of "scheme:rest" (letters, digits, '+', '-', '.', starting with
// a letter, as RFC 3986); "" when `uri` has none.
std::string_view UriScheme(std::string_view uri);

}  // namespace tidemark
