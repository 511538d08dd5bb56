// The one adapter over libpq every PostgreSQL connector file uses: a
// connection, query results, COPY in both directions, quoting, and the one
// mapping of server errors (SQLSTATE) to a Status (docs/guide/postgres.md,
// "Errors"). No message it builds holds a credential. Internal to sources/.
#pragma once

#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/result.h"
#include "sources/postgres/pg_location.h"

struct pg_conn;
struct pg_result;

namespace tidemark::pg {

// How to authenticate beyond what libpq finds itself (PGPASSFILE,
// ~/.pgpass, PGPASSWORD): a password obtained by the caller (a
// password_command), passed to the server and never stored or printed.
struct PgAuth {
  std::optional<std::string> password;
};

// One query's result (owns the PGresult).
class PgResult {
 public:
  explicit PgResult(pg_result* r) : r_(r) {}
  ~PgResult();
  PgResult(PgResult&& o) noexcept : r_(o.r_) { o.r_ = nullptr; }
  PgResult& operator=(PgResult&& o) noexcept;
  PgResult(const PgResult&) = delete;
  PgResult& operator=(const PgResult&) = delete;

  int rows() const;
  int columns() const;
  bool is_null(int row, int col) const;
  // The value as text (or bytes, in a binary result); "" for NULL.
  std::string_view value(int row, int col) const;
  std::string text(int row, int col) const { return std::string(value(row, col)); }
  // The column's index by name, -1 when absent.
  int column(std::string_view name) const;
  // The name of column `col` (0-based).
  std::string_view column_name(int col) const;

 private:
  pg_result* r_;
};

// What a connection is being used for, for messages (as sqlite's Access).
enum class Access { kRead, kWrite };

class PgConnection {
 public:
  // Connects to `loc` (connect_timeout 10 s unless the URI sets one).
  // IOError when the server cannot be reached (saying where it tried),
  // PermissionDenied for a refused login (exit 5: wrong password, no
  // password, no pg_hba entry), NotFound when the database does not exist,
  // Refused while the server is starting, stopping or in recovery and
  // `access` is kWrite.
  static Result<std::unique_ptr<PgConnection>> Open(const PgLocation& loc, const PgAuth& auth,
                                                    Access access = Access::kRead);
  ~PgConnection();
  PgConnection(const PgConnection&) = delete;
  PgConnection& operator=(const PgConnection&) = delete;

  // Runs `sql` (one or more statements; the last one's result is returned).
  // `doing` says what for, in error messages ("reading the schema").
  Result<PgResult> Exec(std::string_view sql, std::string_view doing);
  // One statement with text parameters ($1, $2, ...; nullopt = NULL).
  // `binary`: the result's values come in the types' binary form (as in a
  // binary COPY, for DecodeBinaryField) instead of text.
  Result<PgResult> ExecParams(std::string_view sql,
                              const std::vector<std::optional<std::string>>& params,
                              std::string_view doing, bool binary = false);
  // Runs `sql` without a result worth keeping.
  Status Run(std::string_view sql, std::string_view doing);

  // COPY ... TO STDOUT: calls `fn` with each data row's bytes (one row in
  // text or CSV format; the whole stream in chunks for binary format, as
  // libpq delivers them). Stops at the first error of `fn`, cancelling the
  // COPY and draining the connection so it stays usable.
  Status CopyOut(std::string_view sql, std::string_view doing,
                 const std::function<Status(std::string_view)>& fn);
  // COPY ... FROM STDIN: `fill` is called repeatedly to append the next
  // bytes to *buf (cleared before each call) and returns false when there is
  // no more; an error from `fill` aborts the COPY (nothing is loaded).
  Status CopyIn(std::string_view sql, std::string_view doing,
                const std::function<Result<bool>(std::string* buf)>& fill);

  // COPY ... FROM STDIN pushed by the caller, for data that arrives row by
  // row (a restore): BeginCopyIn, PutCopyData any number of times (libpq
  // sends as it goes, so the server parses while the caller encodes), then
  // EndCopyIn. EndCopyIn with a non-OK `failed` aborts the COPY (nothing is
  // loaded) and returns `failed`; else the COPY's result (the server's
  // refusal of a row shows here). REQUIRES: nothing else runs on the
  // connection between Begin and End.
  Status BeginCopyIn(std::string_view sql, std::string_view doing);
  Status PutCopyData(std::string_view data, std::string_view doing);
  Status EndCopyIn(const Status& failed, std::string_view doing);

  // Identifier and literal quoting by the server's rules ("a""b", 'it''s').
  std::string QuoteIdent(std::string_view name) const;
  std::string QuoteLiteral(std::string_view text) const;

  int server_version() const;  // e.g. 150018
  // The SQLSTATE of the last statement that failed on the server ("" when
  // the last failure was on the client side), for callers that treat some
  // classes specially (a live target's constraint failures).
  const std::string& last_error_state() const { return last_state_; }
  // The location as recorded (no password), for messages.
  const std::string& where() const { return where_; }

 private:
  PgConnection(pg_conn* c, std::string where) : c_(c), where_(std::move(where)) {}
  Status ResultStatus(pg_result* r, std::string_view doing) const;
  Status StartCopy(std::string_view sql, std::string_view doing, bool out);
  // Collects the remaining results of the current command: the first error.
  Status FinishCommand(std::string_view doing);
  void Cancel();  // asks the server to stop the running command

  pg_conn* c_;
  std::string where_;
  mutable std::string last_state_;
};

// The mapping of one server error to a Status: SQLSTATE `state` with the
// server's `message` while `doing` at `where`. Class 28 (authorization) and
// 42501 (insufficient_privilege, message naming the privilege) are
// PermissionDenied; lock_not_available (55P03), query_canceled by a
// timeout (57014), serialization failures (40001, 40P01), read-only
// transactions (25006) and a server in recovery or starting (57P03) are
// Refused; undefined database/table/schema are NotFound; data exceptions
// (class 22) and integrity violations (class 23) are InvalidArgument (the
// caller turns them into Corruption when the data came from a snapshot);
// connection failures (class 08) and everything else IOError.
Status StatusFromSqlState(std::string_view state, std::string_view message, std::string_view doing,
                          std::string_view where);

// `s` (the failure of the last statement on `conn`), or, when that
// statement waited past lock_timeout (55P03), Refused naming the wait
// (`lock_wait_ms`) and what to do: for callers that know the wait they set.
Status NameLockWait(const PgConnection& conn, int lock_wait_ms, const Status& s);

}  // namespace tidemark::pg
