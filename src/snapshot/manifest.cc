// Manifest encoding and snapshot files: docs/format/snapshot.md.
#include "snapshot/manifest.h"

#include <algorithm>

#include "base/coding.h"
#include "crypto/crypto.h"
#include "repo/small_file.h"

namespace tidemark {
namespace {

constexpr std::string_view kSnapshotMagic = "TMSNAP01";
constexpr std::string_view kAadSnapshot = "tidemark snapshot v1";
// snapshot.md §2: version 2 adds anomalies, version 3 the schema's
// annotations. A manifest is written in the lowest version that holds it, so
// one without anomalies and annotations is byte for byte what earlier
// releases wrote.
constexpr uint8_t kManifestVersion = 1;
constexpr uint8_t kManifestVersionAnomalies = 2;
constexpr uint8_t kManifestVersionAnnotations = 3;
constexpr uint64_t kMaxAnomalies = kMaxManifestAnomalies;
constexpr uint64_t kMaxAnomalyKind = 64;
constexpr uint64_t kMaxAnomalyDetail = 4096;
constexpr size_t kMaxText = kMaxManifestText;
constexpr size_t kMaxSchema = 64u << 20;
constexpr uint64_t kMaxTables = 1u << 20;
constexpr uint64_t kMaxTags = kMaxManifestTags;
constexpr size_t kMaxSnapshotFile = 256u << 20;
constexpr uint8_t kMaxTreeLevel = 32;
// Smallest table entry: schema str, root id (32), rows, level, digest str, bytes.
constexpr size_t kMinTable = 1 + 32 + 1 + 1 + 1 + 1;

Status GetText(ByteReader* r, std::string_view field, std::string* out, size_t max = kMaxText) {
  std::string_view v;
  TM_RETURN_IF_ERROR(r->LengthPrefixed(field, max, &v));
  out->assign(v);
  return Status::OK();
}

void EncodeTable(const SnapshotTable& t, std::string* out) {
  std::string schema;
  EncodeTableSchema(t.schema, &schema);
  PutLengthPrefixed(out, schema);
  out->append(t.root.id.View());
  PutVarint64(out, t.root.count);
  out->push_back(static_cast<char>(t.root.level));
  PutLengthPrefixed(out, t.digest);
  PutVarint64(out, t.bytes);
}

Status DecodeTable(ByteReader* r, std::string_view what, SnapshotTable* t) {
  std::string_view schema, id, digest;
  TM_RETURN_IF_ERROR(r->LengthPrefixed("table.schema", kMaxSchema, &schema));
  TM_RETURN_IF_ERROR(DecodeTableSchema(schema, std::string(what) + " table schema", &t->schema));
  TM_RETURN_IF_ERROR(r->Bytes("table.root", 32, &id));
  t->root.id = Id::FromBytes(id);
  TM_RETURN_IF_ERROR(r->Varint64("table.rows", &t->root.count));
  TM_RETURN_IF_ERROR(r->Fixed8("table.level", &t->root.level));
  if (t->root.level > kMaxTreeLevel) return r->Error("table.level", "too deep");
  TM_RETURN_IF_ERROR(r->LengthPrefixed("table.digest", 32, &digest));
  if (!digest.empty() && digest.size() != 32) return r->Error("table.digest", "not 32 bytes");
  t->digest.assign(digest);
  return r->Varint64("table.bytes", &t->bytes);
}

std::string SignedMessage(const Id& id, std::string_view manifest) {
  std::string msg(kAadSnapshot);
  msg.append(id.View());
  msg.append(manifest);
  return msg;
}

std::string SnapshotAad(const Id& id) {
  std::string aad(kAadSnapshot);
  aad.append(id.View());
  return aad;
}

}  // namespace

const SnapshotTable* Manifest::FindTable(std::string_view name) const {
  for (const SnapshotTable& t : tables) {
    if (t.schema.name == name) return &t;
  }
  // A table in a namespace may also be named "namespace.name".
  for (const SnapshotTable& t : tables) {
    if (!t.schema.namespace_name.empty() && t.schema.QualifiedName() == name) return &t;
  }
  return nullptr;
}

std::string Manifest::Label(std::string_view name) const {
  for (const auto& [k, v] : labels) {
    if (k == name) return v;
  }
  return "";
}

bool Manifest::HasTag(std::string_view tag) const {
  return std::find(tags.begin(), tags.end(), tag) != tags.end();
}

uint64_t Manifest::TotalRecords() const {
  uint64_t n = 0;
  for (const SnapshotTable& t : tables) n += t.root.count;
  return n;
}

SourceSchema Manifest::FullSchema() const {
  SourceSchema s = objects;
  s.tables.clear();
  for (const SnapshotTable& t : tables) s.tables.push_back(t.schema);
  return s;
}

namespace {

Status TooLong(std::string_view field, size_t size, size_t max) {
  return Status::InvalidArgument("manifest " + std::string(field) + ": " + std::to_string(size) +
                                 " bytes exceeds the limit of " + std::to_string(max) +
                                 " (docs/format/snapshot.md)");
}

Status CheckText(std::string_view field, std::string_view v, size_t max = kMaxText) {
  return v.size() > max ? TooLong(field, v.size(), max) : Status::OK();
}

Status CheckTables(const Manifest& m) {
  if (m.tables.size() > kMaxTables) return TooLong("table_count", m.tables.size(), kMaxTables);
  for (const SnapshotTable& t : m.tables) {
    std::string schema;
    EncodeTableSchema(t.schema, &schema);
    TM_RETURN_IF_ERROR(CheckText("table.schema", schema, kMaxSchema));
    if (t.root.level > kMaxTreeLevel)
      return Status::InvalidArgument("manifest table.level: deeper than 32");
    if (!t.digest.empty() && t.digest.size() != 32) {
      return Status::InvalidArgument("manifest table.digest: not 32 bytes");
    }
  }
  std::string objects;
  EncodeSchemaObjects(m.objects, &objects);
  TM_RETURN_IF_ERROR(CheckText("objects", objects, kMaxSchema));
  if (m.objects.annotations.empty()) return Status::OK();
  std::string annotations;
  EncodeAnnotations(m.objects.annotations, &annotations);
  // The decoder's rules, checked by decoding what would be written.
  SchemaAnnotations back;
  Status s = DecodeAnnotations(annotations, "manifest annotations", &back);
  if (!s.ok()) return Status::InvalidArgument(s.message());
  return CheckText("annotations", annotations, kMaxSchema);
}

Status CheckAnomalies(const Manifest& m) {
  if (m.anomalies.size() > kMaxAnomalies) {
    return TooLong("anomaly_count", m.anomalies.size(), kMaxAnomalies);
  }
  for (const Anomaly& a : m.anomalies) {
    TM_RETURN_IF_ERROR(CheckText("anomaly.kind", a.kind, kMaxAnomalyKind));
    TM_RETURN_IF_ERROR(CheckText("anomaly.table", a.table));
    TM_RETURN_IF_ERROR(CheckText("anomaly.column", a.column));
    TM_RETURN_IF_ERROR(CheckText("anomaly.detail", a.detail, kMaxAnomalyDetail));
  }
  return Status::OK();
}

}  // namespace

bool IsValidSourceName(std::string_view s) {
  return !s.empty() && s.size() <= 64 && std::all_of(s.begin(), s.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' ||
           c == '_' || c == '.';
  });
}

