#include "config/config.h"

#include <sys/stat.h>
#include <toml++/toml.h>

#include <algorithm>
#include <cstdio>
#include <fstream>
#include <set>
#include <sstream>

#include "base/duration.h"
#include "base/hex.h"
#include "snapshot/manifest.h"
#include "sources/builtin/builtin.h"

namespace tidemark {
namespace {

const char* TypeName(const toml::node& n) {
  switch (n.type()) {
    case toml::node_type::string:
      return "a string";
    case toml::node_type::integer:
      return "an integer";
    case toml::node_type::floating_point:
      return "a number";
    case toml::node_type::boolean:
      return "a boolean";
    case toml::node_type::array:
      return "an array";
    case toml::node_type::table:
      return "a table";
    case toml::node_type::date:
    case toml::node_type::time:
    case toml::node_type::date_time:
      return "a date or time";
    default:
      return "nothing";
  }
}

// Reads one TOML table, remembering where it is for messages. The first
// error sticks; later reads are no-ops.
class TableReader {
 public:
  TableReader(const toml::table& t, std::string file, std::string context, Status* status)
      : t_(t), file_(std::move(file)), context_(std::move(context)), status_(status) {}

  // Fails for keys not in `known`, naming the first unknown one.
  void AllowOnly(std::initializer_list<std::string_view> known) {
    for (auto&& [k, v] : t_) {
      if (std::find(known.begin(), known.end(), k.str()) != known.end()) continue;
      std::string list;
      for (std::string_view n : known) list += (list.empty() ? "" : ", ") + std::string(n);
      Fail(v, std::string(k.str()), "unknown key; expected one of: " + list);
      return;
    }
  }

