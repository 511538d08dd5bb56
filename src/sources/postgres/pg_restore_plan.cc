#include "sources/postgres/pg_restore_plan.h"

#include <algorithm>
#include <cstdlib>
#include <optional>
#include <set>

namespace tidemark::pg {
namespace {

bool IdentChar(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' ||
         c == '$' || (static_cast<unsigned char>(c) >= 0x80);
}

char Lower(char c) { return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c; }

void SkipSpace(std::string_view s, size_t* pos) {
  while (*pos < s.size() && (s[*pos] == ' ' || s[*pos] == '\n' || s[*pos] == '\t')) ++*pos;
}

// Consumes keyword `w` (any case, a whole word) at *pos after spaces.
bool Word(std::string_view s, size_t* pos, std::string_view w) {
  size_t p = *pos;
  SkipSpace(s, &p);
  if (s.size() - p < w.size()) return false;
  for (size_t i = 0; i < w.size(); ++i) {
    if (Lower(s[p + i]) != Lower(w[i])) return false;
  }
  if (p + w.size() < s.size() && IdentChar(s[p + w.size()])) return false;
  *pos = p + w.size();
  return true;
}

// One identifier part; false when there is none at *pos.
bool Part(std::string_view s, size_t* pos, std::string* out) {
  SkipSpace(s, pos);
  out->clear();
  if (*pos < s.size() && s[*pos] == '"') {
    for (size_t p = *pos + 1; p < s.size(); ++p) {
      if (s[p] != '"') {
        *out += s[p];
      } else if (p + 1 < s.size() && s[p + 1] == '"') {
        *out += '"';
        ++p;
      } else {
        *pos = p + 1;
        return true;
      }
    }
    return false;
  }
  size_t p = *pos;
  while (p < s.size() && IdentChar(s[p])) *out += Lower(s[p++]);
  if (out->empty()) return false;
  *pos = p;
  return true;
}

// A dotted name: its parts ("public"."t"."c" -> 3 parts).
std::vector<std::string> Name(std::string_view s, size_t* pos) {
  std::vector<std::string> parts;
  std::string part;
  while (Part(s, pos, &part)) {
    parts.push_back(part);
    if (*pos >= s.size() || s[*pos] != '.') break;
    ++*pos;
  }
  return parts;
}

// The position of `needle` in `s` at or after `from`, outside "..." and '...'.
size_t FindOutsideQuotes(std::string_view s, std::string_view needle, size_t from = 0) {
  char quote = 0;
  for (size_t i = from; i < s.size(); ++i) {
    if (quote != 0) {
      if (s[i] == quote) quote = 0;  // a doubled quote reopens at once
      continue;
    }
    if (s[i] == '"' || s[i] == '\'') {
      quote = s[i];
      continue;
    }
    if (s.compare(i, needle.size(), needle) == 0) return i;
  }
  return std::string_view::npos;
}

bool IsRelationType(std::string_view t) {
  return t == "TABLE" || t == "VIEW" || t == "MATERIALIZED VIEW" || t == "FOREIGN TABLE" ||
         t == "TABLE ATTACH" || t == "MATERIALIZED VIEW DATA";
}

bool IsViewType(std::string_view t) {
  return t == "VIEW" || t == "MATERIALIZED VIEW" || t == "MATERIALIZED VIEW DATA";
}

// "ns.name" or "name" (in namespace `ns`) from a name's parts.
std::optional<RelName> Rel(const std::vector<std::string>& parts, const std::string& ns) {
  if (parts.empty()) return std::nullopt;
  if (parts.size() == 1) return RelName{ns, parts[0]};
  return RelName{parts[0], parts[1]};
}

}  // namespace

bool ParseQualifiedName(std::string_view text, size_t* pos, RelName* out) {
  std::vector<std::string> parts = Name(text, pos);
  if (parts.empty()) return false;
  *out = parts.size() == 1 ? RelName{"", parts[0]} : RelName{parts[0], parts[1]};
  return true;
}

namespace {

// COMMENT ON / SECURITY LABEL ON <kind> X, COLUMN X.c, <kind> n ON X.
std::optional<RelName> CommentedRelation(std::string_view sql, const std::string& ns,
                                         std::string* kind) {
  size_t p = 0;
  size_t on = FindOutsideQuotes(sql, " ON ");
  if (on == std::string_view::npos) return std::nullopt;
  p = on + 4;
  for (const char* k : {"COLUMN", "TABLE", "VIEW", "MATERIALIZED", "FOREIGN", "SEQUENCE", "INDEX",
                        "CONSTRAINT", "TRIGGER", "POLICY", "RULE"}) {
    size_t q = p;
    if (!Word(sql, &q, k)) continue;
    *kind = k;
    if (*kind == "COLUMN") {
      std::vector<std::string> n = Name(sql, &q);
      if (!n.empty()) n.pop_back();  // the column
      return Rel(n, ns);
    }
    if (*kind == "MATERIALIZED" || *kind == "FOREIGN")
      Word(sql, &q, *kind == "MATERIALIZED" ? "VIEW" : "TABLE");
    if (*kind == "CONSTRAINT" || *kind == "TRIGGER" || *kind == "POLICY" || *kind == "RULE") {
      Name(sql, &q);
      if (!Word(sql, &q, "ON")) return std::nullopt;
      if (Word(sql, &q, "DOMAIN")) return std::nullopt;  // a domain's constraint
      *kind = "TABLE";
    }
    std::vector<std::string> n = Name(sql, &q);
    if (*kind != "SEQUENCE" && *kind != "INDEX") *kind = "TABLE";
    return Rel(n, ns);
  }
  return std::nullopt;
}

// The relation a statement of pg_dump's is about, from its SQL: ALTER TABLE
// X, CREATE INDEX n ON X, CREATE TRIGGER/POLICY/RULE ... ON X, COMMENT ON
// <kind> X / COLUMN X.c / <kind> n ON X, GRANT/REVOKE ... ON <kind> X.
// `kind` says what X is ("TABLE", "SEQUENCE", "INDEX", "" when unknown).
std::optional<RelName> RelationInSql(std::string_view sql, const std::string& ns,
                                     std::string* kind) {
  size_t p = 0;
  *kind = "TABLE";
  if (Word(sql, &p, "ALTER")) {
    Word(sql, &p, "FOREIGN");
    if (!Word(sql, &p, "TABLE")) return std::nullopt;
    Word(sql, &p, "ONLY");
    std::vector<std::string> n = Name(sql, &p);
    return Rel(n, ns);
  }
  if (Word(sql, &p, "COMMENT") || Word(sql, &p, "SECURITY"))
    return CommentedRelation(sql, ns, kind);
  if (Word(sql, &p, "GRANT") || Word(sql, &p, "REVOKE")) {
    size_t on = FindOutsideQuotes(sql, " ON ");
    if (on == std::string_view::npos) return std::nullopt;
    p = on + 4;
    if (Word(sql, &p, "SEQUENCE")) {
      *kind = "SEQUENCE";
    } else if (!Word(sql, &p, "TABLE")) {
      return std::nullopt;
    }
    std::vector<std::string> n = Name(sql, &p);
    return Rel(n, ns);
  }
  if (!Word(sql, &p, "CREATE")) return std::nullopt;
  if (!Word(sql, &p, "UNIQUE") && !Word(sql, &p, "CONSTRAINT") && Word(sql, &p, "OR")) {
    Word(sql, &p, "REPLACE");
  }
  const bool rule = Word(sql, &p, "RULE");
  if (!rule && !Word(sql, &p, "INDEX") && !Word(sql, &p, "TRIGGER") && !Word(sql, &p, "POLICY")) {
    return std::nullopt;
  }
  size_t on = FindOutsideQuotes(sql, rule ? " TO " : " ON ", p);
  if (on == std::string_view::npos) return std::nullopt;
  p = on + 4;
  Word(sql, &p, "ONLY");
  std::vector<std::string> n = Name(sql, &p);
  return Rel(n, ns);
}

class Planner {
 public:
  explicit Planner(const SourceSchema& s) : s_(s) {}