Status CheckManifest(const Manifest& m) {
  TM_RETURN_IF_ERROR(CheckText("source", m.source));
  TM_RETURN_IF_ERROR(CheckText("source_uri", m.source_uri));
  TM_RETURN_IF_ERROR(CheckText("tool_version", m.tool_version));
  TM_RETURN_IF_ERROR(CheckText("host", m.host));
  TM_RETURN_IF_ERROR(CheckText("actor", m.actor));
  if (m.tags.size() > kMaxTags) return TooLong("tag_count", m.tags.size(), kMaxTags);
  for (const std::string& t : m.tags) TM_RETURN_IF_ERROR(CheckText("tag", t));
  if (m.labels.size() > kMaxTags) return TooLong("label_count", m.labels.size(), kMaxTags);
  for (const auto& [k, v] : m.labels) {
    TM_RETURN_IF_ERROR(CheckText("label.name", k));
    TM_RETURN_IF_ERROR(CheckText("label " + k, v));
  }
  TM_RETURN_IF_ERROR(CheckTables(m));
  return CheckAnomalies(m);
}

Result<std::string> EncodeManifest(const Manifest& m) {
  TM_RETURN_IF_ERROR(CheckManifest(m));
  return EncodeManifestUnchecked(m);
}

std::string EncodeManifestUnchecked(const Manifest& m) {
  std::string out;
  const bool v3 = !m.objects.annotations.empty();
  const bool v2 = !v3 && !m.anomalies.empty();
  out.push_back(static_cast<char>(v3   ? kManifestVersionAnnotations
                                  : v2 ? kManifestVersionAnomalies
                                       : kManifestVersion));
  PutLengthPrefixed(&out, m.source);
  PutLengthPrefixed(&out, m.source_uri);
  PutVarsint64(&out, m.time_us);
  out.append(m.parent.View());
  PutLengthPrefixed(&out, m.tool_version);
  PutLengthPrefixed(&out, m.host);
  PutLengthPrefixed(&out, m.actor);
  PutVarint64(&out, m.tags.size());
  for (const std::string& t : m.tags) PutLengthPrefixed(&out, t);
  PutVarint64(&out, m.labels.size());
  for (const auto& [k, v] : m.labels) {
    PutLengthPrefixed(&out, k);
    PutLengthPrefixed(&out, v);
  }
  std::string objects;
  EncodeSchemaObjects(m.objects, &objects);
  PutLengthPrefixed(&out, objects);
  PutVarint64(&out, m.tables.size());
  for (const SnapshotTable& t : m.tables) EncodeTable(t, &out);
  for (uint64_t v : {m.stats.records_added, m.stats.records_changed, m.stats.records_removed,
                     m.stats.bytes_added, m.stats.duration_us}) {
    PutVarint64(&out, v);
  }
  if (v2 || v3) {
    PutVarint64(&out, m.anomalies.size());
    for (const Anomaly& a : m.anomalies) {
      PutLengthPrefixed(&out, a.kind);
      PutLengthPrefixed(&out, a.table);
      PutLengthPrefixed(&out, a.column);
      PutVarint64(&out, a.count);
      PutVarint64(&out, a.of);
      PutLengthPrefixed(&out, a.detail);
    }
  }
  if (v3) {
    std::string annotations;
    EncodeAnnotations(m.objects.annotations, &annotations);
    PutLengthPrefixed(&out, annotations);
  }
  return out;
}

