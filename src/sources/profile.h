// Profiles (docs/architecture.md "Profiles"): what a platform's tables mean
// beyond their SQL schema. A profile annotates a source's schema after the
// connector read it (SourceSchema::annotations: table roles, relations
// without foreign keys, secret columns, display names); the backup stores
// the annotations in the manifest, so a snapshot keeps them when the profile
// or its input changes later. Profiles are found by name in a registry;
// `generic` takes its input from tidemark.toml.
#pragma once

#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "base/result.h"
#include "records/schema.h"

namespace tidemark {

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
};

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

// The profiles of this build (`generic`, `node-red`, `auto`), built on
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

// The `auto` profile (the default): the profile BuiltinProfiles().Detect
// finds for the schema at each backup, made with `input`; the generic one
// when none knows it. The annotations name the profile that wrote them.
std::unique_ptr<Profile> MakeAutoProfile(const ProfileInput& input);

}  // namespace tidemark
