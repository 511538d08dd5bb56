// tidemark snapshots | show SNAP | ls SNAP [TABLE] | cat SNAP TABLE KEY:
// browsing record snapshots. docs/guide/snapshots.md
#include <CLI/CLI.hpp>

#include "base/clock.h"
#include "base/hex.h"
#include "cli/commands.h"
#include "cli/context.h"
#include "cli/snapshot_access.h"
#include "records/encoding.h"
#include "records/value_json.h"
#include "snapshot/record_diff.h"
#include "snapshot/snapshot_json.h"

namespace tidemark::cli {
namespace {

struct BrowseFlags {
  std::string source, snap, table, after;
  std::vector<std::string> tags;
  uint64_t limit = 100;
  bool all_tables = false;
  bool show_secrets = false;
};

Status RunSnapshots(Context* ctx, const BrowseFlags& flags) {
  TM_ASSIGN_OR_RETURN(Repository * repo, ctx->OpenRepository());
  TM_ASSIGN_OR_RETURN(std::vector<SnapshotInfo> all, LoadSnapshots(*repo, flags.source));
  JsonWriter w;
  w.BeginArray();
  ctx->Print(
      "ID            TIME                  SOURCE          RECORDS   +ADD  ~CHG  -DEL  TAGS");
  size_t shown = 0;
  for (const SnapshotInfo& s : all) {
    bool tagged = true;
    for (const std::string& t : flags.tags) tagged &= s.manifest.HasTag(t);
    if (!tagged) continue;
    const Manifest& m = s.manifest;
    std::string tags;
    for (const std::string& t : m.tags) tags += (tags.empty() ? "" : ",") + t;
    char line[512];
    std::snprintf(line, sizeof line, "%-12s  %-20s  %-14s %8llu %6llu %5llu %5llu  %s",
                  s.id.Short().c_str(), FormatTimeUtc(m.time_us).c_str(), m.source.c_str(),
                  static_cast<unsigned long long>(m.TotalRecords()),
                  static_cast<unsigned long long>(m.stats.records_added),
                  static_cast<unsigned long long>(m.stats.records_changed),
                  static_cast<unsigned long long>(m.stats.records_removed), tags.c_str());
    ctx->Print(line);
    SnapshotJson(&w, s);
    shown++;
  }
  ctx->Print(std::to_string(shown) + " snapshots");
  w.EndArray();
  ctx->PrintJson(w);
  return Status::OK();
}

// ", metadata, secret: token" for a table the profile annotated ("" if none).
std::string AnnotationText(const SchemaAnnotations& notes, const TableSchema& t) {
  const TableAnnotation* a = notes.Find(t.name, t.namespace_name);
  if (a == nullptr) return "";
  std::string out;
  if (a->role != TableRole::kData) out += std::string(", ") + TableRoleName(a->role);
  if (!a->display_name.empty()) out += ", shown as \"" + a->display_name + "\"";
  std::string secret;
  for (const ColumnAnnotation& c : a->columns) {
    if (c.secret) secret += (secret.empty() ? "" : ", ") + c.column;
  }
  return secret.empty() ? out : out + ", secret: " + secret;
}

Status RunShow(Context* ctx, const BrowseFlags& flags) {
  TM_ASSIGN_OR_RETURN(Repository * repo, ctx->OpenRepository());
  TM_ASSIGN_OR_RETURN(std::vector<SnapshotInfo> all, LoadSnapshots(*repo));
  TM_ASSIGN_OR_RETURN(const SnapshotInfo* s, ResolveSnapshot(all, flags.snap));
  const Manifest& m = s->manifest;
  ctx->Print("snapshot   " + s->id.Hex());
  ctx->Print("source     " + m.source + " (" + m.source_uri + ")");
  ctx->Print("time       " + FormatTimeUtc(m.time_us));
  ctx->Print("parent     " + (m.parent.IsZero() ? std::string("none") : m.parent.Hex()));
  ctx->Print("host       " + m.host + ", by " + m.actor + ", tidemark " + m.tool_version);
  std::string tags, labels;
  for (const std::string& t : m.tags) tags += (tags.empty() ? "" : ", ") + t;
  for (const auto& [k, v] : m.labels) labels += (labels.empty() ? "" : ", ") + k + "=" + v;
  ctx->Print("tags       " + (tags.empty() ? "-" : tags));
  ctx->Print("labels     " + (labels.empty() ? "-" : labels));
  for (const auto& [k, v] : m.objects.settings) ctx->Print("setting    " + k + " = " + v);
  ctx->Print("changes    " + std::to_string(m.stats.records_added) + " added, " +
             std::to_string(m.stats.records_changed) + " changed, " +
             std::to_string(m.stats.records_removed) + " removed; " +
             FormatBytes(static_cast<double>(m.stats.bytes_added)) + " added in " +
             FormatDuration(static_cast<double>(m.stats.duration_us) / 1e6));
  ctx->Print("tables     " + std::to_string(m.tables.size()) + ", " +
             std::to_string(m.TotalRecords()) + " records");
  const SchemaAnnotations& notes = m.objects.annotations;
  for (const SnapshotTable& t : m.tables) {
    ctx->Print("  " + t.schema.name + " (" + TableKindName(t.schema.kind) +
               "): " + std::to_string(t.root.count) + " rows, digest " +
               HexEncode(t.digest).substr(0, 16) + AnnotationText(notes, t.schema));
  }
  size_t others = 0;
  for (const SchemaObject& o : m.objects.objects) others += o.type != "table";
  ctx->Print("objects    " + std::to_string(others) + " indexes, views and triggers");
  if (!notes.empty()) ctx->Print("profile    " + notes.profile);
  for (const Relation& r : notes.relations) {
    ctx->Print("relation   " + r.Name() +
               (r.on_delete.empty() ? "" : " (on delete " + r.on_delete + ")"));
  }
  JsonWriter w;
  SnapshotShowJson(&w, *s);
  ctx->PrintJson(w);
  return Status::OK();
}

std::string RecordLine(const TableSchema& schema, const std::vector<Value>& key,
                       const Record& rec) {
  std::string line = KeyToDisplay(key) + "  ";
  bool first = true;
  for (const auto& [name, v] : NamedFields(schema, rec)) {
    std::string shown = ValueToDisplay(v);
    if (shown.size() > 60) shown = shown.substr(0, 57) + "...";
    line += (first ? "" : ", ") + name + "=" + shown;
    first = false;
  }
  return line;
}

Status ListRecords(Context* ctx, SnapshotAccess* a, const SnapshotInfo& s,
                   const BrowseFlags& flags) {
  TM_ASSIGN_OR_RETURN(const SnapshotTable* t, FindTableOrExplain(s, flags.table));
  JsonWriter w;
  TM_ASSIGN_OR_RETURN(
      std::optional<std::string> next,
      RecordsPageJson(a->cache.get(), *t, flags.after, flags.limit,
                      flags.show_secrets ? nullptr : &s.manifest.objects.annotations, &w,
                      [&](const std::vector<Value>& key, const Record& rec, const std::string&) {
                        ctx->Print(RecordLine(t->schema, key, rec));
                      }));
  if (next) ctx->Print("... more: --after '" + *next + "'");
  ctx->PrintJson(w);
  return Status::OK();
}

Status RunLs(Context* ctx, const BrowseFlags& flags) {
  TM_ASSIGN_OR_RETURN(auto a, OpenSnapshots(ctx, "ls"));
  TM_ASSIGN_OR_RETURN(const SnapshotInfo* s, a->Resolve(flags.snap));
  if (!flags.table.empty()) return ListRecords(ctx, a.get(), *s, flags);
  JsonWriter w;
  w.BeginObject().Field("snapshot", s->id.Hex()).Key("tables").BeginArray();
  for (const SnapshotTable& t : s->manifest.tables) {
    if (!flags.all_tables && t.schema.kind != TableKind::kTable) continue;
    char line[512];
    std::snprintf(line, sizeof line, "%-32s %10llu rows  %10s", t.schema.name.c_str(),
                  static_cast<unsigned long long>(t.root.count),
                  FormatBytes(static_cast<double>(t.bytes)).c_str());
    ctx->Print(line);
    TableJson(&w, t);
  }
  w.EndArray().EndObject();
  ctx->PrintJson(w);
  return Status::OK();
}

}  // namespace

Status RunCatRecord(Context* ctx, const std::string& snap, const std::string& table,
                    const std::string& key_text, bool show_secrets) {
  TM_ASSIGN_OR_RETURN(auto a, OpenSnapshots(ctx, "cat"));
  TM_ASSIGN_OR_RETURN(const SnapshotInfo* s, a->Resolve(snap));
  TM_ASSIGN_OR_RETURN(const SnapshotTable* t, FindTableOrExplain(*s, table));
  JsonWriter w;
  TM_RETURN_IF_ERROR(RecordByKeyJson(a->cache.get(), a->store.get(), *a->repo, *s, *t, key_text,
                                     show_secrets, &w));
  // cat prints JSON either way: one record is a document.
  std::fputs((w.str() + "\n").c_str(), stdout);
  return Status::OK();
}

void AddBrowseCommands(CLI::App* app, Context* ctx) {
  auto flags = std::make_shared<BrowseFlags>();
  CLI::App* snaps = app->add_subcommand("snapshots", "List snapshots");
  snaps->add_option("--source", flags->source, "Only this source");
  snaps->add_option("--tag", flags->tags, "Only snapshots with this tag (repeatable: all)");
  snaps->callback([ctx, flags] { ctx->run = [ctx, flags] { return RunSnapshots(ctx, *flags); }; });

  CLI::App* show = app->add_subcommand("show", "Show a snapshot's manifest");
  show->add_option("SNAP", flags->snap, "id, prefix, latest, SOURCE@latest, SOURCE@TIME")
      ->required();
  show->callback([ctx, flags] { ctx->run = [ctx, flags] { return RunShow(ctx, *flags); }; });

  CLI::App* ls = app->add_subcommand("ls", "List a snapshot's tables, or a table's records");
  ls->add_option("SNAP", flags->snap, "id, prefix, latest, SOURCE@latest, SOURCE@TIME")->required();
  ls->add_option("TABLE", flags->table, "List this table's records");
  ls->add_option("--limit", flags->limit, "Records to list (0: all)")->capture_default_str();
  ls->add_option("--after", flags->after, "Start after this key");
  ls->add_flag("--all", flags->all_tables, "Also list internal and virtual tables");
  ls->add_flag("--show-secrets", flags->show_secrets,
               "Print the values of secret columns (masked by default)");
  ls->callback([ctx, flags] { ctx->run = [ctx, flags] { return RunLs(ctx, *flags); }; });
}

}  // namespace tidemark::cli