namespace {

// Version 2's trailer (snapshot.md §2), also in version 3 where it may be
// empty. An anomaly takes at least 9 bytes.
Status DecodeAnomalies(ByteReader* r, uint8_t version, Manifest* m) {
  uint64_t n = 0;
  TM_RETURN_IF_ERROR(r->VarintMax("anomaly_count", kMaxAnomalies, &n));
  if (n == 0 && version == kManifestVersionAnomalies) {
    return r->Error("anomaly_count", "version 2 with no anomalies");
  }
  if (n > r->remaining() / 6) return r->Error("anomaly_count", "count larger than the data");
  m->anomalies.resize(n);
  std::string_view s;
  for (Anomaly& a : m->anomalies) {
    TM_RETURN_IF_ERROR(r->LengthPrefixed("anomaly.kind", kMaxAnomalyKind, &s));
    a.kind = std::string(s);
    TM_RETURN_IF_ERROR(r->LengthPrefixed("anomaly.table", 65536, &s));
    a.table = std::string(s);
    TM_RETURN_IF_ERROR(r->LengthPrefixed("anomaly.column", 65536, &s));
    a.column = std::string(s);
    TM_RETURN_IF_ERROR(r->Varint64("anomaly.count", &a.count));
    TM_RETURN_IF_ERROR(r->Varint64("anomaly.of", &a.of));
    TM_RETURN_IF_ERROR(r->LengthPrefixed("anomaly.detail", kMaxAnomalyDetail, &s));
    a.detail = std::string(s);
  }
  return Status::OK();
}

}  // namespace

