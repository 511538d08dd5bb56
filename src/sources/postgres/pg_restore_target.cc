#include "sources/postgres/pg_restore_target.h"

#include <map>
#include <optional>

#include "base/crash_point.h"
#include "sources/postgres/pg_restore_plan.h"
#include "sources/postgres/pg_restore_steps.h"
#include "sources/postgres/pg_text.h"
#include "sources/postgres/pg_types.h"

namespace tidemark::pg {
namespace {

// A server's refusal of the snapshot's own data (classes 22 and 23, which
// the connection maps to InvalidArgument) is Corruption: the snapshot
// disagrees with itself. Other errors keep their class.
Status SnapshotRefused(const Status& s, const std::string& table, std::string_view what) {
  if (s.code() != Status::Code::kInvalidArgument) return s.WithContext("table " + table);
  return Status::Corruption(
      "table " + table + ": the target refused " + std::string(what) +
      " of the snapshot (the snapshot disagrees with itself): " + s.message());
}

class PgRestoreTarget final : public RestoreTarget {
 public:
  PgRestoreTarget(PgLocation loc, const SourceSchema& schema, PgRestorePlan plan,
                  PgRestoreTargetConfig config)
      : loc_(std::move(loc)),
        schema_(schema),
        plan_(std::move(plan)),
        config_(std::move(config)),
        st_(config_.fail_at_statement, &statements_) {}
  ~PgRestoreTarget() override { Abandon(); }

  // Everything before the first table: see pg_restore_target.h.
  Status Open(bool replace);

  Status BeginTable(const TableSchema& table) override;
  Status Insert(const SourceRow& row) override;
  Status EndTable() override;
  Status Finish() override;
  Result<std::unique_ptr<SourceReader>> OpenStaged() override;
  Status Publish() override;
  uint64_t bytes() const override { return bytes_; }
  std::vector<std::string> left_out() const override { return plan_.left_out; }

 private:
  Result<std::unique_ptr<PgConnection>> Admin() const;
  Status ConnectOrCreate();
  Status RunObjects(const std::vector<size_t>& objects, std::string_view section);
  Status MatchExtensionVersions();
  Status SetSequences();
  Status Flush();
  Status FailCopy(const Status& s);
  void Abandon();

