// Profiles (docs/architecture.md "Profiles"): what a platform's tables mean
// beyond their SQL schema. A profile annotates a source's schema after the
// connector read it (SourceSchema::annotations: table roles, relations
// without foreign keys, secret columns, display names); the backup stores
// the annotations in the manifest, so a snapshot keeps them when the profile
// or its input changes later. Profiles are found by name in a registry;
// `generic` takes its input from tidemark.toml.
#pragma once

#include <array>
#include <functional>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "base/result.h"
#include "records/schema.h"

namespace tidemark {

class SourceReader;  // sources/connector.h

// What the user declares about a source in tidemark.toml, the input of a
// profile (the `generic` profile's only one; a platform profile may add its
// own knowledge). Patterns are fnmatch globs, ASCII case ignored.
struct ProfileInput {
  std::string where;                   // names the source in messages: "source 'shop'"
  std::vector<std::string> metadata;   // tables whose role is metadata
  std::vector<std::string> transient;  // tables whose role is transient
  std::vector<std::string> secret;     // "table.column" patterns of secret columns
  std::vector<Relation> relations;     // [[source.relation]], in declaration order
  bool operator==(const ProfileInput&) const = default;
};

// InvalidArgument naming the key when a pattern is empty, a secret pattern
// is not "table.column" or a relation lacks a table or column.
Status ValidateProfileInput(const ProfileInput& input);

class Profile {
 public:
  virtual ~Profile() = default;
  virtual std::string_view name() const = 0;
  // Replaces schema->annotations with this profile's annotations of
  // schema->tables (the tables the backup reads); nothing else changes.
  // InvalidArgument, saying what to fix, when the input does not fit the
  // schema (a relation naming a table or column that is not there).
  // Thread-safe (const, no state changes).
  virtual Status Annotate(SourceSchema* schema) const = 0;
  // Annotate, for a platform that keeps part of its meaning in rows of its
  // own tables (NocoDB's links in nc_col_relations_v2, Directus's in
  // directus_relations): `view` is the consistent read view `schema` came
  // from, and the profile reads those rows there (ReadColumns below: any
  // table of view->schema(), selected for the backup or not), in the same
  // transaction as the records it describes; it writes nothing and sees no
  // connector detail. What the rows say about tables the backup does not
  // read is left out. The default ignores the view. Not thread-safe (the
  // view is not).
  virtual Status AnnotateFrom(SourceReader* view, SourceSchema* schema) const {
    (void)view;
    return Annotate(schema);
  }
};

// The text of `columns` in every row of `table` (ASCII case ignored) as
// `view` holds it, in scan order: one vector per row, a value as
// ValueToDisplay writes it, NULL and a column the table lacks as "".
// NotFound when view->schema() has no such table. For profiles, which read
// small tables of platform metadata this way.
Result<std::vector<std::vector<std::string>>> ReadColumns(SourceReader* view,
                                                          std::string_view table,
                                                          const std::vector<std::string>& columns);

// True when `name` matches the fnmatch glob `pattern`, ASCII case ignored:
// the one matcher of table patterns for every profile.
bool TableMatches(std::string_view pattern, std::string_view name);

// What the platform profiles share (profile_nocodb.cc, profile_directus.cc).
// A table the platform itself keeps, found by name.
struct KnownTable {
  const char* pattern;                  // TableMatches glob
  TableRole role;                       //
  const char* display;                  // for people ("" = none)
  std::array<const char*, 8> secret{};  // its secret columns (a null ends the list)
};
// The first of `known` whose pattern matches `table`, or null.
const KnownTable* FindKnown(std::span<const KnownTable> known, std::string_view table);
// `known`'s annotation of `t`: role, display name and those secret columns `t` has.
TableAnnotation KnownAnnotation(const KnownTable& known, const TableSchema& t);
// Sets `schema->annotations` to `own` (the platform's: its entries in any
// order, its relations), with the generic profile's annotations from
// `input` for the tables `own` does not annotate and the input's relations
// after its own; entries in schema order, those that say nothing left out,
// and own relations naming a table or column `schema` lacks dropped (the
// backup does not read it). InvalidArgument as the generic profile.
Status ApplyPlatformAnnotations(std::string_view profile, const ProfileInput& input,
                                SchemaAnnotations own, SourceSchema* schema);

// Profiles by name. Not thread-safe while registering; const use is.
class ProfileRegistry {
 public:
  using Factory = std::function<std::unique_ptr<Profile>(const ProfileInput&)>;
  // True when a schema is one of the profile's platform (its tables or files).
  using Detector = std::function<bool(const SourceSchema&)>;
  void Register(std::string name, Factory make, Detector detect = nullptr);
  bool Has(std::string_view name) const;
  // The first registered profile whose detector knows `schema`; "" when none.
  std::string Detect(const SourceSchema& schema) const;
  // The profile `name` made with `input`. InvalidArgument listing the known
  // profiles when there is none of that name.
  Result<std::unique_ptr<Profile>> Make(std::string_view name, const ProfileInput& input) const;
  // The registered names, in registration order.
  std::vector<std::string> Names() const;
  // "unknown profile \"x\"; this build knows: generic".
  std::string Unknown(std::string_view name) const;