Result<Manifest> DecodeManifest(std::string_view data, std::string_view what) {
  ByteReader r(data, std::string(what));
  Manifest m;
  uint8_t version = 0;
  TM_RETURN_IF_ERROR(r.Fixed8("version", &version));
  if (version != kManifestVersion && version != kManifestVersionAnomalies &&
      version != kManifestVersionAnnotations) {
    return Status::Unsupported(std::string(what) + ": manifest version " + std::to_string(version) +
                               " is newer than this tidemark reads; upgrade tidemark");
  }
  TM_RETURN_IF_ERROR(GetText(&r, "source", &m.source));
  TM_RETURN_IF_ERROR(GetText(&r, "source_uri", &m.source_uri));
  TM_RETURN_IF_ERROR(r.Varsint64("time_us", &m.time_us));
  std::string_view parent;
  TM_RETURN_IF_ERROR(r.Bytes("parent", 32, &parent));
  m.parent = Id::FromBytes(parent);
  TM_RETURN_IF_ERROR(GetText(&r, "tool_version", &m.tool_version));
  TM_RETURN_IF_ERROR(GetText(&r, "host", &m.host));
  TM_RETURN_IF_ERROR(GetText(&r, "actor", &m.actor));
  uint64_t n = 0;
  // Counts are checked against the bytes left before anything is allocated:
  // a tag takes at least 1 byte, a label 2, a table kMinTable.
  TM_RETURN_IF_ERROR(r.VarintMax("tag_count", kMaxTags, &n));
  if (n > r.remaining()) return r.Error("tag_count", "count larger than the data");
  m.tags.resize(n);
  for (std::string& t : m.tags) TM_RETURN_IF_ERROR(GetText(&r, "tag", &t));
  TM_RETURN_IF_ERROR(r.VarintMax("label_count", kMaxTags, &n));
  if (n > r.remaining() / 2) return r.Error("label_count", "count larger than the data");
  m.labels.resize(n);
  for (auto& [k, v] : m.labels) {
    TM_RETURN_IF_ERROR(GetText(&r, "label.name", &k));
    TM_RETURN_IF_ERROR(GetText(&r, "label.value", &v));
  }
  std::string_view objects;
  TM_RETURN_IF_ERROR(r.LengthPrefixed("objects", kMaxSchema, &objects));
  TM_RETURN_IF_ERROR(
      DecodeSchemaObjects(objects, std::string(what) + " schema objects", &m.objects));
  TM_RETURN_IF_ERROR(r.VarintMax("table_count", kMaxTables, &n));
  if (n > r.remaining() / kMinTable) return r.Error("table_count", "count larger than the data");
  m.tables.resize(n);
  for (SnapshotTable& t : m.tables) TM_RETURN_IF_ERROR(DecodeTable(&r, what, &t));
  for (uint64_t* v : {&m.stats.records_added, &m.stats.records_changed, &m.stats.records_removed,
                      &m.stats.bytes_added, &m.stats.duration_us}) {
    TM_RETURN_IF_ERROR(r.Varint64("stats", v));
  }
  if (version >= kManifestVersionAnomalies) TM_RETURN_IF_ERROR(DecodeAnomalies(&r, version, &m));
  if (version == kManifestVersionAnnotations) {
    // Version 3's trailer: the annotations (records.md §6.1), never empty.
    std::string_view annotations;
    TM_RETURN_IF_ERROR(r.LengthPrefixed("annotations", kMaxSchema, &annotations));
    TM_RETURN_IF_ERROR(
        DecodeAnnotations(annotations, std::string(what) + " annotations", &m.objects.annotations));
  }
  TM_RETURN_IF_ERROR(r.ExpectEnd());
  return m;
}

Id SnapshotIdOf(const MasterKeys& keys, std::string_view manifest_bytes) {
  return Id::FromBytes(HmacSha256(keys.id_key, manifest_bytes));
}