  Status Select(const std::vector<std::string>& tables);
  PgRestorePlan Plan();

 private:
  std::string Ns(size_t i) const {
    return i < s_.object_namespaces.size() ? s_.object_namespaces[i] : std::string();
  }
  std::optional<RelName> OwnerOfSequence(const std::string& ns, const std::string& name) const;
  std::optional<RelName> IndexTable(const RelName& index) const;
  std::optional<RelName> RelationOf(size_t i) const;
  bool Included(size_t i, std::string* why_not) const;
  void AddAncestors(const RelName& r);

  const SourceSchema& s_;
  bool all_ = true;
  std::set<RelName> selected_;
};

std::optional<RelName> Planner::OwnerOfSequence(const std::string& ns,
                                                const std::string& name) const {
  const SequenceInfo* q = s_.FindSequence(ns, name);
  if (q == nullptr || q->owner_table.empty()) return std::nullopt;
  return RelName{q->namespace_name, q->owner_table};
}

std::optional<RelName> Planner::IndexTable(const RelName& index) const {
  for (size_t i = 0; i < s_.objects.size(); ++i) {
    const SchemaObject& o = s_.objects[i];
    if (o.type == "INDEX" && o.name == index.second && Ns(i) == index.first) return RelationOf(i);
  }
  return std::nullopt;
}

// The relation object i belongs to; nullopt for an object tied to none.
std::optional<RelName> Planner::RelationOf(size_t i) const {
  const SchemaObject& o = s_.objects[i];
  const std::string ns = Ns(i);
  if (IsRelationType(o.type)) return RelName{ns, o.name};
  if (o.type == "SEQUENCE" || o.type == "SEQUENCE OWNED BY") return OwnerOfSequence(ns, o.name);
  if (!o.tbl_name.empty()) return RelName{ns, o.tbl_name};
  std::string kind;
  std::optional<RelName> r = RelationInSql(o.sql, ns, &kind);
  if (!r) return std::nullopt;
  if (kind == "SEQUENCE") return OwnerOfSequence(r->first, r->second);
  if (kind == "INDEX") return IndexTable(*r);
  return r;
}

void Planner::AddAncestors(const RelName& r) {
  // A partition needs its partitioned table: pg_dump's TABLE ATTACH entry
  // "ALTER TABLE ONLY parent ATTACH PARTITION part ...".
  for (size_t i = 0; i < s_.objects.size(); ++i) {
    const SchemaObject& o = s_.objects[i];
    if (o.type != "TABLE ATTACH" || o.name != r.second || Ns(i) != r.first) continue;
    std::string kind;
    std::optional<RelName> parent = RelationInSql(o.sql, Ns(i), &kind);
    if (parent && selected_.insert(*parent).second) AddAncestors(*parent);
  }
}

Status Planner::Select(const std::vector<std::string>& tables) {
  all_ = tables.empty();
  for (const TableSchema& t : s_.tables) {
    bool want = all_ || std::find(tables.begin(), tables.end(), t.name) != tables.end() ||
                std::find(tables.begin(), tables.end(), t.QualifiedName()) != tables.end();
    if (want) selected_.insert({t.namespace_name, t.name});
  }
  for (const std::string& name : tables) {
    bool known = false;
    for (const TableSchema& t : s_.tables)
      known = known || t.name == name || t.QualifiedName() == name;
    if (!known) {
      return Status::NotFound("snapshot has no table '" + name +
                              "'; `tidemark ls SNAP` lists its tables");
    }
  }
  if (!all_) {
    std::vector<RelName> roots(selected_.begin(), selected_.end());
    for (const RelName& r : roots) AddAncestors(r);
  }
  return Status::OK();
}

bool Planner::Included(size_t i, std::string* why_not) const {
  const SchemaObject& o = s_.objects[i];
  if (o.type == "ROLE" || o.type == "DATABASE" || o.sql.empty()) return false;
  if (all_) return true;
  std::optional<RelName> rel = RelationOf(i);
  if (IsViewType(o.type) && !selected_.count({Ns(i), o.name})) {
    if (o.type != "MATERIALIZED VIEW DATA") *why_not = o.type + " " + Ns(i) + "." + o.name;
    return false;
  }
  if (rel && !selected_.count(*rel)) return false;
  if (o.type == "FK CONSTRAINT") {
    size_t at = FindOutsideQuotes(o.sql, " REFERENCES ");
    RelName to;
    size_t p = at + 12;
    if (at != std::string_view::npos && ParseQualifiedName(o.sql, &p, &to)) {
      if (to.first.empty()) to.first = Ns(i);
      if (!selected_.count(to)) {
        *why_not = "FK CONSTRAINT " + Ns(i) + "." + o.name + " (references " + to.first + "." +
                   to.second + ", not restored)";
        return false;
      }
    }
  }
  return true;
}

PgRestorePlan Planner::Plan() {
  PgRestorePlan plan;
  size_t post_from = s_.objects.size();
  if (std::string v = s_.Setting("postgres.post_data_from"); !v.empty()) {
    post_from = std::min<size_t>(std::strtoull(v.c_str(), nullptr, 10), s_.objects.size());
  }
  std::set<std::string> roles;
  for (size_t i = 0; i < s_.objects.size(); ++i) {
    const SchemaObject& o = s_.objects[i];
    if (o.type == "ROLE" && all_) roles.insert(o.name);
    std::string why_not;
    if (!Included(i, &why_not)) {
      if (!why_not.empty()) plan.left_out.push_back(why_not);
      continue;
    }
    (i < post_from ? plan.pre_data : plan.post_data).push_back(i);
    for (std::string& r : RolesNamedIn(o.sql)) roles.insert(std::move(r));
  }
  plan.roles.assign(roles.begin(), roles.end());
  for (size_t i = 0; i < s_.sequences.size(); ++i) {
    const SequenceInfo& q = s_.sequences[i];
    if (all_ || q.owner_table.empty() || selected_.count({q.namespace_name, q.owner_table})) {
      plan.sequences.push_back(i);
    }
  }
  const std::string prefix = "postgres.extension.";
  for (const auto& [name, value] : s_.settings) {
    if (name.compare(0, prefix.size(), prefix) == 0) {
      plan.extensions.emplace_back(name.substr(prefix.size()), value);
    }
  }
  plan.relations.assign(selected_.begin(), selected_.end());
  return plan;
}

void AddRoleList(std::string_view stmt, size_t p, std::vector<std::string>* out) {
  for (;;) {
    std::string name;
    size_t before = p;
    SkipSpace(stmt, &before);
    bool quoted = before < stmt.size() && stmt[before] == '"';
    if (!Part(stmt, &p, &name)) return;
    if (quoted || (name != "public" && name != "with" && name != "granted")) out->push_back(name);
    if (!quoted && (name == "with" || name == "granted")) return;
    SkipSpace(stmt, &p);
    if (p >= stmt.size() || stmt[p] != ',') return;
    ++p;
  }
}

}  // namespace

std::vector<std::string> RolesNamedIn(std::string_view sql) {
  std::vector<std::string> out;
  for (size_t at = FindOutsideQuotes(sql, "OWNER TO "); at != std::string_view::npos;
       at = FindOutsideQuotes(sql, "OWNER TO ", at + 9)) {
    AddRoleList(sql, at + 9, &out);
  }
  size_t start = 0;
  while (start < sql.size()) {
    size_t end = FindOutsideQuotes(sql, ";", start);
    if (end == std::string_view::npos) end = sql.size();
    std::string_view stmt = sql.substr(start, end - start);
    size_t p = 0;
    if (Word(stmt, &p, "GRANT")) {
      size_t to = std::string_view::npos;
      for (size_t at = FindOutsideQuotes(stmt, " TO "); at != std::string_view::npos;
           at = FindOutsideQuotes(stmt, " TO ", at + 4)) {
        to = at;
      }
      if (to != std::string_view::npos) AddRoleList(stmt, to + 4, &out);
    }
    start = end + 1;
  }
  return out;
}

Result<PgRestorePlan> PlanPgRestore(const SourceSchema& schema,
                                    const std::vector<std::string>& tables) {
  Planner planner(schema);
  if (Status s = planner.Select(tables); !s.ok()) return s;
  return planner.Plan();
}

}  // namespace tidemark::pg
