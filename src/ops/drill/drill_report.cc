// The drill report's JSON document (docs/format/drills.md §2) and its
// Markdown and HTML renderings.
#include "ops/drill/drill_report.h"

#include <algorithm>
#include <cstdio>
#include <limits>

#include "base/clock.h"
#include "base/hex.h"
#include "base/json.h"
#include "base/json_parse.h"
#include "sources/legacy_names.h"

namespace tidemark {
namespace {

// drills.md §2: limits a reader enforces. A report is a signed object, but a
// reader must not trust its size or length fields any more than other bytes.
constexpr size_t kMaxReportBytes = size_t{16} << 20;
constexpr size_t kMaxChecks = 100000;
constexpr int64_t kReportVersion = 1;

bool IsLowerHex(std::string_view s, size_t digits) {
  return s.size() == digits && std::all_of(s.begin(), s.end(), [](char c) {
           return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f');
         });
}

// ---- writing ----

void WriteCheck(const DrillCheck& c, JsonWriter* w) {
  w->BeginObject()
      .Field("kind", c.kind)
      .Field("name", c.name)
      .Field("outcome", CheckOutcomeName(c.outcome))
      .Field("detail", c.detail)
      .Field("duration_us", c.duration_us)
      .EndObject();
}

void WriteOptional(std::string_view key, const std::optional<uint64_t>& v, JsonWriter* w) {
  if (v.has_value()) w->Field(key, *v);
}

// ---- reading ----

enum class Need { kRequired, kOptional };

// Reads the members of one JSON object of a report named `what`; `prefix`
// is the object's path in the document ("" for the top level, "checks[2]"),
// so that errors name the field: "<what>: field checks[2].outcome: …".
class ObjectReader {
 public:
  ObjectReader(const std::string& what, std::string prefix, const JsonValue& obj)
      : what_(what), prefix_(std::move(prefix)), obj_(obj) {}

  const std::string& what() const { return what_; }
  std::string Path(std::string_view key) const {
    return prefix_.empty() ? std::string(key) : prefix_ + "." + std::string(key);
  }
  Status Error(std::string_view key, std::string_view problem) const {
    return Status::Corruption(what_ + ": field " + Path(key) + ": " + std::string(problem));
  }

  // Each leaves *out unchanged when the member is absent and optional.
  Status Str(const char* key, Need need, std::string* out) const;
  Status Int(const char* key, Need need, int64_t* out) const;
  Status Uint(const char* key, Need need, uint64_t* out) const;
  Status Bool(const char* key, Need need, bool* out) const;
  // Absent or null: nullopt.
  Status OptionalUint(const char* key, std::optional<uint64_t>* out) const;
  // An optional array of strings; absent: *out unchanged.
  Status Strings(const char* key, std::vector<std::string>* out) const;
  // An optional "", "plan" or "source".
  Status TargetFrom(const char* key, std::string* out) const;
  // *out is nullptr when the member is absent and optional.
  Status Array(const char* key, Need need, const JsonValue** out) const;

 private:
  // *out is the member, or nullptr when absent (an error when required).
  // A present member of another type than `type` is an error.
  Status Member(const char* key, Need need, JsonValue::Type type, const JsonValue** out) const;