std::string SealSnapshot(const MasterKeys& keys, const Id& id, std::string_view manifest_bytes) {
  std::string body;
  PutLengthPrefixed(&body, manifest_bytes);
  body.append(Sign(keys.sign, SignedMessage(id, manifest_bytes)));
  std::string file(kSnapshotMagic);
  file.append(AeadSeal(keys.data_key, body, SnapshotAad(id)));
  return file;
}

Result<Manifest> OpenSnapshot(const MasterKeys& keys, const Id& id, std::string_view file) {
  TM_ASSIGN_OR_RETURN(std::string manifest, OpenSnapshotBytes(keys, id, file));
  return DecodeManifest(manifest, "snapshot " + id.Short());
}

Result<std::string> OpenSnapshotBytes(const MasterKeys& keys, const Id& id, std::string_view file) {
  const std::string what = "snapshot " + id.Short();
  if (file.size() < kSnapshotMagic.size() ||
      file.substr(0, kSnapshotMagic.size()) != kSnapshotMagic) {
    return Status::Corruption(what + ": offset 0: bad magic (not a snapshot file)");
  }
  auto body = AeadOpen(keys.data_key, file.substr(kSnapshotMagic.size()), SnapshotAad(id));
  if (!body.ok()) {
    return Status::Corruption(what + ": offset 8: " + body.status().message() +
                              " (changed bytes, or a file renamed from another snapshot)");
  }
  ByteReader r(*body, what);
  std::string_view manifest, sig;
  TM_RETURN_IF_ERROR(r.LengthPrefixed("manifest", body->size(), &manifest));
  TM_RETURN_IF_ERROR(r.Bytes("signature", kSignatureSize, &sig));
  TM_RETURN_IF_ERROR(r.ExpectEnd());
  if (!VerifySignature(keys.sign.public_key, SignedMessage(id, manifest), sig)) {
    return Status::Corruption(what +
                              ": signature check failed (manifest not signed by this "
                              "repository's key)");
  }
  if (SnapshotIdOf(keys, manifest) != id) {
    return Status::Corruption(what + ": id check failed (contents do not hash to the file name)");
  }
  return std::string(manifest);
}

Result<Id> WriteSnapshot(const Repository& repo, const Manifest& m) {
  TM_ASSIGN_OR_RETURN(const std::string bytes, EncodeManifest(m));
  const Id id = SnapshotIdOf(repo.keys(), bytes);
  const std::string file = SealSnapshot(repo.keys(), id, bytes);
  Status s = repo.backend()->Put({FileKind::kSnapshot, id.Hex()}, file, PutMode::kCreateExclusive);
  if (s.code() == Status::Code::kAlreadyExists) return id;  // the same manifest, stored before
  TM_RETURN_IF_ERROR(s);
  return id;
}

Result<Manifest> ReadSnapshot(const Repository& repo, const Id& id) {
  TM_ASSIGN_OR_RETURN(
      std::string file,
      ReadSmallFile(repo.backend(), {FileKind::kSnapshot, id.Hex()}, kMaxSnapshotFile));
  return OpenSnapshot(repo.keys(), id, file);
}

Result<std::string> ReadSnapshotBytes(const Repository& repo, const Id& id) {
  TM_ASSIGN_OR_RETURN(
      std::string file,
      ReadSmallFile(repo.backend(), {FileKind::kSnapshot, id.Hex()}, kMaxSnapshotFile));
  return OpenSnapshotBytes(repo.keys(), id, file);
}

Result<std::vector<Id>> ListSnapshots(const Repository& repo) {
  std::vector<Id> ids;
  TM_RETURN_IF_ERROR(repo.backend()->List(FileKind::kSnapshot, [&](const FileInfo& f) {
    auto id = Id::FromHex(f.handle.name);
    if (id.ok()) ids.push_back(*id);  // other names are not snapshots (temp files)
    return Status::OK();
  }));
  std::sort(ids.begin(), ids.end());
  return ids;
}

}  // namespace tidemark