  bool String(std::string_view key, std::string* out, bool required = false) {
    const toml::node* n = Get(key, required);
    if (n == nullptr) return false;
    if (!n->is_string()) return Fail(*n, key, "expected a string, found " + Type(*n));
    *out = n->as_string()->get();
    if (required && out->empty()) return Fail(*n, key, "must not be empty");
    return true;
  }
  bool Bool(std::string_view key, bool* out) {
    const toml::node* n = Get(key, false);
    if (n == nullptr) return false;
    if (!n->is_boolean()) return Fail(*n, key, "expected true or false, found " + Type(*n));
    *out = n->as_boolean()->get();
    return true;
  }
  bool Unsigned(std::string_view key, uint32_t* out, int64_t max) {
    const toml::node* n = Get(key, false);
    if (n == nullptr) return false;
    if (!n->is_integer() || n->as_integer()->get() < 0 || n->as_integer()->get() > max) {
      return Fail(*n, key, "expected an integer from 0 to " + std::to_string(max));
    }
    *out = static_cast<uint32_t>(n->as_integer()->get());
    return true;
  }
  bool Strings(std::string_view key, std::vector<std::string>* out) {
    const toml::node* n = Get(key, false);
    if (n == nullptr) return false;
    const toml::array* a = n->as_array();
    if (a == nullptr) return Fail(*n, key, "expected an array of strings, found " + Type(*n));
    for (const toml::node& e : *a) {
      if (!e.is_string()) return Fail(e, key, "expected an array of strings, found " + Type(e));
      out->push_back(e.as_string()->get());
    }
    return true;
  }
  bool Double(std::string_view key, double* out, double min, double max) {
    const toml::node* n = Get(key, false);
    if (n == nullptr) return false;
    auto v = n->value<double>();  // integers convert too
    if (!v || *v < min || *v > max) {
      return Fail(*n, key, "expected a number from " + Num(min) + " to " + Num(max));
    }
    *out = *v;
    return true;
  }
  // A sub-table ([source.retention]); fn gets its reader. Absent: not called.
  template <typename Fn>
  void Table(std::string_view key, Fn fn) {
    const toml::node* n = Get(key, false);
    if (n == nullptr) return;
    if (!n->is_table()) {
      Fail(*n, key, "expected a table ([" + Path(key) + "]), found " + Type(*n));
      return;
    }
    TableReader sub(*n->as_table(), file_, Path(key), status_);
    fn(sub);
  }
  bool Duration(std::string_view key, uint64_t* out, std::string* text = nullptr) {
    std::string s;
    if (!String(key, &s)) return false;
    auto d = ParseDurationUs(s);
    if (!d.ok()) return Fail(*Get(key, false), key, d.status().message());
    *out = *d;
    if (text) *text = s;
    return true;
  }
  // A cron-style schedule (base/cron.h).
  bool Cron(std::string_view key, std::optional<CronSchedule>* out) {
    std::string s;
    if (!String(key, &s)) return false;
    auto c = CronSchedule::Parse(s);
    if (!c.ok()) return Fail(*Get(key, false), key, c.status().message());
    *out = std::move(*c);
    return true;
  }
  // An array of tables ([[drill.relation]]), each read by fn.
  template <typename Fn>
  void Tables(std::string_view key, Fn fn) {
    const toml::node* n = Get(key, false);
    if (n == nullptr) return;
    const toml::array* a = n->as_array();
    if (a == nullptr) {
      Fail(*n, key, "expected [[" + Path(key) + "]] tables, found " + Type(*n));
      return;
    }
    size_t i = 0;
    for (const toml::node& e : *a) {
      if (!e.is_table()) {
        Fail(e, key, "expected [[" + Path(key) + "]] tables, found " + Type(e));
        return;
      }
      TableReader sub(*e.as_table(), file_, Path(key) + "[" + std::to_string(i++) + "]", status_);
      fn(sub);
    }
  }
  const toml::node* Get(std::string_view key, bool required) {
    if (!status_->ok()) return nullptr;
    const toml::node* n = t_.get(key);
    if (n == nullptr && required) {
      *status_ = Status::InvalidArgument(Where(t_.source()) + Path(key) + ": missing; " +
                                         "this key is required");
    }
    return n;
  }
  bool Fail(const toml::node& n, std::string_view key, const std::string& problem) {
    if (status_->ok()) {
      *status_ = Status::InvalidArgument(Where(n.source()) + Path(key) + ": " + problem);
    }
    return false;
  }
  bool ok() const { return status_->ok(); }
  int line() const { return static_cast<int>(t_.source().begin.line); }
  const std::string& context() const { return context_; }
  const std::string& file() const { return file_; }
  Status* status() const { return status_; }
  void set_context(std::string c) { context_ = std::move(c); }

