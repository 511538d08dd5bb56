#include "sources/postgres/pg_connection.h"

#include <libpq-fe.h>

#include <cstring>

namespace tidemark::pg {
namespace {

std::string Trim(std::string_view s) {
  while (!s.empty() && (s.back() == '\n' || s.back() == ' ')) s.remove_suffix(1);
  return std::string(s);
}

bool Contains(std::string_view s, std::string_view part) {
  return s.find(part) != std::string_view::npos;
}

// A failed connection attempt: libpq gives text only (no SQLSTATE), so the
// server's well-known messages are matched.
Status ConnectStatus(pg_conn* c, const std::string& where) {
  std::string msg = Trim(PQerrorMessage(c));
  std::string head = "cannot connect to " + where + ": " + msg;
  if (PQconnectionNeedsPassword(c)) {
    return Status::PermissionDenied(head +
                                    "; give the password in PGPASSFILE or the source's "
                                    "password_command");
  }
  if (Contains(msg, "password authentication failed") || Contains(msg, "pg_hba.conf") ||
      Contains(msg, "authentication failed") || Contains(msg, "permission denied")) {
    return Status::PermissionDenied(head + "; check the user and its password");
  }
  if (Contains(msg, "does not exist")) {
    return Status::NotFound(head + "; check the database name, or create it");
  }
  if (Contains(msg, "starting up") || Contains(msg, "shutting down") ||
      Contains(msg, "in recovery mode") || Contains(msg, "not yet accepting")) {
    return Status::Refused(head + "; try again when the server accepts connections");
  }
  return Status::IOError(head + "; check that the server runs and that HOST:PORT is right");
}

}  // namespace

PgResult::~PgResult() {
  if (r_ != nullptr) PQclear(r_);
}

PgResult& PgResult::operator=(PgResult&& o) noexcept {
  if (this != &o) {
    if (r_ != nullptr) PQclear(r_);
    r_ = o.r_;
    o.r_ = nullptr;
  }
  return *this;
}

int PgResult::rows() const { return PQntuples(r_); }
int PgResult::columns() const { return PQnfields(r_); }
bool PgResult::is_null(int row, int col) const { return PQgetisnull(r_, row, col) != 0; }

std::string_view PgResult::value(int row, int col) const {
  return std::string_view(PQgetvalue(r_, row, col), static_cast<size_t>(PQgetlength(r_, row, col)));
}

std::string_view PgResult::column_name(int col) const { return PQfname(r_, col); }

int PgResult::column(std::string_view name) const {
  for (int i = 0; i < columns(); ++i) {
    if (name == PQfname(r_, i)) return i;
  }
  return -1;
}

Status StatusFromSqlState(std::string_view state, std::string_view message, std::string_view doing,
                          std::string_view where) {
  std::string text = std::string(doing) + " at " + std::string(where) + ": " +
                     std::string(message) + " (SQLSTATE " + std::string(state) + ")";
  std::string_view cls = state.substr(0, 2);
  if (cls == "28" || state == "42501") {
    return Status::PermissionDenied(text +
                                    "; grant the privilege it names, or use a role "
                                    "that has it");
  }
  if (state == "55P03" || state == "57014") {
    return Status::Refused(text +
                           "; a lock was held past the wait: try again, or raise "
                           "--lock-timeout");
  }
  if (state == "40001" || state == "40P01" || state == "25006" || state == "57P03" ||
      state == "25P02") {
    return Status::Refused(text);
  }
  if (state == "3D000" || state == "42P01" || state == "3F000" || state == "42704") {
    return Status::NotFound(text);
  }
  if (cls == "22" || cls == "23") return Status::InvalidArgument(text);
  return Status::IOError(text);
}

Status NameLockWait(const PgConnection& conn, int lock_wait_ms, const Status& s) {
  if (s.ok() || conn.last_error_state() != "55P03") return s;
  return Status::Refused(conn.where() + ": another session held a lock on a table for more than " +
                         std::to_string(lock_wait_ms) +
                         " ms (a schema change, VACUUM FULL or an explicit LOCK TABLE); nothing "
                         "was changed. Retry when it is done, or raise --lock-timeout");
}

Result<std::unique_ptr<PgConnection>> PgConnection::Open(const PgLocation& loc, const PgAuth& auth,
                                                         Access access) {
  std::vector<std::pair<std::string, std::string>> kw = loc.Keywords();
  auto has = [&](std::string_view k) {
    for (const auto& p : kw) {
      if (p.first == k) return true;
    }
    return false;
  };
  if (!has("connect_timeout")) kw.emplace_back("connect_timeout", "10");
  if (!has("application_name")) kw.emplace_back("application_name", "tidemark");
  kw.emplace_back("client_encoding", "UTF8");
  if (auth.password) kw.emplace_back("password", *auth.password);
  std::vector<const char*> keys, values;
  for (const auto& [k, v] : kw) {
    keys.push_back(k.c_str());
    values.push_back(v.c_str());
  }
  keys.push_back(nullptr);
  values.push_back(nullptr);
  pg_conn* c = PQconnectdbParams(keys.data(), values.data(), 0);
  std::string where = loc.Uri();
  if (c == nullptr) return Status::IOError("cannot connect to " + where + ": out of memory");
  if (PQstatus(c) != CONNECTION_OK) {
    Status s = ConnectStatus(c, where);
    PQfinish(c);
    return s;
  }
  std::unique_ptr<PgConnection> conn(new PgConnection(c, where));
  if (access == Access::kWrite) {
    auto r = conn->Exec("SELECT pg_is_in_recovery()", "checking that the server is a primary");
    if (!r.ok()) return r.status();
    if (r->value(0, 0) == "t") {
      return Status::Refused(where + " is in recovery (a standby): writes need the primary");
    }
  }
  return conn;
}

PgConnection::~PgConnection() { PQfinish(c_); }

Status PgConnection::ResultStatus(pg_result* r, std::string_view doing) const {
  if (r == nullptr) {
    last_state_.clear();
    return Status::IOError(std::string(doing) + " at " + where_ + ": " + Trim(PQerrorMessage(c_)));
  }
  ExecStatusType st = PQresultStatus(r);
  if (st == PGRES_COMMAND_OK || st == PGRES_TUPLES_OK || st == PGRES_COPY_OUT ||
      st == PGRES_COPY_IN || st == PGRES_EMPTY_QUERY) {
    return Status::OK();
  }
  const char* state = PQresultErrorField(r, PG_DIAG_SQLSTATE);
  const char* primary = PQresultErrorField(r, PG_DIAG_MESSAGE_PRIMARY);
  std::string message = primary != nullptr ? primary : Trim(PQresultErrorMessage(r));
  if (const char* detail = PQresultErrorField(r, PG_DIAG_MESSAGE_DETAIL); detail != nullptr) {
    message += " (" + std::string(detail) + ")";
  }
  last_state_ = state != nullptr ? state : "";
  if (state == nullptr) {  // a client-side failure: the connection broke
    return Status::IOError(std::string(doing) + " at " + where_ + ": " + message);
  }
  return StatusFromSqlState(state, message, doing, where_);
}

Result<PgResult> PgConnection::Exec(std::string_view sql, std::string_view doing) {
  return ExecParams(sql, {}, doing);
}

Result<PgResult> PgConnection::ExecParams(std::string_view sql,
                                          const std::vector<std::optional<std::string>>& params,
                                          std::string_view doing, bool binary) {
  std::vector<const char*> values;
  for (const auto& p : params) values.push_back(p ? p->c_str() : nullptr);
  std::string text(sql);
  pg_result* raw = params.empty() && !binary
                       ? PQexec(c_, text.c_str())
                       : PQexecParams(c_, text.c_str(), static_cast<int>(values.size()), nullptr,
                                      values.data(), nullptr, nullptr, binary ? 1 : 0);
  PgResult r(raw);
  if (Status s = ResultStatus(raw, doing); !s.ok()) return s;
  return r;
}

Status PgConnection::Run(std::string_view sql, std::string_view doing) {
  auto r = Exec(sql, doing);
  return r.ok() ? Status::OK() : r.status();
}

Status PgConnection::FinishCommand(std::string_view doing) {
  Status first;
  while (pg_result* r = PQgetResult(c_)) {
    Status s = ResultStatus(r, doing);
    if (!s.ok() && first.ok()) first = s;
    PQclear(r);
  }
  return first;
}

Status PgConnection::StartCopy(std::string_view sql, std::string_view doing, bool out) {
  pg_result* raw = PQexec(c_, std::string(sql).c_str());
  PgResult start(raw);
  if (Status s = ResultStatus(raw, doing); !s.ok()) return s;
  if (PQresultStatus(raw) != (out ? PGRES_COPY_OUT : PGRES_COPY_IN)) {
    return Status::Internal(std::string(doing) + ": the statement did not start a COPY");
  }
  return Status::OK();
}

void PgConnection::Cancel() {
  PGcancel* cancel = PQgetCancel(c_);
  if (cancel == nullptr) return;
  char err[256];
  PQcancel(cancel, err, sizeof err);
  PQfreeCancel(cancel);
}

Status PgConnection::CopyOut(std::string_view sql, std::string_view doing,
                             const std::function<Status(std::string_view)>& fn) {
  if (Status s = StartCopy(sql, doing, /*out=*/true); !s.ok()) return s;
  Status failed;
  for (;;) {
    char* buf = nullptr;
    int n = PQgetCopyData(c_, &buf, 0);
    if (n == -1) break;  // the COPY is done
    if (n == -2) {
      if (failed.ok()) {
        failed =
            Status::IOError(std::string(doing) + " at " + where_ + ": " + Trim(PQerrorMessage(c_)));
      }
      break;
    }
    Status s = failed.ok() ? fn(std::string_view(buf, static_cast<size_t>(n))) : Status::OK();
    PQfreemem(buf);
    if (!s.ok()) {  // stop the server, then drain what it already sent
      failed = s;
      Cancel();
    }
  }
  Status end = FinishCommand(doing);
  return failed.ok() ? end : failed;
}

Status PgConnection::CopyIn(std::string_view sql, std::string_view doing,
                            const std::function<Result<bool>(std::string* buf)>& fill) {
  if (Status s = StartCopy(sql, doing, /*out=*/false); !s.ok()) return s;
  Status failed;
  std::string buf;
  for (bool more = true; more;) {
    buf.clear();
    Result<bool> r = fill(&buf);
    if (!r.ok()) {
      failed = r.status();
      break;
    }
    more = *r;
    if (!buf.empty() && PQputCopyData(c_, buf.data(), static_cast<int>(buf.size())) != 1) {
      failed =
          Status::IOError(std::string(doing) + " at " + where_ + ": " + Trim(PQerrorMessage(c_)));
      break;
    }
  }
  if (PQputCopyEnd(c_, failed.ok() ? nullptr : "tidemark stopped the load") != 1 && failed.ok()) {
    failed =
        Status::IOError(std::string(doing) + " at " + where_ + ": " + Trim(PQerrorMessage(c_)));
  }
  Status end = FinishCommand(doing);
  return failed.ok() ? end : failed;
}

Status PgConnection::BeginCopyIn(std::string_view sql, std::string_view doing) {
  return StartCopy(sql, doing, /*out=*/false);
}

Status PgConnection::PutCopyData(std::string_view data, std::string_view doing) {
  if (data.empty()) return Status::OK();
  if (PQputCopyData(c_, data.data(), static_cast<int>(data.size())) != 1) {
    return Status::IOError(std::string(doing) + " at " + where_ + ": " + Trim(PQerrorMessage(c_)));
  }
  return Status::OK();
}

Status PgConnection::EndCopyIn(const Status& failed, std::string_view doing) {
  Status first = failed;
  if (PQputCopyEnd(c_, failed.ok() ? nullptr : "tidemark stopped the load") != 1 && first.ok()) {
    first = Status::IOError(std::string(doing) + " at " + where_ + ": " + Trim(PQerrorMessage(c_)));
  }
  Status end = FinishCommand(doing);
  return first.ok() ? end : first;
}

std::string PgConnection::QuoteIdent(std::string_view name) const {
  std::string out = "\"";
  for (char c : name) {
    if (c == '"') out += '"';
    out += c;
  }
  return out + "\"";
}

std::string PgConnection::QuoteLiteral(std::string_view text) const {
  char* q = PQescapeLiteral(c_, text.data(), text.size());
  if (q == nullptr) {  // only for invalid encoding: quote by hand (E'' with doubled quotes)
    std::string out = "'";
    for (char c : text) out += c == '\'' ? std::string("''") : std::string(1, c);
    return out + "'";
  }
  std::string out(q);
  PQfreemem(q);
  return out;
}

int PgConnection::server_version() const { return PQserverVersion(c_); }

}  // namespace tidemark::pg
