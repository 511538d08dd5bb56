// tidemark diff A B|live and tidemark history SOURCE TABLE KEY: what changed,
// record by record and field by field. docs/guide/diff.md
#include <CLI/CLI.hpp>

#include "base/clock.h"
#include "cli/commands.h"
#include "cli/config_access.h"
#include "cli/context.h"
#include "cli/snapshot_access.h"
#include "config/source_access.h"
#include "ops/diff/live_diff.h"
#include "records/encoding.h"
#include "records/value_json.h"
#include "snapshot/history.h"
#include "snapshot/record_diff.h"
#include "snapshot/table_key.h"
#include "snapshot/table_names.h"

namespace tidemark::cli {
namespace {

struct DiffFlags {
  std::string a, b, source, table, key;
  std::vector<std::string> tables;
  bool stat = false;
  bool show_secrets = false;  // history
  uint64_t limit = 50;
};

std::string Shown(const std::optional<Value>& v) {
  if (!v) return "(absent)";
  std::string s = ValueToDisplay(*v);
  if (v->type() == ValueType::kText && !v->ref()) s = JsonWriter::Quote(s);
  return s.size() > 80 ? s.substr(0, 77) + "..." : s;
}

void ChangeJson(JsonWriter* w, const RecordChange& c, const TableSchema* old_schema,
                const TableSchema* new_schema) {
  static const char* kKinds[] = {"added", "removed", "changed"};
  w->BeginObject().Field("change", kKinds[c.kind]).Key("key").BeginArray();
  for (const Value& v : c.key_values) WriteValueJson(w, v);
  w->EndArray();
  if (c.kind == TreeChange::kChanged) {
    w->Key("fields").BeginArray();
    for (const FieldChange& f : c.fields) {
      w->BeginObject().Field("field", f.field).Key("old");
      f.old_value ? WriteValueJson(w, *f.old_value) : (void)w->Null();
      w->Key("new");
      f.new_value ? WriteValueJson(w, *f.new_value) : (void)w->Null();
      w->EndObject();
    }
    w->EndArray();
  } else {
    const TableSchema* schema = c.kind == TreeChange::kAdded ? new_schema : old_schema;
    const Record& rec = c.kind == TreeChange::kAdded ? c.new_record : c.old_record;
    w->Key("record").BeginObject();
    for (const auto& [name, v] : NamedFields(*schema, rec)) {
      w->Key(name);
      WriteValueJson(w, v);
    }
    w->EndObject();
  }
  w->EndObject();
}

// One side of a diff: a snapshot's tables, or the live source.
struct Side {
  const SnapshotInfo* snap = nullptr;
  std::unique_ptr<SourceReader> live;
  const SourceSchema* schema() const { return live ? &live->schema() : nullptr; }
};

// A changed record shows the fields that differ; an added or removed one
// shows all of its fields (the removed record is what a restore brings back).
std::string ChangeLine(const RecordChange& c, const TableSchema* old_schema,
                       const TableSchema* new_schema) {
  static const char* kMarks[] = {"+", "-", "~"};
  std::string line = std::string("  ") + kMarks[c.kind] + " " + KeyToDisplay(c.key_values);
  if (c.kind == TreeChange::kChanged) {
    for (const FieldChange& f : c.fields) {
      line += "  " + f.field + ": " + Shown(f.old_value) + " -> " + Shown(f.new_value);
    }
    return line;
  }
  const TableSchema* schema = c.kind == TreeChange::kAdded ? new_schema : old_schema;
  const Record& rec = c.kind == TreeChange::kAdded ? c.new_record : c.old_record;
  if (schema == nullptr) return line;
  for (const auto& [name, v] : NamedFields(*schema, rec)) line += "  " + name + ": " + Shown(v);
  return line;
}

// Diffs table `name` between `from` and `to`, prints it and adds it to `w`.
Status DiffOneTable(Context* ctx, SnapshotAccess* a, const SnapshotInfo& from, Side* to,
                    const std::string& name, const DiffFlags& flags, JsonWriter* w,
                    TreeDiffCounts* totals) {
  const SnapshotTable* ta = from.manifest.FindTable(name);
  const SnapshotTable* tb = to->snap ? to->snap->manifest.FindTable(name) : nullptr;
  const TableSchema* live = to->live ? to->live->schema().FindTable(name) : nullptr;
  const TableSchema* old_schema = ta ? &ta->schema : nullptr;
  const TableSchema* new_schema = tb ? &tb->schema : live;
  if (old_schema == nullptr && new_schema == nullptr) {
    std::vector<std::string> tables = TableNamesOf(from.manifest);
    std::vector<std::string> other;
    if (to->snap) other = TableNamesOf(to->snap->manifest);
    if (to->live) {
      for (const TableSchema& t : to->live->schema().tables) other.push_back(t.name);
    }
    for (const std::string& t : other) {
      if (std::find(tables.begin(), tables.end(), t) == tables.end()) tables.push_back(t);
    }
    return Status::InvalidArgument("neither side has a table '" + name + "'; " +
                                   TableSuggestion(name, tables));
  }
  std::vector<std::string> lines;
  JsonWriter records;
  records.BeginArray();
  uint64_t listed = 0;
  auto list = [&](const RecordChange& c) -> Result<bool> {
    if (flags.limit && listed >= flags.limit) return false;
    ChangeJson(&records, c, old_schema, new_schema);
    lines.push_back(ChangeLine(c, old_schema, new_schema));
    listed++;
    return true;
  };
  using Fn = std::function<Result<bool>(const RecordChange&)>;
  TreeDiffCounts counts;
  if (to->live) {  // one scan gives both the counts and the records
    TM_ASSIGN_OR_RETURN(counts, DiffLiveTable(a->cache.get(), *a->repo, ta, to->live.get(), live,
                                              flags.stat ? Fn() : Fn(list)));
  } else {  // counts skip equal subtrees; records are then read up to --limit
    TM_ASSIGN_OR_RETURN(counts, DiffTable(a->cache.get(), ta, tb, nullptr));
    if (!flags.stat && counts.added + counts.removed + counts.changed > 0) {
      TM_RETURN_IF_ERROR(DiffTable(a->cache.get(), ta, tb, list).status());
    }
  }
  records.EndArray();
  const uint64_t total = counts.added + counts.removed + counts.changed;
  if (total == 0) return Status::OK();
  ctx->Print("table " + name + ": " + std::to_string(counts.added) + " added, " +
             std::to_string(counts.removed) + " removed, " + std::to_string(counts.changed) +
             " changed");
  for (const std::string& l : lines) ctx->Print(l);
  if (!flags.stat && listed < total) {
    ctx->Print("  ... " + std::to_string(total - listed) + " more (--limit 0 lists all)");
  }
  totals->added += counts.added;
  totals->removed += counts.removed;
  totals->changed += counts.changed;
  w->BeginObject().Field("name", name).Field("added", counts.added);
  w->Field("removed", counts.removed).Field("changed", counts.changed);
  if (!flags.stat) w->Key("records").Raw(records.str());
  w->EndObject();
  return Status::OK();
}

// Table names of both sides in order: a's, then those only in b.
Result<std::vector<std::string>> TableNames(const SnapshotInfo& a, const Side& b,
                                            const DiffFlags& flags) {
  std::vector<std::string> names;
  for (const std::string& t : flags.tables) {  // a name, or a display name in a
    Result<std::string> found = ResolveTableName(a.manifest, t);
    if (!found.ok() && !found.status().IsNotFound()) return found.status();
    names.push_back(found.ok() ? *found : t);
  }
  if (!names.empty()) return names;
  auto add = [&](const TableSchema& t) {
    // Shadow tables of virtual tables change with their content: diffing
    // them adds noise, not information. Name them with --table to see them.
    if (t.kind != TableKind::kTable) return;
    if (std::find(names.begin(), names.end(), t.name) == names.end()) names.push_back(t.name);
  };
  for (const SnapshotTable& t : a.manifest.tables) add(t.schema);
  if (b.snap) {
    for (const SnapshotTable& t : b.snap->manifest.tables) add(t.schema);
  } else {
    for (const TableSchema& t : b.live->schema().tables) add(t);
  }
  return names;
}

Status RunDiff(Context* ctx, const DiffFlags& flags) {
  TM_ASSIGN_OR_RETURN(auto a, OpenSnapshots(ctx, "diff"));
  TM_ASSIGN_OR_RETURN(const SnapshotInfo* from, a->Resolve(flags.a));
  Side to;
  SourceSchema to_schema;
  if (flags.b == "live") {
    TM_ASSIGN_OR_RETURN(ConfigFile cfg, LoadConfigFor(ctx, "", false));
    TM_ASSIGN_OR_RETURN(SourceRef source, ResolveSource(cfg, from->manifest.source_uri));
    TM_ASSIGN_OR_RETURN(to.live, source.connector->OpenReader(source.location, 10000));
    to_schema = to.live->schema();
  } else {
    TM_ASSIGN_OR_RETURN(to.snap, a->Resolve(flags.b));
    to_schema = to.snap->manifest.FullSchema();
  }
  const std::string to_name = to.snap ? to.snap->id.Short() : "live";
  ctx->Print("diff " + from->id.Short() + " (" + FormatTimeUtc(from->manifest.time_us) + ") -> " +
             to_name);
  JsonWriter w;
  w.BeginObject().Field("from", from->id.Hex()).Field("to", to.snap ? to.snap->id.Hex() : "live");
  w.Key("tables").BeginArray();
  TreeDiffCounts totals;
  TM_ASSIGN_OR_RETURN(std::vector<std::string> names, TableNames(*from, to, flags));
  for (const std::string& name : names) {
    TM_RETURN_IF_ERROR(DiffOneTable(ctx, a.get(), *from, &to, name, flags, &w, &totals));
  }
  w.EndArray().Key("schema").BeginArray();
  const std::vector<SchemaChange> schema = DiffSchemas(from->manifest.FullSchema(), to_schema);
  for (const SchemaChange& c : schema) {
    ctx->Print(std::string("schema: ") + SchemaChangeKindName(c.kind) + " " + c.type + " " +
               c.name +
               (c.kind == SchemaChange::kChanged && c.type == "setting"
                    ? ": " + c.old_sql + " -> " + c.new_sql
                    : ""));
    w.BeginObject().Field("change", SchemaChangeKindName(c.kind)).Field("type", c.type);
    w.Field("name", c.name).Field("old", c.old_sql).Field("new", c.new_sql).EndObject();
  }
  w.EndArray();
  w.Field("added", totals.added).Field("removed", totals.removed).Field("changed", totals.changed);
  w.EndObject();
  ctx->Print("total: " + std::to_string(totals.added) + " added, " +
             std::to_string(totals.removed) + " removed, " + std::to_string(totals.changed) +
             " changed; " + std::to_string(schema.size()) + " schema changes");
  ctx->PrintJson(w);
  return Status::OK();
}

// The table `name` (or display name) as the newest snapshot that has it
// knows it; *table is set to its name.
Result<const SnapshotTable*> HistoryTable(const std::vector<SnapshotInfo>& all,
                                          const std::string& source, const std::string& name,
                                          std::string* table) {
  for (auto it = all.rbegin(); it != all.rend(); ++it) {
    Result<std::string> found = ResolveTableName(it->manifest, name);
    if (!found.ok() && !found.status().IsNotFound()) return found.status();
    if (!found.ok()) continue;
    *table = *found;
    return it->manifest.FindTable(*table);
  }
  return Status::InvalidArgument("no snapshot of " + source + " has a table '" + name + "'; " +
                                 TableSuggestion(name, TableNamesOf(all.back().manifest)));
}

// One version of the record: a line for people (fields that changed since
// `previous`, or every field when it appeared) and its JSON object.
Status PrintVersion(Context* ctx, JsonWriter* w, const RecordVersion& v, const std::string& table,
                    bool show_secrets, std::optional<Record>* previous) {
  const std::string when = FormatTimeUtc(v.first->manifest.time_us);
  const std::string span =
      v.first->id.Short() + (v.snapshots > 1 ? " .. " + v.last->id.Short() + " (" +
                                                   std::to_string(v.snapshots) + " snapshots)"
                                             : "");
  w->BeginObject().Field("first_snapshot", v.first->id.Hex()).Field("first_time", when);
  w->Field("last_snapshot", v.last->id.Hex())
      .Field("last_time", FormatTimeUtc(v.last->manifest.time_us))
      .Field("snapshots", static_cast<uint64_t>(v.snapshots));
  if (!v.value) {
    ctx->Print(when + "  deleted   " + span);
    w->Field("state", "deleted").EndObject();
    previous->reset();
    return Status::OK();
  }
  Record rec;
  const TableSchema& schema = v.first->manifest.FindTable(table)->schema;
  TM_RETURN_IF_ERROR(DecodeRecord(*v.value, "record of " + table, &rec));
  if (!show_secrets) MaskSecrets(v.first->manifest.objects.annotations, schema, &rec);
  const char* state = *previous ? "changed" : "appeared";
  std::string line = when + "  " + state + (*previous ? "   " : "  ") + span;
  if (*previous) {
    for (const FieldChange& f : DiffFields(schema, **previous, schema, rec)) {
      line += "\n      " + f.field + ": " + Shown(f.old_value) + " -> " + Shown(f.new_value);
    }
  } else {
    for (const auto& [name, val] : NamedFields(schema, rec)) {
      line += "\n      " + name + " = " + Shown(val);
    }
  }
  ctx->Print(line);
  w->Field("state", state).Key("record").BeginObject();
  for (const auto& [name, val] : NamedFields(schema, rec)) {
    w->Key(name);
    WriteValueJson(w, val);
  }
  w->EndObject().EndObject();
  *previous = std::move(rec);
  return Status::OK();
}

Status RunHistory(Context* ctx, const DiffFlags& flags) {
  TM_ASSIGN_OR_RETURN(auto a, OpenSnapshots(ctx, "history", flags.source));
  if (a->all.empty()) {
    return Status::NotFound("no snapshots of source '" + flags.source +
                            "'; `tidemark snapshots` lists the sources");
  }
  std::string name;
  TM_ASSIGN_OR_RETURN(const SnapshotTable* table,
                      HistoryTable(a->all, flags.source, flags.table, &name));
  TM_ASSIGN_OR_RETURN(std::vector<Value> key,
                      ParseStoredKey(a->cache.get(), table->schema, table->root, flags.key));
  std::string k;
  EncodeKey(key, &k);
  TM_ASSIGN_OR_RETURN(std::vector<RecordVersion> versions,
                      RecordHistory(a->cache.get(), a->all, name, k));
  JsonWriter w;
  w.BeginObject().Field("source", flags.source).Field("table", name);
  w.Key("key").BeginArray();
  for (const Value& v : key) WriteValueJson(&w, v);
  w.EndArray().Field("snapshots", static_cast<uint64_t>(a->all.size()));
  w.Key("versions").BeginArray();
  std::optional<Record> previous;
  for (const RecordVersion& v : versions) {
    TM_RETURN_IF_ERROR(PrintVersion(ctx, &w, v, name, flags.show_secrets, &previous));
  }
  w.EndArray().EndObject();
  if (versions.empty()) ctx->Print("no snapshot of " + flags.source + " holds this record");
  ctx->PrintJson(w);
  return Status::OK();
}

}  // namespace

void AddDiffCommands(CLI::App* app, Context* ctx) {
  auto flags = std::make_shared<DiffFlags>();
  CLI::App* diff = app->add_subcommand("diff", "Show what changed between two snapshots (or live)");
  diff->add_option("A", flags->a, "the older snapshot")->required();
  diff->add_option("B", flags->b, "the newer snapshot, or live")->required();
  diff->add_option("--table", flags->tables, "Only this table (repeatable)");
  diff->add_flag("--stat", flags->stat, "Counts per table only");
  diff->add_option("--limit", flags->limit, "Records listed per table (0: all)")
      ->capture_default_str();
  diff->callback([ctx, flags] { ctx->run = [ctx, flags] { return RunDiff(ctx, *flags); }; });

  CLI::App* hist = app->add_subcommand("history", "Every version of one record over time");
  hist->add_option("SOURCE", flags->source, "source name")->required();
  hist->add_option("TABLE", flags->table, "table")->required();
  hist->add_option("KEY", flags->key, "the record's key (JSON array for composite keys)")
      ->required();
  hist->add_flag("--show-secrets", flags->show_secrets,
                 "Print the values of secret columns (masked by default)");
  hist->callback([ctx, flags] { ctx->run = [ctx, flags] { return RunHistory(ctx, *flags); }; });
}

}  // namespace tidemark::cli