  const std::string& what_;
  std::string prefix_;
  const JsonValue& obj_;
};

// At most 40 bytes of a number's text, for messages.
std::string Quoted(const std::string& text) {
  return text.size() <= 40 ? text : text.substr(0, 40) + "…";
}

const char* Article(JsonValue::Type t) {
  return t == JsonValue::kArray || t == JsonValue::kObject ? "an " : "a ";
}

Status ObjectReader::Member(const char* key, Need need, JsonValue::Type type,
                            const JsonValue** out) const {
  *out = obj_.Find(key);
  if (*out == nullptr) {
    return need == Need::kRequired ? Error(key, "missing (a required field)") : Status::OK();
  }
  if ((*out)->type() != type) {
    return Error(key, std::string("expected ") + Article(type) + JsonValue::TypeName(type) +
                          ", found " + Article((*out)->type()) +
                          JsonValue::TypeName((*out)->type()));
  }
  return Status::OK();
}

Status ObjectReader::Str(const char* key, Need need, std::string* out) const {
  const JsonValue* v;
  TM_RETURN_IF_ERROR(Member(key, need, JsonValue::kString, &v));
  if (v != nullptr) *out = v->string_value();
  return Status::OK();
}

Status ObjectReader::Int(const char* key, Need need, int64_t* out) const {
  const JsonValue* v;
  TM_RETURN_IF_ERROR(Member(key, need, JsonValue::kNumber, &v));
  if (v == nullptr) return Status::OK();
  if (!v->is_integer()) {
    const std::string& t = v->number_text();
    const bool fraction = t.find_first_of(".eE") != std::string::npos;
    return Error(key, fraction ? "expected an integer, found " + Quoted(t)
                               : Quoted(t) + " is out of range for a 64-bit integer");
  }
  *out = v->int_value();
  return Status::OK();
}

// From the number's text, so the whole uint64 range reads back exactly (a
// JsonValue integer is an int64).
Status ObjectReader::Uint(const char* key, Need need, uint64_t* out) const {
  const JsonValue* v;
  TM_RETURN_IF_ERROR(Member(key, need, JsonValue::kNumber, &v));
  if (v == nullptr) return Status::OK();
  const std::string& t = v->number_text();
  if (t.find_first_not_of("0123456789") != std::string::npos) {
    return Error(key, "expected an unsigned integer, found " + Quoted(t));
  }
  uint64_t n = 0;
  for (char c : t) {
    const auto digit = static_cast<uint64_t>(c - '0');
    if (n > (std::numeric_limits<uint64_t>::max() - digit) / 10) {
      return Error(key, Quoted(t) + " is out of range for a 64-bit unsigned integer");
    }
    n = n * 10 + digit;
  }
  *out = n;
  return Status::OK();
}

Status ObjectReader::Bool(const char* key, Need need, bool* out) const {
  const JsonValue* v;
  TM_RETURN_IF_ERROR(Member(key, need, JsonValue::kBool, &v));
  if (v != nullptr) *out = v->bool_value();
  return Status::OK();
}

Status ObjectReader::OptionalUint(const char* key, std::optional<uint64_t>* out) const {
  const JsonValue* v = obj_.Find(key);
  if (v == nullptr || v->is_null()) {
    out->reset();
    return Status::OK();
  }
  uint64_t n = 0;
  TM_RETURN_IF_ERROR(Uint(key, Need::kRequired, &n));
  *out = n;
  return Status::OK();
}

Status ObjectReader::Strings(const char* key, std::vector<std::string>* out) const {
  const JsonValue* v;
  TM_RETURN_IF_ERROR(Member(key, Need::kOptional, JsonValue::kArray, &v));
  if (v == nullptr) return Status::OK();
  for (size_t i = 0; i < v->array().size(); i++) {
    const JsonValue& e = v->array()[i];
    if (e.type() != JsonValue::kString) {
      return Error(std::string(key) + "[" + std::to_string(i) + "]",
                   std::string("expected a string, found ") + Article(e.type()) +
                       JsonValue::TypeName(e.type()));
    }
    out->push_back(e.string_value());
  }
  return Status::OK();
}

Status ObjectReader::TargetFrom(const char* key, std::string* out) const {
  TM_RETURN_IF_ERROR(Str(key, Need::kOptional, out));
  if (!out->empty() && *out != "plan" && *out != "source") {
    return Error(key, "expected \"plan\", \"source\" or \"\"");
  }
  return Status::OK();
}

Status ObjectReader::Array(const char* key, Need need, const JsonValue** out) const {
  return Member(key, need, JsonValue::kArray, out);
}

// The version comes first, so a newer document is refused as such rather
// than for a field it no longer has.
Status ReadVersion(const ObjectReader& top, DrillReport* r) {
  int64_t version = 0;
  TM_RETURN_IF_ERROR(top.Int("version", Need::kRequired, &version));
  if (version > kReportVersion) {
    return Status::Unsupported(top.what() + ": field version: version " + std::to_string(version) +
                               " was written by a newer tidemark; upgrade tidemark to read it");
  }
  if (version < kReportVersion) return top.Error("version", "expected 1");
  r->version = static_cast<int>(version);
  return Status::OK();
}

Status ReadIdentity(const ObjectReader& top, DrillReport* r) {
  TM_RETURN_IF_ERROR(top.Str("run_id", Need::kRequired, &r->run_id));
  if (!IsLowerHex(r->run_id, 32)) return top.Error("run_id", "expected 32 lowercase hex digits");
  TM_RETURN_IF_ERROR(top.Str("plan", Need::kRequired, &r->plan));
  TM_RETURN_IF_ERROR(top.Str("source", Need::kRequired, &r->source));
  TM_RETURN_IF_ERROR(top.Str("snapshot_id", Need::kOptional, &r->snapshot_id));
  if (!r->snapshot_id.empty() && !IsLowerHex(r->snapshot_id, 64)) {
    return top.Error("snapshot_id", "expected \"\" or 64 lowercase hex digits");
  }
  TM_RETURN_IF_ERROR(top.Str("snapshot_choice", Need::kOptional, &r->snapshot_choice));
  TM_RETURN_IF_ERROR(top.Int("snapshot_time_us", Need::kOptional, &r->snapshot_time_us));
  TM_RETURN_IF_ERROR(top.Int("started_us", Need::kRequired, &r->started_us));
  TM_RETURN_IF_ERROR(top.Int("finished_us", Need::kRequired, &r->finished_us));
  TM_RETURN_IF_ERROR(top.Str("tool_version", Need::kOptional, &r->tool_version));
  TM_RETURN_IF_ERROR(top.Str("host", Need::kOptional, &r->host));
  TM_RETURN_IF_ERROR(top.Str("actor", Need::kOptional, &r->actor));
  TM_RETURN_IF_ERROR(top.Str("source_uri", Need::kOptional, &r->source_uri));
  TM_RETURN_IF_ERROR(top.Str("source_owner", Need::kOptional, &r->source_owner));
  TM_RETURN_IF_ERROR(top.Str("source_domain", Need::kOptional, &r->source_domain));
  TM_RETURN_IF_ERROR(top.Str("source_sensitivity", Need::kOptional, &r->source_sensitivity));
  TM_RETURN_IF_ERROR(top.Str("repository_id", Need::kOptional, &r->repository_id));
  TM_RETURN_IF_ERROR(top.Strings("plan_definition", &r->plan_definition));
  TM_RETURN_IF_ERROR(top.Str("target", Need::kOptional, &r->target));
  TM_RETURN_IF_ERROR(top.Bool("target_kept", Need::kOptional, &r->target_kept));
  return top.Bool("rotated", Need::kOptional, &r->rotated);
}

Status ReadMeasures(const ObjectReader& top, DrillReport* r) {
  TM_RETURN_IF_ERROR(top.Uint("restore_us", Need::kOptional, &r->restore_us));
  TM_RETURN_IF_ERROR(top.Uint("checks_us", Need::kOptional, &r->checks_us));
  TM_RETURN_IF_ERROR(top.Uint("rto_achieved_us", Need::kOptional, &r->rto_achieved_us));
  TM_RETURN_IF_ERROR(top.OptionalUint("rto_target_us", &r->rto_target_us));
  TM_RETURN_IF_ERROR(top.TargetFrom("rto_target_from", &r->rto_target_from));
  TM_RETURN_IF_ERROR(top.Uint("rpo_achieved_us", Need::kOptional, &r->rpo_achieved_us));
  TM_RETURN_IF_ERROR(top.OptionalUint("rpo_target_us", &r->rpo_target_us));
  TM_RETURN_IF_ERROR(top.TargetFrom("rpo_target_from", &r->rpo_target_from));
  TM_RETURN_IF_ERROR(top.Uint("records_restored", Need::kOptional, &r->records_restored));
  return top.Uint("bytes_restored", Need::kOptional, &r->bytes_restored);
}

// The elements of array `key`, each of which must be an object; calls
// read(element reader) for each.
template <typename Fn>
Status ReadObjects(const std::string& what, const ObjectReader& top, const char* key, Need need,
                   size_t limit, Fn read) {
  const JsonValue* array;
  TM_RETURN_IF_ERROR(top.Array(key, need, &array));
  if (array == nullptr) return Status::OK();
  if (array->array().size() > limit) {
    return top.Error(key, std::to_string(array->array().size()) + " elements, more than the " +
                              "limit of " + std::to_string(limit));
  }
  for (size_t i = 0; i < array->array().size(); i++) {
    const JsonValue& e = array->array()[i];
    const std::string path = top.Path(key) + "[" + std::to_string(i) + "]";
    if (!e.is_object()) {
      return Status::Corruption(what + ": field " + path + ": expected an object, found " +
                                Article(e.type()) + JsonValue::TypeName(e.type()));
    }
    TM_RETURN_IF_ERROR(read(ObjectReader(what, path, e)));
  }
  return Status::OK();
}

Status ReadCheck(const ObjectReader& in, DrillCheck* c) {
  TM_RETURN_IF_ERROR(in.Str("kind", Need::kRequired, &c->kind));
  TM_RETURN_IF_ERROR(in.Str("name", Need::kRequired, &c->name));
  std::string outcome;
  TM_RETURN_IF_ERROR(in.Str("outcome", Need::kRequired, &outcome));
  if (outcome == "pass") {
    c->outcome = CheckOutcome::kPass;
  } else if (outcome == "fail") {
    c->outcome = CheckOutcome::kFail;
  } else if (outcome == "skip") {
    c->outcome = CheckOutcome::kSkip;
  } else {
    return in.Error("outcome", "expected one of pass, fail, skip");
  }
  TM_RETURN_IF_ERROR(in.Str("detail", Need::kOptional, &c->detail));
  return in.Uint("duration_us", Need::kOptional, &c->duration_us);
}

}  // namespace

const char* CheckOutcomeName(CheckOutcome o) {
  switch (o) {
    case CheckOutcome::kPass:
      return "pass";
    case CheckOutcome::kFail:
      return "fail";
    case CheckOutcome::kSkip:
      return "skip";
  }
  return "fail";  // not reached: every enumerator is handled above
}

bool DrillReport::passed() const { return CountOutcome(CheckOutcome::kFail) == 0; }

size_t DrillReport::AppTableCount() const {
  return static_cast<size_t>(
      std::count_if(tables.begin(), tables.end(), [](const DrillTable& t) { return !t.internal; }));
}

size_t DrillReport::CountOutcome(CheckOutcome o) const {
  return static_cast<size_t>(std::count_if(checks.begin(), checks.end(),
                                           [o](const DrillCheck& c) { return c.outcome == o; }));
}

std::string DrillReportToJson(const DrillReport& r) {
  JsonWriter w;
  w.BeginObject()
      .Field("version", r.version)
      .Field("run_id", r.run_id)
      .Field("plan", r.plan)
      .Field("source", r.source)
      .Field("passed", r.passed());
  w.Key("counts")
      .BeginObject()
      .Field("pass", uint64_t{r.CountOutcome(CheckOutcome::kPass)})
      .Field("fail", uint64_t{r.CountOutcome(CheckOutcome::kFail)})
      .Field("skip", uint64_t{r.CountOutcome(CheckOutcome::kSkip)})
      .EndObject();
  w.Field("snapshot_id", r.snapshot_id)
      .Field("snapshot_choice", r.snapshot_choice)
      .Field("snapshot_time_us", r.snapshot_time_us)
      .Field("started_us", r.started_us)
      .Field("finished_us", r.finished_us)
      .Field("tool_version", r.tool_version)
      .Field("host", r.host)
      .Field("actor", r.actor)
      .Field("source_uri", r.source_uri)
      .Field("source_owner", r.source_owner)
      .Field("source_domain", r.source_domain)
      .Field("source_sensitivity", r.source_sensitivity)
      .Field("repository_id", r.repository_id);
  w.Key("plan_definition").BeginArray();
  for (const std::string& line : r.plan_definition) w.String(line);
  w.EndArray();
  w.Field("target", r.target)
      .Field("target_kept", r.target_kept)
      .Field("rotated", r.rotated)
      .Field("restore_us", r.restore_us)
      .Field("checks_us", r.checks_us)
      .Field("rto_achieved_us", r.rto_achieved_us);
  WriteOptional("rto_target_us", r.rto_target_us, &w);
  w.Field("rto_target_from", r.rto_target_from);
  w.Field("rpo_achieved_us", r.rpo_achieved_us);
  WriteOptional("rpo_target_us", r.rpo_target_us, &w);
  w.Field("rpo_target_from", r.rpo_target_from);
  w.Field("records_restored", r.records_restored).Field("bytes_restored", r.bytes_restored);
  w.Key("tables").BeginArray();
  for (const DrillTable& t : r.tables) {
    w.BeginObject().Field("name", t.name).Field("rows", t.rows);
    w.Field("internal", t.internal).EndObject();
  }
  w.EndArray();
  w.Key("checks").BeginArray();
  for (const DrillCheck& c : r.checks) WriteCheck(c, &w);
  w.EndArray();
  w.EndObject();
  return w.str();
}

Result<DrillReport> DrillReportFromJson(std::string_view json, std::string_view what) {
  const std::string w(what);
  if (json.size() > kMaxReportBytes) {
    return Status::Corruption(w + ": " + std::to_string(json.size()) +
                              " bytes, more than the limit of 16 MiB for a drill report");
  }
  auto doc = ParseJson(json);
  if (!doc.ok()) {
    std::string_view problem = doc.status().message();
    if (problem.substr(0, 6) == "JSON: ") problem.remove_prefix(6);
    return Status::Corruption(w + ": not valid JSON: " + std::string(problem));
  }
  if (!doc->is_object()) {
    return Status::Corruption(w + ": expected a JSON object, found " + Article(doc->type()) +
                              JsonValue::TypeName(doc->type()));
  }
  const ObjectReader top(w, "", *doc);
  DrillReport r;
  TM_RETURN_IF_ERROR(ReadVersion(top, &r));
  TM_RETURN_IF_ERROR(ReadIdentity(top, &r));
  TM_RETURN_IF_ERROR(ReadMeasures(top, &r));
  // The tables are bounded by the document size alone; the checks by kMaxChecks too.
  TM_RETURN_IF_ERROR(
      ReadObjects(w, top, "tables", Need::kOptional, kMaxReportBytes, [&](const ObjectReader& in) {
        DrillTable& t = r.tables.emplace_back();
        TM_RETURN_IF_ERROR(in.Str("name", Need::kRequired, &t.name));
        TM_RETURN_IF_ERROR(in.Uint("rows", Need::kRequired, &t.rows));
        // Reports written before "internal": the source's own tables by name.
        t.internal = LegacyInternalTableName(t.name);
        return in.Bool("internal", Need::kOptional, &t.internal);
      }));
  TM_RETURN_IF_ERROR(
      ReadObjects(w, top, "checks", Need::kRequired, kMaxChecks,
                  [&](const ObjectReader& in) { return ReadCheck(in, &r.checks.emplace_back()); }));
  return r;
}

// ---- rendering ----

namespace {

// One line of the summary table. `state` is "ok", "missed" or "": how an
// HTML row is coloured.
struct SummaryRow {
  std::string label, value, state;
};

SummaryRow TargetRow(std::string label, uint64_t achieved, const std::optional<uint64_t>& target,
                     const std::string& from) {
  SummaryRow row{std::move(label), FormatDurationUs(achieved), ""};
  if (!target.has_value()) {
    row.value += " (no target: neither the plan nor the source sets one)";
    return row;
  }
  row.state = achieved <= *target ? "ok" : "missed";
  row.value += " against a target of " + FormatDurationUs(*target) +
               (from == "plan"     ? " (the plan's)"
                : from == "source" ? " (the source's; the plan sets none)"
                                   : "") +
               ": " + row.state;
  return row;
}

std::string Or(const std::string& s) { return s.empty() ? "-" : s; }

std::string CountsText(const DrillReport& r) {
  return std::to_string(r.CountOutcome(CheckOutcome::kPass)) + " passed, " +
         std::to_string(r.CountOutcome(CheckOutcome::kFail)) + " failed, " +
         std::to_string(r.CountOutcome(CheckOutcome::kSkip)) + " skipped";
}

std::string Verdict(const DrillReport& r) { return r.passed() ? "PASSED" : "FAILED"; }

std::string Title(const DrillReport& r) {
  return "Restore drill " + r.plan + " for " + r.source + ": " + Verdict(r);
}

std::vector<SummaryRow> Summary(const DrillReport& r) {
  std::vector<SummaryRow> rows;
  rows.push_back({"Checks", CountsText(r), r.passed() ? "ok" : "missed"});
  rows.push_back({"Snapshot",
                  r.snapshot_id.empty()
                      ? "none (no snapshot could be chosen)"
                      : r.snapshot_id.substr(0, 12) + " of " + FormatTimeUtc(r.snapshot_time_us),
                  ""});
  rows.push_back({"Chosen as", r.snapshot_choice, ""});
  rows.push_back({"Source URI", Or(r.source_uri), ""});
  rows.push_back({"Owner", Or(r.source_owner), ""});
  rows.push_back({"Domain", Or(r.source_domain), ""});
  rows.push_back({"Sensitivity", Or(r.source_sensitivity), ""});
  rows.push_back({"Repository", Or(r.repository_id), ""});
  rows.push_back(
      TargetRow("RTO (restore + checks)", r.rto_achieved_us, r.rto_target_us, r.rto_target_from));
  rows.push_back(
      {"Time",
       "restore " + FormatDurationUs(r.restore_us) + ", checks " + FormatDurationUs(r.checks_us),
       ""});
  rows.push_back(
      TargetRow("RPO (snapshot age)", r.rpo_achieved_us, r.rpo_target_us, r.rpo_target_from));
  rows.push_back({"Restored",
                  std::to_string(r.records_restored) + " records, " +
                      FormatBytes(static_cast<double>(r.bytes_restored)) + " (" +
                      std::to_string(r.bytes_restored) + " bytes), " +
                      std::to_string(r.AppTableCount()) + " tables" +
                      (r.rotated ? " (this run's share: the plan rotates)" : ""),
                  ""});
  rows.push_back({"Restored into",
                  r.target.empty() ? "-" : r.target + (r.target_kept ? " (kept)" : " (removed)"),
                  ""});
  rows.push_back({"Tool version", r.tool_version, ""});
  rows.push_back({"Host", r.host, ""});
  rows.push_back({"Actor", r.actor, ""});
  rows.push_back({"Run", r.run_id, ""});
  rows.push_back({"Started", FormatTimeUtc(r.started_us), ""});
  rows.push_back({"Finished", FormatTimeUtc(r.finished_us), ""});
  return rows;
}

// How an auditor checks that the report is the one tidemark stored.
std::vector<std::string> VerifyLines(const DrillReport& r) {
  const std::string repo =
      r.repository_id.empty() ? "its repository" : "repository " + r.repository_id;
  return {
      "This page renders the signed report stored in " + repo + " as drills/" + r.run_id + ".",
      "Run `tidemark drills show " + r.run_id +
          " --verify` against that repository: it prints ok when the stored report's signature "
          "verifies, and damaged (exit 3) when it does not.",
      "The run is also recorded in the repository's ledger: `tidemark ledger show` lists an "
      "entry with action drill and target run " +
          r.run_id + "; `tidemark ledger verify` checks the ledger.",
  };
}

// The plan as run, one "key = value" per line.
std::vector<std::string> PlanLines(const DrillReport& r) {
  if (r.plan_definition.empty()) return {"not recorded (a report written by an older tidemark)"};
  return r.plan_definition;
}

// Failed checks first; otherwise in the order they ran.
std::vector<const DrillCheck*> FailedFirst(const DrillReport& r) {
  std::vector<const DrillCheck*> out;
  for (const DrillCheck& c : r.checks) out.push_back(&c);
  std::stable_partition(out.begin(), out.end(),
                        [](const DrillCheck* c) { return c->outcome == CheckOutcome::kFail; });
  return out;
}

const char* OutcomeLabel(CheckOutcome o) {
  return o == CheckOutcome::kFail ? "FAIL" : CheckOutcomeName(o);
}

// ---- Markdown ----

// Text for a table cell or heading, kept on one line: `|` is escaped (and a
// backslash before it doubled, so that it stays a backslash), and each line
// break becomes <br>.
std::string MdCell(std::string_view s) {
  std::string out;
  for (size_t i = 0; i < s.size(); i++) {
    const char c = s[i];
    const bool next_is_bar = i + 1 < s.size() && s[i + 1] == '|';
    if (c == '|') {
      out += "\\|";
    } else if (c == '\\' && next_is_bar) {
      out += "\\\\";
    } else if (c == '\r' || c == '\n') {
      if (c == '\r' && i + 1 < s.size() && s[i + 1] == '\n') i++;
      out += "<br>";
    } else {
      out += c;
    }
  }
  return out;
}

void MdRow(std::initializer_list<std::string_view> cells, std::string* out) {
  *out += "|";
  for (std::string_view c : cells) *out += " " + MdCell(c) + " |";
  *out += "\n";
}

}  // namespace

std::string RenderDrillMarkdown(const DrillReport& r) {
  std::string out = "# " + MdCell(Title(r)) + "\n\n";
  out += "| Item | Value |\n|---|---|\n";
  for (const SummaryRow& row : Summary(r)) MdRow({row.label, row.value}, &out);
  out += "\n## Plan\n\n";
  for (const std::string& line : PlanLines(r)) out += "- " + MdCell(line) + "\n";
  out += "\n## Verifying this report\n\n";
  for (const std::string& line : VerifyLines(r)) out += MdCell(line) + "\n";
  out += "\n## Checks\n\n";
  if (r.checks.empty()) {
    out += "No checks ran.\n";
  } else {
    out += "| Outcome | Kind | Name | Detail | Duration |\n|---|---|---|---|---:|\n";
    for (const DrillCheck* c : FailedFirst(r)) {
      MdRow(
          {OutcomeLabel(c->outcome), c->kind, c->name, c->detail, FormatDurationUs(c->duration_us)},
          &out);
    }
  }
  out += "\n## Restored tables\n\n";
  if (r.tables.empty()) {
    out += "No tables were restored.\n";
    return out;
  }
  if (r.rotated) out += "This run's share of the tables: the plan rotates.\n\n";
  out += "| Table | Rows |\n|---|---:|\n";
  for (const DrillTable& t : r.tables) {
    MdRow({t.name + (t.internal ? " (internal)" : ""), std::to_string(t.rows)}, &out);
  }
  return out;
}

// ---- HTML ----

namespace {

// Text and attribute values: the five characters HTML gives a meaning.
std::string Html(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  for (char c : s) {
    switch (c) {
      case '&':
        out += "&amp;";
        break;
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      case '"':
        out += "&quot;";
        break;
      case '\'':
        out += "&#39;";
        break;
      default:
        out += c;
    }
  }
  return out;
}

// Inline so that the page stays one self-contained file.
constexpr std::string_view kStyle =
    "body{font-family:system-ui,sans-serif;color:#1f2328;max-width:72em;margin:2em auto;"
    "padding:0 1em}\n"
    ".verdict{display:inline-block;font-size:1.6em;font-weight:bold;color:#fff;"
    "padding:.3em .8em;border-radius:.3em;print-color-adjust:exact}\n"
    ".verdict.pass{background:#1a7f37}.verdict.fail{background:#cf222e}\n"
    "table{border-collapse:collapse;margin:.5em 0 1.5em}\n"
    "th,td{border:1px solid #d0d7de;padding:.3em .6em;text-align:left;vertical-align:top}\n"
    "thead th{background:#f6f8fa}\n"
    "td.detail{white-space:pre-wrap;overflow-wrap:anywhere}\n"
    "td.num{text-align:right;font-variant-numeric:tabular-nums}\n"
    "tr.fail td.outcome,tr.missed td{color:#cf222e;font-weight:bold}\n"
    "tr.pass td.outcome,tr.ok td{color:#1a7f37}\n"
    "tr.skip td.outcome{color:#656d76}\n";

void HtmlCheckRow(const DrillCheck& c, std::string* out) {
  const std::string outcome = CheckOutcomeName(c.outcome);
  *out += "<tr class=\"" + outcome + "\" data-kind=\"" + Html(c.kind) + "\" data-name=\"" +
          Html(c.name) + "\" data-outcome=\"" + outcome + "\"><td class=\"outcome\">" +
          OutcomeLabel(c.outcome) + "</td><td>" + Html(c.kind) + "</td><td>" + Html(c.name) +
          "</td><td class=\"detail\">" + Html(c.detail) + "</td><td class=\"num\">" +
          Html(FormatDurationUs(c.duration_us)) + "</td></tr>\n";
}

void HtmlChecks(const DrillReport& r, std::string* out) {
  *out += "<h2>Checks</h2>\n";
  if (r.checks.empty()) {
    *out += "<p>No checks ran.</p>\n";
    return;
  }
  *out +=
      "<table class=\"checks\">\n<thead><tr><th>Outcome</th><th>Kind</th><th>Name</th>"
      "<th>Detail</th><th>Duration</th></tr></thead>\n<tbody>\n";
  for (const DrillCheck* c : FailedFirst(r)) HtmlCheckRow(*c, out);
  *out += "</tbody>\n</table>\n";
}

void HtmlTables(const DrillReport& r, std::string* out) {
  *out += "<h2>Restored tables</h2>\n";
  if (r.tables.empty()) {
    *out += "<p>No tables were restored.</p>\n";
    return;
  }
  if (r.rotated) *out += "<p>This run's share of the tables: the plan rotates.</p>\n";
  *out +=
      "<table class=\"tables\">\n<thead><tr><th>Table</th><th>Rows</th></tr></thead>\n"
      "<tbody>\n";
  for (const DrillTable& t : r.tables) {
    *out += "<tr><td>" + Html(t.name) + (t.internal ? " (internal)" : "") +
            "</td><td class=\"num\">" + std::to_string(t.rows) + "</td></tr>\n";
  }
  *out += "</tbody>\n</table>\n";
}

}  // namespace

std::string RenderDrillHtml(const DrillReport& r) {
  const std::string outcome = r.passed() ? "pass" : "fail";
  std::string out =
      "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
      "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n<title>" +
      Html(Title(r)) + "</title>\n<style>\n" + std::string(kStyle) + "</style>\n</head>\n<body>\n";
  out += "<h1>Restore drill <span class=\"plan\">" + Html(r.plan) +
         "</span> for <span class=\"source\">" + Html(r.source) + "</span></h1>\n";
  out += "<p><span id=\"verdict\" class=\"verdict " + outcome + "\" data-outcome=\"" + outcome +
         "\">" + Verdict(r) + "</span></p>\n";
  out += "<h2>Summary</h2>\n<table class=\"summary\">\n<tbody>\n";
  for (const SummaryRow& row : Summary(r)) {
    out += row.state.empty() ? "<tr>" : "<tr class=\"" + row.state + "\">";
    out += "<th scope=\"row\">" + Html(row.label) + "</th><td>" + Html(row.value) + "</td></tr>\n";
  }
  out += "</tbody>\n</table>\n<h2>Plan</h2>\n<ul class=\"plan\">\n";
  for (const std::string& line : PlanLines(r)) out += "<li>" + Html(line) + "</li>\n";
  out += "</ul>\n<h2>Verifying this report</h2>\n<div class=\"verify\">\n";
  for (const std::string& line : VerifyLines(r)) out += "<p>" + Html(line) + "</p>\n";
  out += "</div>\n";
  HtmlChecks(r, &out);
  HtmlTables(r, &out);
  out += "</body>\n</html>\n";
  return out;
}

// ---- durations ----

namespace {

// us / unit with three significant digits, rounded down, without trailing
// zeros: "1.53", "15.3", "153", "2". REQUIRES: us / unit < 1000 and us * 100
// does not overflow.
std::string ThreeDigits(uint64_t us, uint64_t unit) {
  const uint64_t whole = us / unit;
  const uint64_t scale = whole >= 100 ? 1 : whole >= 10 ? 10 : 100;
  const uint64_t scaled = us * scale / unit;
  std::string out = std::to_string(scaled / scale);
  uint64_t frac = scaled % scale;
  if (frac == 0) return out;
  std::string digits = std::to_string(frac);
  digits.insert(0, (scale == 100 ? 2 : 1) - digits.size(), '0');
  while (digits.back() == '0') digits.pop_back();
  return out + "." + digits;
}

// "3 h 10 min", or "3 h" when the smaller unit is zero.
std::string TwoUnits(uint64_t big, const char* big_name, uint64_t small, const char* small_name) {
  std::string out = std::to_string(big) + " " + big_name;
  if (small > 0) out += " " + std::to_string(small) + " " + small_name;
  return out;
}

}  // namespace

std::string FormatDurationUs(uint64_t us) {
  constexpr uint64_t kMs = 1000, kS = 1000 * kMs, kMin = 60 * kS, kH = 60 * kMin, kD = 24 * kH;
  if (us < kMs) return std::to_string(us) + " µs";
  if (us < kS) return ThreeDigits(us, kMs) + " ms";
  if (us < kMin) return ThreeDigits(us, kS) + " s";
  if (us < kH) return TwoUnits(us / kMin, "min", us % kMin / kS, "s");
  if (us < kD) return TwoUnits(us / kH, "h", us % kH / kMin, "min");
  return TwoUnits(us / kD, "d", us % kD / kH, "h");
}

}  // namespace tidemark
