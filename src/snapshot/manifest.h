// Snapshot manifests (docs/format/snapshot.md): what one backup of one source
// holds. A manifest is immutable, signed with the repository's Ed25519 key,
// encrypted, and stored as one file snapshots/<id>, where id =
// HMAC-SHA-256(id_key, manifest bytes).
#pragma once

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "base/result.h"
#include "records/schema.h"
#include "repo/id.h"
#include "repo/repository.h"
#include "tree/tree.h"

namespace tidemark {

struct SnapshotTable {
  TableSchema schema;
  TreeRoot root;       // root.count = rows
  std::string digest;  // 32 bytes, records.md §5 (empty for virtual tables)
  uint64_t bytes = 0;  // logical bytes of the records (keys + values)
};

// Totals against the parent, computed at backup time.
struct SnapshotStats {
  uint64_t records_added = 0, records_changed = 0, records_removed = 0;
  uint64_t bytes_added = 0;  // new blob bytes stored by this backup
  uint64_t duration_us = 0;
};

// Something a backup found badly wrong in the app compared with its parent
// and recent history (docs/guide/anomalies.md): a mass deletion, a column
// overwritten, a dropped view. Stored in the manifest (snapshot.md §2, v2).
struct Anomaly {
  std::string kind;    // "deleted", "changed", "added", "nulled", "dominant", "orphans",
                       // "dropped" (<= 64 bytes)
  std::string table;   // "" for the source as a whole
  std::string column;  // "" unless one column is concerned
  uint64_t count = 0;  // records (or objects) concerned
  uint64_t of = 0;     // out of how many (e.g. the table's rows at the parent)
  std::string detail;  // one line for people (<= 4096 bytes)
  bool operator==(const Anomaly&) const = default;
};

// The most anomalies one manifest holds (snapshot.md §2).
inline constexpr size_t kMaxManifestAnomalies = 4096;

struct Manifest {
  std::string source;      // source name
  std::string source_uri;  // "scheme:location" (SourceRef::uri()), as the backup read it
  int64_t time_us = 0;     // the moment the source's read transaction began
  Id parent;               // zero: none
  std::string tool_version, host, actor;
  std::vector<std::string> tags;
  // env, domain, purpose and other labels, sorted by name.
  std::vector<std::pair<std::string, std::string>> labels;
  std::vector<SnapshotTable> tables;  // in the source's schema order
  SourceSchema objects;               // objects and settings (tables left empty)
  SnapshotStats stats;
  std::vector<Anomaly> anomalies;  // found at backup time; empty: none (or not checked)

  // The table called `name`, or (for a table in a namespace) "namespace.name".
  const SnapshotTable* FindTable(std::string_view name) const;
  std::string Label(std::string_view name) const;  // "" when absent
  bool HasTag(std::string_view tag) const;
  uint64_t TotalRecords() const;
  // The source schema with tables, for a connector's restore target.
  SourceSchema FullSchema() const;
};

// Limits of snapshot.md §2 that a writer must respect (the decoder refuses
// anything past them): text fields (source, source_uri, tool_version, host,
// actor, tags, label names and values) at most kMaxManifestText bytes, at most
// kMaxManifestTags tags and labels.
inline constexpr size_t kMaxManifestText = 1u << 16;
inline constexpr uint64_t kMaxManifestTags = 4096;

// The one rule for source names, used by tidemark.toml and the CLI alike:
// 1-64 letters, digits, '-', '_' or '.' (no '/', '@', space or control
// character; snapshots are named NAME@latest and names go into file names).
bool IsValidSourceName(std::string_view name);
inline constexpr std::string_view kSourceNameRule = "use 1-64 letters, digits, '-', '_' or '.'";

// InvalidArgument naming the field and its limit when `m` holds something
// DecodeManifest would refuse to read.
Status CheckManifest(const Manifest& m);

// Plain manifest bytes (no crypto), exposed for fuzzing and tests.
// InvalidArgument (CheckManifest) instead of bytes no reader accepts.
Result<std::string> EncodeManifest(const Manifest& m);
// The same bytes without the checks: only for tests and fuzz seeds that
// need an invalid manifest.
std::string EncodeManifestUnchecked(const Manifest& m);
Result<Manifest> DecodeManifest(std::string_view data, std::string_view what);

// Stores `m` as a new snapshot file; returns its id.
Result<Id> WriteSnapshot(const Repository& repo, const Manifest& m);
// Reads, decrypts and verifies a snapshot (signature and id). Corruption
// names the snapshot and the failed check; NotFound when it does not exist.
Result<Manifest> ReadSnapshot(const Repository& repo, const Id& id);
// The file bytes <-> manifest, without the backend (for fuzzing).
std::string SealSnapshot(const MasterKeys& keys, const Id& id, std::string_view manifest_bytes);
Result<Manifest> OpenSnapshot(const MasterKeys& keys, const Id& id, std::string_view file);
Id SnapshotIdOf(const MasterKeys& keys, std::string_view manifest_bytes);
// The verified manifest bytes of a snapshot file (magic, AEAD, signature,
// id), not decoded: a manifest that is signed but does not decode (written
// by a release that did not check its limits) is still ours to forget.
Result<std::string> OpenSnapshotBytes(const MasterKeys& keys, const Id& id, std::string_view file);
Result<std::string> ReadSnapshotBytes(const Repository& repo, const Id& id);

// Every snapshot id in the repository.
Result<std::vector<Id>> ListSnapshots(const Repository& repo);

}  // namespace tidemark