 private:
  struct Entry {
    std::string name;
    Factory make;
    Detector detect;
  };
  std::vector<Entry> profiles_;
};

// The profiles of this build (`generic`, `node-red`, `nocodb`, `directus`,
// `auto`), built on
// first use; thread-safe.
const ProfileRegistry& BuiltinProfiles();

// The generic profile: roles from the `metadata` and `transient` patterns
// (a table matching both is metadata), secret columns from the `secret`
// patterns, and the declared relations, checked against the schema.
// Display names: none (a platform profile knows them).
std::unique_ptr<Profile> MakeGenericProfile(const ProfileInput& input);

// The node-red profile (sources/profile_node_red.cc, docs/guide/platforms.md):
// what a Node-RED userdir read by the files: connector holds. The input's
// patterns and relations apply to the tables it does not know, and its
// relations are added to its own.
std::unique_ptr<Profile> MakeNodeRedProfile(const ProfileInput& input);
// True for the schema of a Node-RED userdir: a flows table (columns id,
// type, z, wires, doc) and a settings.js or a .config.*.json file (the
// runtime writes .config.nodes.json and .config.runtime.json; an embedded
// Node-RED has no settings.js).
bool IsNodeRedUserdir(const SourceSchema& schema);

// The nocodb profile (sources/profile_nocodb.cc, docs/guide/platforms.md):
// NocoDB's metadata in the same database. With the rows (AnnotateFrom):
// the tables of nc_models_v2 are data with their titles and their fields'
// titles, the links of nc_col_relations_v2 (has-many, belongs-to,
// many-to-many with its junction table) relations; the nc_* tables are
// metadata (a view with its filters, sorts and columns a group), logs,
// audit, jobs and sessions transient, API tokens, passwords and connection
// settings secret. From the schema alone (Annotate) only the roles and
// secrets. The input applies to the tables it does not know.
std::unique_ptr<Profile> MakeNocoDbProfile(const ProfileInput& input);
// True for a database holding NocoDB's metadata (nc_models_v2,
// nc_columns_v2 and nc_col_relations_v2).
bool IsNocoDbDatabase(const SourceSchema& schema);

// The directus profile (sources/profile_directus.cc, docs/guide/platforms.md):
// Directus's system tables in the same database. With the rows
// (AnnotateFrom): relations from directus_relations that no SQL foreign key
// says already, display names of the collections and their fields from
// directus_collections and directus_fields; directus_* tables metadata (a flow with its operations
// a group), activity, revisions, sessions and notifications transient, files
// and folders data, static tokens and password hashes secret. The input
// applies to the tables it does not know.
std::unique_ptr<Profile> MakeDirectusProfile(const ProfileInput& input);
// True for a database holding Directus's system tables (directus_collections,
// directus_relations, directus_migrations).
bool IsDirectusDatabase(const SourceSchema& schema);

// The `auto` profile (the default): the profile BuiltinProfiles().Detect
// finds for the schema at each backup, made with `input`; the generic one
// when none knows it. The annotations name the profile that wrote them.
std::unique_ptr<Profile> MakeAutoProfile(const ProfileInput& input);

}  // namespace tidemark
