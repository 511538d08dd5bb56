// tidemark sources: the catalog tidemark.toml declares; tidemark config
// check: validate the file. docs/guide/config.md

#include <CLI/CLI.hpp>

#include "cli/commands.h"
#include "cli/config_access.h"
#include "cli/source_probe.h"
#include "ops/backup/backup.h"
#include "ops/drill/drill.h"
#include "ops/drill/drill_report.h"
#include "sources/builtin/builtin.h"

namespace tidemark::cli {
namespace {

std::string Or(const std::string& s, const char* dash = "-") { return s.empty() ? dash : s; }

void SourceJson(JsonWriter* w, const SourceConfig& s, size_t drills) {
  w->BeginObject().Field("name", s.name).Field("uri", s.uri).Field("profile", s.profile);
  w->Field("owner", s.owner).Field("domain", s.domain).Field("sensitivity", s.sensitivity);
  w->Field("rpo", s.rpo).Field("rto", s.rto);
  w->Field("retention", s.retention.empty() ? "" : s.retention.Describe());
  w->Key("tags").BeginArray();
  for (const std::string& t : s.tags) w->String(t);
  w->EndArray().Key("include").BeginArray();
  for (const std::string& t : s.include) w->String(t);
  w->EndArray().Key("exclude").BeginArray();
  for (const std::string& t : s.exclude) w->String(t);
  w->EndArray().Key("metadata").BeginArray();
  for (const std::string& t : s.profile_input.metadata) w->String(t);
  w->EndArray().Field("relations", static_cast<uint64_t>(s.profile_input.relations.size()));
  w->Field("drill_plans", static_cast<uint64_t>(drills)).EndObject();
}

size_t DrillsOf(const ConfigFile& cfg, const std::string& source) {
  size_t n = 0;
  for (const DrillPlan& p : cfg.drills) n += p.source == source;
  return n;
}

Status ListSources(Context* ctx) {
  TM_ASSIGN_OR_RETURN(ConfigFile cfg, LoadConfigFor(ctx, "", true, "catalog"));
  JsonWriter w;
  w.BeginArray();
  for (const SourceConfig& s : cfg.sources) {
    ctx->Print(s.name + "  " + s.uri);
    ctx->Print("  owner " + Or(s.owner) + ", domain " + Or(s.domain) + ", sensitivity " +
               Or(s.sensitivity) + ", RPO " + Or(s.rpo) + ", RTO " + Or(s.rto));
    ctx->Print("  retention " + Or(s.retention.empty() ? "" : s.retention.Describe(), "none") +
               ", " + std::to_string(DrillsOf(cfg, s.name)) + " drill plans" +
               (s.tags.empty() ? "" : ", tags " + [&] {
                 std::string t;
                 for (const std::string& x : s.tags) t += (t.empty() ? "" : ",") + x;
                 return t;
               }()));
    SourceJson(&w, s, DrillsOf(cfg, s.name));
  }
  w.EndArray();
  if (cfg.sources.empty()) ctx->Print(cfg.path + " declares no [[source]]");
  ctx->PrintJson(w);
  return Status::OK();
}

// The declared relations of source `s` ([[source.relation]] and those of
// its drill plans) against the schema a backup of it reads. A source that is
// not on this machine, or cannot be opened, is a note (the relations are then
// not checked), not an error of the config.
void CheckSource(const ConfigFile& cfg, const SourceConfig& s, std::vector<std::string>* notes,
                 std::vector<std::string>* errors) {
  size_t declared = s.profile_input.relations.size();
  for (const DrillPlan& p : cfg.drills) declared += p.source == s.name ? p.relations.size() : 0;
  auto src = OpenConfiguredSource(s, 1000);
  if (src.status().IsNotFound()) {
    notes->push_back("source '" + s.name + "': " + src.status().message() +
                     (s.profile_input.relations.empty() ? "" : "; its relations were not checked"));
    return;
  }
  if (declared == 0) return;
  if (!src.ok()) {
    notes->push_back("source '" + s.name + "': cannot open it to check its " +
                     std::to_string(declared) +
                     " declared relations (not checked): " + src.status().message());
    return;
  }
  auto ref = BuiltinConnectors().Resolve(s.uri);  // parsing checked the URI
  if (!ref.ok()) return;
  const SourceSchema schema =
      SelectedSchema(*ref->connector, (*src)->schema(), s.include, s.exclude);
  auto add = [&](std::vector<std::string> found) {
    errors->insert(errors->end(), found.begin(), found.end());
  };
  add(RelationProblems(s.profile_input.relations, schema,
                       "source '" + s.name + "' [[source.relation]]"));
  for (const DrillPlan& p : cfg.drills) {
    if (p.source == s.name) {
      add(RelationProblems(p.relations, schema, "drill '" + p.name + "' [[drill.relation]]"));
    }
  }
}

// Validates the file (parsing does every per-key check) and the declared
// relations against each source's schema, and notes what may be wrong on
// this machine without being an error: a source file that is not here (the
// app may run elsewhere) or cannot be opened, a source without an RPO.
Status CheckConfig(Context* ctx) {
  TM_ASSIGN_OR_RETURN(ConfigFile cfg, LoadConfigFor(ctx, "", true));
  std::vector<std::string> notes, errors;
  for (const SourceConfig& s : cfg.sources) {
    CheckSource(cfg, s, &notes, &errors);
    if (!s.rpo_us) notes.push_back("source '" + s.name + "': no rpo, so it is never late");
  }
  for (const std::string& n : notes) ctx->Print("note: " + n);
  if (!errors.empty()) {
    std::string all;
    for (const std::string& e : errors) all += (all.empty() ? "" : "; ") + e;
    return Status::InvalidArgument(cfg.path + ": " + all);
  }
  ctx->Print(cfg.path + ": ok: " + std::to_string(cfg.sources.size()) + " sources, " +
             std::to_string(cfg.drills.size()) + " drill plans" +
             (cfg.alerts.webhook.empty() ? ", no webhook" : ", webhook " + cfg.alerts.webhook));
  JsonWriter w;
  w.BeginObject().Field("ok", true).Field("file", cfg.path);
  w.Field("sources", static_cast<uint64_t>(cfg.sources.size()));
  w.Field("drills", static_cast<uint64_t>(cfg.drills.size()));
  w.Field("webhook", cfg.alerts.webhook).Key("notes").BeginArray();
  for (const std::string& n : notes) w.String(n);
  w.EndArray().EndObject();
  ctx->PrintJson(w);
  return Status::OK();
}

}  // namespace

void AddSourcesCommands(CLI::App* app, Context* ctx) {
  CLI::App* sources = app->add_subcommand("sources", "The sources tidemark.toml declares");
  sources->callback([ctx] { ctx->run = [ctx] { return ListSources(ctx); }; });
  CLI::App* config = app->add_subcommand("config", "The configuration file");
  config->require_subcommand(1);
  CLI::App* check = config->add_subcommand("check", "Validate tidemark.toml");
  check->callback([ctx] { ctx->run = [ctx] { return CheckConfig(ctx); }; });
}

}  // namespace tidemark::cli