 private:
  std::string Type(const toml::node& n) const { return TypeName(n); }
  static std::string Num(double v) {
    std::string s = std::to_string(v);
    s.erase(s.find_last_not_of('0') + 1);
    if (!s.empty() && s.back() == '.') s.pop_back();
    return s;
  }
  std::string Path(std::string_view key) const {
    return context_.empty() ? std::string(key) : context_ + "." + std::string(key);
  }
  std::string Where(const toml::source_region& r) const {
    return file_ + ":" + std::to_string(r.begin.line) + ":" + std::to_string(r.begin.column) + ": ";
  }
  const toml::table& t_;
  std::string file_, context_;
  Status* status_;
};

// Source and drill plan names: the one rule of snapshot/manifest.h.
bool ValidName(const std::string& s) { return IsValidSourceName(s); }

// "orders.customer_id" -> ("orders", "customer_id").
bool SplitColumn(const std::string& s, std::string* table, std::string* column) {
  const size_t dot = s.find('.');
  if (dot == std::string::npos || dot == 0 || dot + 1 == s.size()) return false;
  *table = s.substr(0, dot);
  *column = s.substr(dot + 1);
  return true;
}

uint64_t CadenceUs(const std::string& word) {
  constexpr uint64_t kDay = 86400ull * 1000000;
  if (word == "daily") return kDay;
  if (word == "weekly") return 7 * kDay;
  if (word == "monthly") return 31 * kDay;
  if (word == "quarterly") return 92 * kDay;
  if (word == "yearly") return 366 * kDay;
  return 0;
}

void ReadRelation(TableReader& r, std::vector<Relation>* out);

void ReadRetention(TableReader& r, RetentionPolicy* p) {
  r.AllowOnly({"keep_last", "keep_hourly", "keep_daily", "keep_weekly", "keep_monthly",
               "keep_yearly", "keep_within", "keep_tags"});
  uint32_t v = 0;
  if (r.Unsigned("keep_last", &v, 1000000)) p->last = static_cast<int>(v);
  if (r.Unsigned("keep_hourly", &v, 1000000)) p->hourly = static_cast<int>(v);
  if (r.Unsigned("keep_daily", &v, 1000000)) p->daily = static_cast<int>(v);
  if (r.Unsigned("keep_weekly", &v, 1000000)) p->weekly = static_cast<int>(v);
  if (r.Unsigned("keep_monthly", &v, 1000000)) p->monthly = static_cast<int>(v);
  if (r.Unsigned("keep_yearly", &v, 1000000)) p->yearly = static_cast<int>(v);
  std::string within;
  if (r.String("keep_within", &within)) {
    auto w = ParseKeepWithin(within);
    if (!w.ok()) {
      r.Fail(*r.Get("keep_within", false), "keep_within", w.status().message());
    } else {
      p->within = *w;
    }
  }
  r.Strings("keep_tags", &p->keep_tags);
}

void ReadAnomalyRules(TableReader& r, AnomalyRules* a) {
  r.AllowOnly(
      {"deleted", "changed", "added", "nulled", "dominant", "mad_k", "history", "min_rows"});
  r.Double("deleted", &a->deleted, 0, 100);
  r.Double("changed", &a->changed, 0, 100);
  r.Double("added", &a->added, 0, 100);
  r.Double("nulled", &a->nulled, 0, 1);
  r.Double("dominant", &a->dominant, 0, 1);
  r.Double("mad_k", &a->mad_k, 0, 1000);
  uint32_t v = 0;
  if (r.Unsigned("history", &v, 1000)) a->history = v;
  if (r.Unsigned("min_rows", &v, 1000000000)) a->min_rows = v;
}

bool KnownSensitivity(const std::string& s) {
  return s == "public" || s == "internal" || s == "confidential" || s == "restricted";
}

// The profile's input: metadata, transient and secret patterns, relations.
void ReadProfileInput(TableReader& r, SourceConfig* s) {
  ProfileInput& in = s->profile_input;
  in.where = "source '" + s->name + "'";
  for (const auto& [key, list] :
       {std::pair{"metadata", &in.metadata}, std::pair{"transient", &in.transient},
        std::pair{"secret", &in.secret}}) {
    if (!r.Strings(key, list)) continue;
    ProfileInput one;  // this key's patterns alone, so the error points at it
    (key == std::string_view("secret") ? one.secret : one.metadata) = *list;
    Status valid = ValidateProfileInput(one);
    if (!valid.ok()) r.Fail(*r.Get(key, false), key, valid.message());
  }
  r.Tables("relation", [&](TableReader& sub) { ReadRelation(sub, &in.relations); });
}

// password_file or password_command: where a database source's password
// comes from (never the password itself), for a kind that takes one.
void ReadSourcePassword(TableReader& r, SourceConfig* s) {
  const bool file = r.String("password_file", &s->password_file);
  const bool command = r.String("password_command", &s->password_command);
  if (!file && !command) return;
  const char* key = file ? "password_file" : "password_command";
  if (file && command) {
    r.Fail(*r.Get("password_command", false), "password_command",
           "give password_file or password_command, not both");
    return;
  }
  auto ref = BuiltinConnectors().Resolve(s->uri);
  if (!ref.ok()) return;  // the uri's own error is reported
  if (auto bound = ref->connector->WithPassword(nullptr); !bound.ok()) {
    r.Fail(*r.Get(key, false), key, bound.status().message());
  }
}

void ReadSource(TableReader& r, SourceConfig* s) {
  if (r.String("name", &s->name, true) && (!ValidName(s->name))) {
    r.Fail(*r.Get("name", false), "name",
           std::string(kSourceNameRule) + " (snapshots are named NAME@latest)");
  }
  if (!s->name.empty()) r.set_context("source '" + s->name + "'");
  r.AllowOnly(
      {"name",    "uri",           "profile",         "owner",     "domain",   "sensitivity",
       "rpo",     "rto",           "schedule",        "retention", "tags",     "include",
       "exclude", "metadata",      "transient",       "secret",    "relation", "anomalies",
       "copy_to", "password_file", "password_command"});
  r.Cron("schedule", &s->schedule);
  r.String("copy_to", &s->copy_to);  // a repository location (docs/guide/copy.md)
  if (r.String("uri", &s->uri, true)) {
    // Any scheme a connector of this build registered (sources/builtin).
    if (auto ref = BuiltinConnectors().Resolve(s->uri); !ref.ok()) {
      r.Fail(*r.Get("uri", false), "uri", ref.status().message());
    }
  }
  ReadSourcePassword(r, s);
  if (r.String("profile", &s->profile) && !BuiltinProfiles().Has(s->profile)) {
    r.Fail(*r.Get("profile", false), "profile", BuiltinProfiles().Unknown(s->profile));
  }
  r.String("owner", &s->owner);
  r.String("domain", &s->domain);
  if (r.String("sensitivity", &s->sensitivity) && !KnownSensitivity(s->sensitivity)) {
    r.Fail(
        *r.Get("sensitivity", false), "sensitivity",
        "expected public, internal, confidential or restricted, found \"" + s->sensitivity + "\"");
  }
  uint64_t us = 0;
  if (r.Duration("rpo", &us, &s->rpo)) {
    if (us == 0) {
      r.Fail(*r.Get("rpo", false), "rpo",
             "must be longer than 0s (how old the newest snapshot may be, e.g. \"24h\")");
    } else {
      s->rpo_us = us;
    }
  }
  if (r.Duration("rto", &us, &s->rto)) s->rto_us = us;
  r.Table("retention", [&](TableReader& sub) { ReadRetention(sub, &s->retention); });
  r.Strings("tags", &s->tags);
  r.Strings("include", &s->include);
  r.Strings("exclude", &s->exclude);
  ReadProfileInput(r, s);
  r.Table("anomalies", [&](TableReader& sub) { ReadAnomalyRules(sub, &s->anomalies); });
  if (r.ok()) {
    Status valid = ValidateAnomalyRules(s->anomalies);
    if (!valid.ok()) {
      const toml::node* n = r.Get("anomalies", false);
      if (n == nullptr) n = r.Get("name", false);
      r.Fail(*n, "anomalies", valid.message());
    }
  }
}

void ReadAlerts(TableReader& r, AlertsConfig* a) {
  r.AllowOnly({"webhook", "retries", "timeout"});
  if (r.String("webhook", &a->webhook) && a->webhook.rfind("http://", 0) != 0 &&
      a->webhook.rfind("https://", 0) != 0) {
    r.Fail(*r.Get("webhook", false), "webhook",
           "expected an http:// or https:// URL, found \"" + a->webhook + "\"");
  }
  uint32_t retries = 0;
  if (r.Unsigned("retries", &retries, 10)) a->retries = static_cast<int>(retries);
  r.Duration("timeout", &a->timeout_us);
}

void ReadRelation(TableReader& r, std::vector<Relation>* out) {
  r.AllowOnly({"child", "parent"});
  Relation rel;
  std::string child, parent;
  if (r.String("child", &child, true) && !SplitColumn(child, &rel.child_table, &rel.child_column)) {
    r.Fail(*r.Get("child", false), "child", "expected \"table.column\", found \"" + child + "\"");
  }
  if (r.String("parent", &parent, true) &&
      !SplitColumn(parent, &rel.parent_table, &rel.parent_column)) {
    r.Fail(*r.Get("parent", false), "parent",
           "expected \"table.column\", found \"" + parent + "\"");
  }
  if (r.ok()) out->push_back(rel);
}

void ReadAssertion(TableReader& r, DrillPlan* plan) {
  r.AllowOnly({"name", "sql", "expect", "live_sql"});
  DrillAssertion a;
  std::string expect;
  r.String("name", &a.name, true);
  r.String("sql", &a.sql, true);
  if (r.String("expect", &expect, true)) {
    Status s = ParseExpectation(expect, &a);
    if (!s.ok()) r.Fail(*r.Get("expect", false), "expect", s.message());
  }
  if (r.String("live_sql", &a.live_sql) && a.op != DrillAssertion::Op::kLive) {
    r.Fail(*r.Get("live_sql", false), "live_sql", "only meaningful with expect = \"live\"");
  }
  if (r.ok()) plan->assertions.push_back(a);
}

void ReadDrill(TableReader& r, DrillPlan* plan) {
  if (r.String("name", &plan->name, true) && !ValidName(plan->name)) {
    r.Fail(*r.Get("name", false), "name",
           "use 1-64 letters, digits, '-', '_' or '.' (it names report files)");
  }
  if (!plan->name.empty()) r.set_context("drill '" + plan->name + "'");
  r.AllowOnly({"name", "source", "snapshot", "tables", "rotate", "rotate_tables", "skip", "rto",
               "rpo", "cadence", "baseline_tolerance", "baseline_min_rows", "scratch_dir",
               "scratch_server", "unique", "relation", "assert"});
  r.String("source", &plan->source, true);
  r.String("snapshot", &plan->snapshot);
  r.Strings("tables", &plan->tables);
  r.Bool("rotate", &plan->rotate);
  if (r.Unsigned("rotate_tables", &plan->rotate_tables, 100000) && !plan->rotate) {
    r.Fail(*r.Get("rotate_tables", false), "rotate_tables", "only meaningful with rotate = true");
  }
  if (r.Strings("skip", &plan->skip)) {
    for (const std::string& k : plan->skip) {
      if (std::none_of(std::begin(kDrillCheckKinds), std::end(kDrillCheckKinds),
                       [&](const char* n) { return k == n; })) {
        r.Fail(*r.Get("skip", false), "skip",
               "unknown check '" + k +
                   "'; checks are schema, counts, digest, integrity, "
                   "foreign-keys, relation, uniqueness, assertion, baseline");
      }
    }
  }
  uint64_t us = 0;
  if (r.Duration("rto", &us)) plan->rto_us = us;
  if (r.Duration("rpo", &us)) plan->rpo_us = us;
  if (r.String("cadence", &plan->cadence)) {
    plan->cadence_us = CadenceUs(plan->cadence);
    if (plan->cadence_us == 0) {
      auto d = ParseDurationUs(plan->cadence);
      if (!d.ok()) {
        r.Fail(*r.Get("cadence", false), "cadence",
               "expected daily, weekly, monthly, quarterly, yearly or a duration like \"14d\"");
      } else {
        plan->cadence_us = *d;
      }
    }
  }
  if (const toml::node* n = r.Get("baseline_tolerance", false)) {
    auto v = n->value<double>();
    if (!v || *v < 0 || *v > 10) {
      r.Fail(*n, "baseline_tolerance", "expected a share such as 0.1 (10 %), from 0 to 10");
    } else {
      plan->baseline_tolerance = *v;
    }
  }
  uint32_t floor = 0;
  if (r.Unsigned("baseline_min_rows", &floor, 1000000000)) plan->baseline_min_rows = floor;
  r.String("scratch_dir", &plan->scratch_dir);
  r.String("scratch_server", &plan->scratch_server);
  r.Strings("unique", &plan->unique);
  r.Tables("relation", [&](TableReader& sub) { ReadRelation(sub, &plan->relations); });
  r.Tables("assert", [&](TableReader& sub) { ReadAssertion(sub, plan); });
}

void ReadSchedule(TableReader& r, ScheduleConfig* s) {
  r.AllowOnly({"retention", "max_jobs", "jitter"});
  r.Cron("retention", &s->retention);
  if (const toml::node* n = r.Get("max_jobs", false)) {
    const auto v = n->value<int64_t>();
    if (!n->is_integer() || !v || *v < 1 || *v > 64) {
      r.Fail(*n, "max_jobs", "expected an integer from 1 to 64");
    } else {
      s->max_jobs = static_cast<uint32_t>(*v);
    }
  }
  std::string jitter;
  if (r.String("jitter", &jitter)) {
    if (jitter == "0") {
      s->jitter_us = 0;
    } else {
      r.Duration("jitter", &s->jitter_us);
    }
  }
}

void ReadS3(TableReader& repo, S3Settings* s3) {
  const toml::node* n = repo.Get("s3", false);
  if (n == nullptr) return;
  if (!n->is_table()) {
    repo.Fail(*n, "s3", "expected a [repository.s3] table");
    return;
  }
  TableReader r(*n->as_table(), repo.file(), "repository.s3", repo.status());
  r.AllowOnly({"region", "addressing", "access_key_id", "secret_file", "secret_command", "profile",
               "conditional_put", "ca_file", "allow_http"});
  r.String("region", &s3->region);
  if (r.String("addressing", &s3->addressing) && s3->addressing != "path" &&
      s3->addressing != "virtual") {
    r.Fail(*r.Get("addressing", false), "addressing", "expected \"path\" or \"virtual\"");
  }
  r.String("access_key_id", &s3->access_key_id);
  r.String("secret_file", &s3->secret_file);
  r.String("secret_command", &s3->secret_command);
  r.String("profile", &s3->profile);
  if (r.String("conditional_put", &s3->conditional_put) && s3->conditional_put != "auto" &&
      s3->conditional_put != "yes" && s3->conditional_put != "no") {
    r.Fail(*r.Get("conditional_put", false), "conditional_put",
           "expected \"auto\", \"yes\" or \"no\"");
  }
  r.String("ca_file", &s3->ca_file);
  r.Bool("allow_http", &s3->allow_http);
  if (!s3->access_key_id.empty() && s3->secret_file.empty() && s3->secret_command.empty()) {
    r.Fail(*r.Get("access_key_id", false), "access_key_id",
           "needs secret_file or secret_command (the secret itself never goes in this file)");
  }
}

Result<ConfigFile> ReadTop(const toml::table& top, const std::string& file) {
  Status status;
  ConfigFile cfg;
  cfg.path = file;
  TableReader r(top, file, "", &status);
  r.AllowOnly({"repository", "source", "alerts", "drill", "schedule"});
  if (const toml::node* n = r.Get("repository", false)) {
    if (!n->is_table()) {
      r.Fail(*n, "repository", "expected a [repository] table");
    } else {
      TableReader repo(*n->as_table(), file, "repository", &status);
      repo.AllowOnly({"location", "password_file", "password_command", "s3"});
      repo.String("location", &cfg.repository.location);
      repo.String("password_file", &cfg.repository.password_file);
      repo.String("password_command", &cfg.repository.password_command);
      ReadS3(repo, &cfg.repository.s3);
    }
  }
  r.Tables("source", [&](TableReader& sub) {
    SourceConfig src;
    src.line = sub.line();
    ReadSource(sub, &src);
    if (!sub.ok()) return;
    if (cfg.FindSource(src.name) != nullptr) {
      sub.Fail(*sub.Get("name", false), "name",
               "a second source named '" + src.name + "'; source names must be unique");
      return;
    }
    cfg.sources.push_back(std::move(src));
  });
  r.Table("alerts", [&](TableReader& sub) { ReadAlerts(sub, &cfg.alerts); });
  r.Table("schedule", [&](TableReader& sub) { ReadSchedule(sub, &cfg.schedule); });
  r.Tables("drill", [&](TableReader& sub) {
    DrillPlan plan;
    ReadDrill(sub, &plan);
    if (!sub.ok()) return;
    if (cfg.FindDrill(plan.name) != nullptr) {
      sub.Fail(*sub.Get("name", false), "name",
               "a second drill plan named '" + plan.name + "'; plan names must be unique");
      return;
    }
    if (!cfg.sources.empty() && cfg.FindSource(plan.source) == nullptr) {
      sub.Fail(*sub.Get("source", false), "source",
               "no [[source]] named '" + plan.source + "' is declared in this file");
      return;
    }
    cfg.drills.push_back(std::move(plan));
  });
  if (!status.ok()) return status;
  return cfg;
}

}  // namespace

const SourceConfig* ConfigFile::FindSource(std::string_view name) const {
  for (const SourceConfig& s : sources) {
    if (s.name == name) return &s;
  }
  return nullptr;
}

const DrillPlan* ConfigFile::FindDrill(std::string_view name) const {
  for (const DrillPlan& p : drills) {
    if (p.name == name) return &p;
  }
  return nullptr;
}

namespace {

// Error messages quote keys and values from the file, which may hold control
// characters (TOML escapes such as "\n"): OneLine (base/hex.h) shows them
// escaped, so that an error stays one line.

Result<ConfigFile> ParseFile(std::string_view text, const std::string& file) {
  try {
    toml::table top = toml::parse(text, file);
    return ReadTop(top, file);
  } catch (const toml::parse_error& e) {
    const auto& b = e.source().begin;
    return Status::InvalidArgument(file + ":" + std::to_string(b.line) + ":" +
                                   std::to_string(b.column) +
                                   ": not valid TOML: " + std::string(e.description()));
  }
}

}  // namespace

Result<ConfigFile> ParseConfig(std::string_view text, const std::string& path) {
  const std::string file = path.empty() ? "tidemark.toml" : path;
  Result<ConfigFile> cfg = ParseFile(text, file);
  if (!cfg.ok()) return Status::InvalidArgument(OneLine(cfg.status().message()));
  return cfg;
}

Result<ConfigFile> LoadConfig(const std::string& path) {
  struct stat st;
  if (::stat(path.c_str(), &st) == 0 && S_ISDIR(st.st_mode)) {
    return Status::InvalidArgument("config file " + path +
                                   " is a directory; give the path of "
                                   "tidemark.toml with --config or TIDEMARK_CONFIG");
  }
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    return Status::NotFound("config file " + path +
                            " cannot be read; give another with --config or TIDEMARK_CONFIG");
  }
  std::ostringstream text;
  text << in.rdbuf();
  if (text.str().size() > (4u << 20)) {
    return Status::InvalidArgument(path + ": larger than 4 MiB; is this the right file?");
  }
  return ParseConfig(text.str(), path);
}

Result<std::unique_ptr<Profile>> MakeProfile(const SourceConfig& source) {
  return BuiltinProfiles().Make(source.profile, source.profile_input);
}

std::string ChooseConfigPath(const std::string& flag) {
  if (!flag.empty()) return flag;
  if (const char* env = getenv("TIDEMARK_CONFIG"); env && *env) return env;
  struct stat st;
  if (::stat("tidemark.toml", &st) == 0) return "tidemark.toml";
  return "";
}

}  // namespace tidemark