  PgLocation loc_;
  SourceSchema schema_;  // a copy: the caller's may be a temporary
  PgRestorePlan plan_;
  PgRestoreTargetConfig config_;
  int statements_ = 0;
  Statements st_;
  std::unique_ptr<PgConnection> conn_;
  bool created_ = false, finished_ = false, published_ = false;
  uint64_t bytes_ = 0;
  // The table being loaded.
  std::string table_, buf_;
  std::optional<PgTypeCatalog> catalog_;
  std::vector<const PgType*> types_;
  bool chunk_sent_ = false;
  bool copying_ = false;  // a COPY is open on conn_
};

Result<std::unique_ptr<PgConnection>> PgRestoreTarget::Admin() const {
  return OpenAdmin(loc_, config_.auth);
}

Status PgRestoreTarget::ConnectOrCreate() {
  auto c = PgConnection::Open(loc_, config_.auth, Access::kWrite);
  if (c.ok()) {
    conn_ = std::move(*c);
    return CheckServerHas(&st_, conn_.get(), plan_);
  }
  if (c.status().code() != Status::Code::kNotFound) return c.status();
  TM_ASSIGN_OR_RETURN(auto admin, Admin());
  TM_RETURN_IF_ERROR(CheckServerHas(&st_, admin.get(), plan_));
  TM_ASSIGN_OR_RETURN(bool exists, DatabaseExists(&st_, admin.get(), loc_.dbname));
  if (exists) return c.status();  // it exists but refused us: say why
  TM_RETURN_IF_ERROR(CreateDatabase(&st_, admin.get(), loc_.dbname, schema_));
  created_ = true;
  TM_RETURN_IF_ERROR(MarkDatabase(&st_, admin.get(), loc_.dbname));
  TM_ASSIGN_OR_RETURN(conn_, PgConnection::Open(loc_, config_.auth, Access::kWrite));
  return Status::OK();
}

Status PgRestoreTarget::Open(bool replace) {
  TM_RETURN_IF_ERROR(ConnectOrCreate());
  TM_RETURN_IF_ERROR(SetRestoreSession(&st_, conn_.get()));
  TM_RETURN_IF_ERROR(st_.Run(conn_.get(), "BEGIN", "starting the restore's transaction"));
  TM_RETURN_IF_ERROR(RefuseOrClear(&st_, conn_.get(), loc_.dbname, replace));
  TM_RETURN_IF_ERROR(RunObjects(plan_.pre_data, "pre-data"));
  return MatchExtensionVersions();
}

Status PgRestoreTarget::RunObjects(const std::vector<size_t>& objects, std::string_view section) {
  size_t n = 0;
  for (size_t i : objects) {
    const SchemaObject& o = schema_.objects[i];
    const std::string ns = i < schema_.object_namespaces.size() ? schema_.object_namespaces[i] : "";
    const std::string what = o.type + " " + (ns.empty() ? "" : ns + ".") + o.name;
    Status s = st_.Run(conn_.get(), o.sql,
                       "creating " + what + " (" + std::string(section) + " object " +
                           std::to_string(++n) + " of " + std::to_string(objects.size()) + ")");
    if (!s.ok()) {
      if (o.tbl_name.empty()) return s;
      return SnapshotRefused(s, (ns.empty() ? "" : ns + ".") + o.tbl_name, "its " + what);
    }
  }
  return Status::OK();
}

// pg_dump's CREATE EXTENSION names no version: the server's default may
// differ from the snapshot's, which CheckServerHas found available.
Status PgRestoreTarget::MatchExtensionVersions() {
  if (plan_.extensions.empty()) return Status::OK();
  TM_ASSIGN_OR_RETURN(
      PgResult have,
      st_.Exec(conn_.get(), "SELECT extname, extversion FROM pg_catalog.pg_extension",
               "reading the extensions created"));
  std::map<std::string, std::string> installed;
  for (int i = 0; i < have.rows(); ++i) installed[have.text(i, 0)] = have.text(i, 1);
  for (const auto& [name, version] : plan_.extensions) {
    auto it = installed.find(name);
    if (it == installed.end() || version.empty() || it->second == version) continue;
    TM_RETURN_IF_ERROR(st_.Run(
        conn_.get(),
        "ALTER EXTENSION " + conn_->QuoteIdent(name) + " UPDATE TO " + conn_->QuoteLiteral(version),
        "setting extension " + name + " to the snapshot's version"));
  }
  return Status::OK();
}

Status PgRestoreTarget::BeginTable(const TableSchema& t) {
  table_ = t.QualifiedName();
  const std::string quoted = QuotedName(*conn_, t.namespace_name, t.name);
  TM_ASSIGN_OR_RETURN(
      PgResult cols,
      st_.Exec(conn_.get(),
               "SELECT attname, atttypid FROM pg_catalog.pg_attribute WHERE attrelid = " +
                   conn_->QuoteLiteral(quoted) + "::regclass AND attnum > 0 AND NOT attisdropped",
               "reading the columns of " + table_ + " as restored"));
  std::map<std::string, uint32_t> oid_of;
  for (int i = 0; i < cols.rows(); ++i) {
    oid_of[cols.text(i, 0)] = static_cast<uint32_t>(std::stoul(cols.text(i, 1)));
  }
  std::vector<uint32_t> oids;
  std::string list;
  for (int c : t.StoredColumns()) {
    const std::string& name = t.columns[size_t(c)].name;
    auto it = oid_of.find(name);
    if (it == oid_of.end()) {
      return Status::Corruption("table " + table_ + ": the snapshot's definition has no column " +
                                name + " that its records hold");
    }
    oids.push_back(it->second);
    list += (list.empty() ? "" : ", ") + conn_->QuoteIdent(name);
  }
  TM_ASSIGN_OR_RETURN(catalog_, PgTypeCatalog::Load(*conn_, oids));
  types_.clear();
  for (uint32_t oid : oids) {
    types_.push_back(catalog_->Find(oid));
    if (types_.back() == nullptr)
      return Status::Internal("type " + std::to_string(oid) + " not loaded");
  }
  buf_.clear();
  chunk_sent_ = false;
  const std::string doing = "loading the rows of " + table_;
  TM_RETURN_IF_ERROR(st_.Next(doing));
  TM_RETURN_IF_ERROR(conn_->BeginCopyIn("COPY " + quoted + " (" + list + ") FROM STDIN", doing));
  copying_ = true;
  return Status::OK();
}

// Ends the open COPY with `s` (nothing of it is loaded) and returns `s`.
Status PgRestoreTarget::FailCopy(const Status& s) {
  if (!copying_) return s;
  copying_ = false;
  return conn_->EndCopyIn(s, "loading the rows of " + table_);
}

Status PgRestoreTarget::Insert(const SourceRow& row) {
  if (row.record.size() != types_.size()) {
    return FailCopy(Status::InvalidArgument("table " + table_ + ": a record of " +
                                            std::to_string(row.record.size()) + " values for " +
                                            std::to_string(types_.size()) + " stored columns"));
  }
  if (Status s = AppendTextRow(types_, row.record, &buf_); !s.ok()) {
    return FailCopy(s.WithContext("table " + table_));
  }
  return buf_.size() >= config_.copy_chunk_bytes ? Flush() : Status::OK();
}

// Sends the buffered rows into the open COPY: memory stays bounded by
// copy_chunk_bytes while the server parses what came before.
Status PgRestoreTarget::Flush() {
  if (buf_.empty()) return Status::OK();
  const std::string doing = "loading the rows of " + table_;
  Status s = st_.Next(doing);
  if (s.ok()) s = conn_->PutCopyData(buf_, doing);
  buf_.clear();
  if (!s.ok()) return FailCopy(s);
  if (!chunk_sent_) CrashPoint("pg-restore-after-first-chunk");
  chunk_sent_ = true;
  return Status::OK();
}

Status PgRestoreTarget::EndTable() {
  TM_RETURN_IF_ERROR(Flush());
  copying_ = false;
  Status s = conn_->EndCopyIn(Status::OK(), "loading the rows of " + table_);
  types_.clear();
  catalog_.reset();
  return s.ok() ? s : SnapshotRefused(s, table_, "a row");
}

Status PgRestoreTarget::SetSequences() {
  std::string sql;
  for (size_t i : plan_.sequences) {
    const SequenceInfo& q = schema_.sequences[i];
    sql += (sql.empty() ? "SELECT " : ", ") + std::string("pg_catalog.setval(") +
           conn_->QuoteLiteral(QuotedName(*conn_, q.namespace_name, q.name)) + ", " +
           std::to_string(q.last_value) + ", " + (q.is_called ? "true" : "false") + ")";
  }
  if (sql.empty()) return Status::OK();
  return st_.Run(conn_.get(), sql, "setting the sequences to the snapshot's values");
}

Status PgRestoreTarget::Finish() {
  TM_RETURN_IF_ERROR(RunObjects(plan_.post_data, "post-data"));
  TM_RETURN_IF_ERROR(SetSequences());
  finished_ = true;
  return Status::OK();
}

Result<std::unique_ptr<SourceReader>> PgRestoreTarget::OpenStaged() {
  if (!finished_) return Status::Internal("OpenStaged before Finish");
  if (!config_.open_reader) return Status::Unsupported("no reader for the restored database");
  return config_.open_reader(conn_.get());
}

Status PgRestoreTarget::Publish() {
  if (created_) {
    TM_RETURN_IF_ERROR(st_.Run(conn_.get(),
                               "COMMENT ON DATABASE " + conn_->QuoteIdent(loc_.dbname) + " IS NULL",
                               "unmarking database " + loc_.dbname));
  }
  TM_ASSIGN_OR_RETURN(
      PgResult size, st_.Exec(conn_.get(), "SELECT pg_catalog.pg_database_size(current_database())",
                              "measuring the restored database"));
  CrashPoint("pg-restore-before-commit");
  TM_RETURN_IF_ERROR(st_.Run(conn_.get(), "COMMIT", "committing the restore"));
  published_ = true;
  bytes_ = std::stoull(size.text(0, 0));
  return Status::OK();
}

// Before Publish: the transaction is rolled back (closing the connection
// aborts it) and a database this restore created is dropped again.
void PgRestoreTarget::Abandon() {
  if (published_) return;
  conn_.reset();
  if (!created_) return;
  auto admin = Admin();
  if (!admin.ok()) return;  // the database stays, empty and marked by its comment
  Statements unfailing(0, &statements_);
  (void)DropDatabase(&unfailing, admin->get(), loc_.dbname,
                     "dropping database " + loc_.dbname + " that the failed restore created");
}

}  // namespace

Result<std::unique_ptr<RestoreTarget>> CreatePgRestoreTarget(const PgLocation& loc,
                                                             const SourceSchema& schema,
                                                             const RestoreTargetOptions& options,
                                                             const PgRestoreTargetConfig& config) {
  TM_ASSIGN_OR_RETURN(PgRestorePlan plan, PlanPgRestore(schema, options.tables));
  auto target = std::make_unique<PgRestoreTarget>(loc, schema, std::move(plan), config);
  TM_RETURN_IF_ERROR(target->Open(options.replace));
  return std::unique_ptr<RestoreTarget>(std::move(target));
}

Result<std::unique_ptr<RestoreTarget>> CreatePgRestoreTargetAt(const std::string& location,
                                                               const SourceSchema& schema,
                                                               const RestoreTargetOptions& options,
                                                               const PgAuth& auth,
                                                               StagedReaderFn open_reader) {
  TM_ASSIGN_OR_RETURN(PgLocation loc, ParsePgLocation(location));
  PgRestoreTargetConfig config;
  config.auth = auth;
  config.open_reader = std::move(open_reader);
  return CreatePgRestoreTarget(loc, schema, options, config);
}

}  // namespace tidemark::pg
