// The fuzz targets of targets.h: each mode feeds its payload to one decoder
// and, when the decoder accepts it, checks properties every accepted input
// must have.
#include "targets.h"

#include <sodium.h>

#include <algorithm>
#include <bit>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <functional>
#include <optional>

#include "base/coding.h"
#include "base/json.h"
#include "base/json_parse.h"
#include "compress/zstd.h"
#include "crypto/crypto.h"
#include "ledger/ledger_entry.h"
#include "records/encoding.h"
#include "records/schema.h"
#include "records/typed_values.h"
#include "records/value_json.h"
#include "repo/blob.h"
#include "repo/config.h"
#include "repo/format.h"
#include "repo/index.h"
#include "repo/lock.h"
#include "repo/pack.h"
#include "repo/prune_mark.h"
#include "repo/signed_file.h"
#include "snapshot/holds.h"
#include "snapshot/manifest.h"
#include "snapshot/plan_records.h"
#include "tree/tree.h"

namespace tidemark::fuzz {

using namespace format;

namespace {

// True for an accepted input. A rejection must be Corruption (bad bytes) or
// Unsupported (a newer format version): the CLI maps any other code to a
// different exit status, so a decoder returning it is a bug.
bool Accepted(const Status& s) {
  if (s.ok()) return true;
  FUZZ_CHECK(s.IsCorruption() || s.code() == Status::Code::kUnsupported);
  return false;
}

const std::string& DataKey() { return FuzzKeys().data_key; }

// ---- pack_header ----

bool SameEntry(const PackEntry& a, const PackEntry& b) {
  return a.type == b.type && a.id == b.id && a.offset == b.offset && a.sealed_len == b.sealed_len &&
         a.raw_len == b.raw_len;
}

bool SameEntries(const std::vector<PackEntry>& a, const std::vector<PackEntry>& b) {
  return std::equal(a.begin(), a.end(), b.begin(), b.end(), SameEntry);
}

// Offsets follow from the lengths, and the header re-encodes to itself.
void CheckPackEntries(const std::vector<PackEntry>& entries) {
  FUZZ_CHECK(!entries.empty());
  uint64_t offset = 0;
  for (const PackEntry& e : entries) {
    FUZZ_CHECK(e.offset == offset);
    FUZZ_CHECK(e.sealed_len >= kMinSealedBlobSize && e.raw_len <= kMaxBlobSize);
    offset += e.sealed_len;
  }
  auto again = DecodePackHeader(EncodePackHeader(entries), "re-encoded pack");
  FUZZ_CHECK(again.ok() && SameEntries(*again, entries));
}

bool PackHeaderPlain(std::string_view p) {
  auto entries = DecodePackHeader(p, "pack fuzz");
  if (!Accepted(entries.status())) return false;
  CheckPackEntries(*entries);
  return true;
}

bool PackFile(std::string_view p) {
  auto entries = ParsePackFile(p, DataKey(), "pack fuzz");
  if (!Accepted(entries.status())) return false;
  CheckPackEntries(*entries);
  // The blobs end exactly where the sealed header starts.
  FUZZ_CHECK(p.size() >= kPackTrailerSize);
  const uint64_t header_len = DecodeFixed32(p.data() + p.size() - kPackTrailerSize);
  const PackEntry& last = entries->back();
  FUZZ_CHECK(last.offset + last.sealed_len + header_len + kPackTrailerSize == p.size());
  return true;
}

bool PackHeaderSealed(std::string_view p) {
  if (p.size() < 2) return false;
  std::string file(DecodeFixed16(p.data()), '\0');
  const std::string sealed = SealDeterministic(DataKey(), p.substr(2), kAadPackHeader);
  file += sealed;
  PutFixed32(&file, static_cast<uint32_t>(sealed.size()));
  file += kPackMagic;
  return PackFile(file);
}

// ---- index ----

bool SamePack(const IndexPack& a, const IndexPack& b) {
  return a.pack_id == b.pack_id && SameEntries(a.blobs, b.blobs);
}

std::function<Status(IndexPack&&)> CollectInto(std::vector<IndexPack>* packs) {
  return [packs](IndexPack&& p) {
    packs->push_back(std::move(p));
    return Status::OK();
  };
}

// Loads the packs into a MemIndex (which must find every blob and count
// each duplicate once) and re-encodes them.
void CheckIndex(const std::vector<IndexPack>& packs) {
  MemIndex index;
  size_t blobs = 0;
  for (const IndexPack& p : packs) {
    FUZZ_CHECK(!p.blobs.empty());
    index.AddPack(p);
    blobs += p.blobs.size();
  }
  for (const IndexPack& p : packs) {
    FUZZ_CHECK(index.HasPack(p.pack_id));
    for (const PackEntry& e : p.blobs) FUZZ_CHECK(index.Contains(e.id));
  }
  FUZZ_CHECK(index.blob_count() + index.duplicate_count() == blobs);

  const std::string file = EncodeIndexFile(packs, DataKey());
  std::vector<IndexPack> again;
  FUZZ_CHECK(DecodeIndexFile(PackIdOf(file).Hex(), file, DataKey(), CollectInto(&again)).ok());
  FUZZ_CHECK(std::equal(again.begin(), again.end(), packs.begin(), packs.end(), SamePack));
}

bool IndexPlain(std::string_view p) {
  std::vector<IndexPack> packs;
  if (!Accepted(DecodeIndexPlain(p, "index fuzz", CollectInto(&packs)))) return false;
  CheckIndex(packs);
  return true;
}

// The name is the file's own hash, so the fuzzer reaches the AEAD.
bool IndexFile(std::string_view p) {
  std::vector<IndexPack> packs;
  if (!Accepted(DecodeIndexFile(PackIdOf(p).Hex(), p, DataKey(), CollectInto(&packs)))) {
    return false;
  }
  CheckIndex(packs);
  return true;
}

bool IndexSealed(std::string_view p) {
  return IndexFile(SealDeterministic(DataKey(), p, kAadIndex));
}

// ---- keyfile ----

bool SameKeyFile(const KeyFile& a, const KeyFile& b) {
  return a.id == b.id && a.created_us == b.created_us && a.flags == b.flags && a.host == b.host &&
         a.user == b.user && a.kdf.opslimit == b.kdf.opslimit && a.kdf.memlimit == b.kdf.memlimit &&
         a.salt == b.salt && a.check == b.check && a.wrapped == b.wrapped;
}

// Never unwraps: Argon2id would make every run slow and memory hungry.
bool KeyFileMode(std::string_view p) {
  auto f = KeyFile::Decode(kFuzzKeyName, p);
  if (!Accepted(f.status())) return false;
  FUZZ_CHECK(f->salt.size() == kKdfSaltSize && f->check.size() == kKeyCheckSize);
  auto again = KeyFile::Decode(kFuzzKeyName, f->Encode());
  FUZZ_CHECK(again.ok() && SameKeyFile(*again, *f));
  return true;
}

// The master keys format has no variable parts: it re-encodes byte for byte.
bool MasterKeysMode(std::string_view p) {
  auto keys = MasterKeys::Decode(p);
  if (!Accepted(keys.status())) return false;
  FUZZ_CHECK(keys->Encode() == p);
  FUZZ_CHECK(keys->sign.public_key.size() == kSignPublicKeySize);
  return true;
}

// ---- config ----

bool SameConfig(const RepoConfig& a, const RepoConfig& b) {
  return a.version == b.version && a.repo_id == b.repo_id && a.created_us == b.created_us &&
         a.compression_level == b.compression_level && a.pack_target == b.pack_target &&
         a.chunker_min == b.chunker_min && a.chunker_avg == b.chunker_avg &&
         a.chunker_max == b.chunker_max && a.tree_min == b.tree_min && a.tree_avg == b.tree_avg &&
         a.tree_max == b.tree_max && a.sign_public_key == b.sign_public_key && a.flags == b.flags;
}

// DecodeBody completes what DecodeHeader started (Validate needs repo_id).
bool ConfigBody(std::string_view p) {
  RepoConfig cfg;
  cfg.repo_id = kFuzzRepoId;
  if (!Accepted(RepoConfig::DecodeBody(p, &cfg))) return false;
  FUZZ_CHECK(cfg.Validate().ok());
  return true;
}

bool ConfigFile(std::string_view p) {
  auto cfg = RepoConfig::Decode(p, DataKey());
  if (!Accepted(cfg.status())) return false;
  FUZZ_CHECK(cfg->Validate().ok());
  auto again = RepoConfig::Decode(cfg->Encode(DataKey()), DataKey());
  FUZZ_CHECK(again.ok() && SameConfig(*again, *cfg));
  return true;
}

bool ConfigHeader(std::string_view p) {
  auto cfg = RepoConfig::DecodeHeader(p);
  if (!Accepted(cfg.status())) return false;
  FUZZ_CHECK(cfg->repo_id.size() == kRepoIdSize && p.substr(0, 8) == kConfigMagic);
  return true;
}

bool ConfigSealed(std::string_view p) {
  std::string file(kConfigMagic);
  PutFixed32(&file, kRepoVersion);
  file += kFuzzRepoId;
  file += SealDeterministic(DataKey(), p, ConfigAad(kRepoVersion, kFuzzRepoId));
  return ConfigFile(file);
}

// ---- ledger_entry ----

bool LedgerBodyMode(std::string_view p) {
  auto body = DecodeLedgerBody(p, "ledger fuzz body");
  if (!Accepted(body.status())) return false;
  FUZZ_CHECK(body->time_us >= 0);
  FUZZ_CHECK(CheckLedgerRecord(body->record).ok());  // the decoder enforces the writer's limits
  auto again = DecodeLedgerBody(EncodeLedgerBody(body->time_us, body->record), "re-encoded");
  FUZZ_CHECK(again.ok() && again->time_us == body->time_us && again->record == body->record);
  return true;
}

// The name is taken from the seq field, so the fuzzer gets past the name check.
bool LedgerFile(std::string_view p) {
  const uint64_t seq = p.size() >= 16 ? DecodeFixed64(p.data() + 8) : 1;
  const MasterKeys& keys = FuzzKeys();
  auto entry = DecodeLedgerEntry(LedgerEntryName(seq), p, keys, keys.sign.public_key);
  if (!Accepted(entry.status())) return false;
  FUZZ_CHECK(entry->seq == seq && entry->hash == Id::FromBytes(Sha256(p)));
  FUZZ_CHECK(CheckLedgerRecord(entry->record).ok());
  auto file = EncodeLedgerEntry(*entry, keys);
  FUZZ_CHECK(file.ok());
  auto again = DecodeLedgerEntry(LedgerEntryName(seq), *file, keys, keys.sign.public_key);
  FUZZ_CHECK(again.ok() && again->time_us == entry->time_us &&
             again->prev_hash == entry->prev_hash && again->record == entry->record);
  return true;
}

// Seals and signs the payload as the body of entry 1.
bool LedgerSealed(std::string_view p) {
  const MasterKeys& keys = FuzzKeys();
  const Id zero;
  std::string file(kLedgerMagic);
  PutFixed64(&file, 1);
  file.append(zero.View());
  PutLengthPrefixed(&file, SealDeterministic(keys.data_key, p, LedgerAad(1, zero)));
  file += Sign(keys.sign, file);
  return LedgerFile(file);
}

// ---- blob (blobs, zstd frames, locks) ----

bool BlobSealed(std::string_view p) {
  if (p.size() < 36) return false;
  const uint32_t raw_len = DecodeFixed32(p.data());
  const Id id = Id::FromBytes(p.substr(4, 32));
  auto content = DecodeBlob(FuzzKeys(), id, p.substr(36), raw_len, "fuzz");
  if (!Accepted(content.status())) return false;
  FUZZ_CHECK(content->size() == raw_len && ComputeBlobId(FuzzKeys(), *content) == id);
  return true;
}

bool BlobPlain(std::string_view p) {
  if (p.size() < 36) return false;
  const Id id = Id::FromBytes(p.substr(4, 32));
  const std::string sealed = SealDeterministic(DataKey(), p.substr(36), BlobAad(id));
  return BlobSealed(BlobPayload(DecodeFixed32(p.data()), id, sealed));
}

// A smaller limit than a blob's 64 MiB keeps runs fast; blob "plain" inputs
// reach the real limit.
bool ZstdFrame(std::string_view p) {
  constexpr size_t kMax = 1u << 20;
  auto content = ZstdDecompress(p, kMax);
  if (!Accepted(content.status())) return false;
  FUZZ_CHECK(content->size() <= kMax);
  auto frame = ZstdCompress(*content, 1);
  FUZZ_CHECK(frame.ok());
  auto again = ZstdDecompress(*frame, kMax);
  FUZZ_CHECK(again.ok() && *again == *content);
  return true;
}

bool SameLock(const LockInfo& a, const LockInfo& b) {
  return a.id == b.id && a.exclusive == b.exclusive && a.created_us == b.created_us &&
         a.refreshed_us == b.refreshed_us && a.pid == b.pid && a.host == b.host &&
         a.user == b.user && a.command == b.command;
}

bool LockFile(std::string_view p) {
  auto info = DecodeLock(kFuzzLockName, p, DataKey());
  if (!Accepted(info.status())) return false;
  auto again = DecodeLock(kFuzzLockName, EncodeLock(*info, DataKey()), DataKey());
  FUZZ_CHECK(again.ok() && SameLock(*again, *info));
  return true;
}

bool LockBody(std::string_view p) {
  return LockFile(std::string(kLockMagic) + SealDeterministic(DataKey(), p, kAadLock));
}

// ---- records, snapshot, tree_node: canonical formats ----

// These formats have one encoding per value but for varint lengths: FORMAT.md
// §1 allows a varint of 1..10 bytes, so a decoder accepts the longer forms. An
// accepted input must therefore re-encode to itself or, when it spent extra
// bytes on a varint, to a strictly shorter encoding that decodes to the same
// value and re-encodes to itself. `decode` returns nullopt for a rejection
// (after Accepted() checked its code); `same` compares two values.
template <typename Decode, typename Encode, typename Same>
bool DecodesCanonically(std::string_view input, Decode decode, Encode encode, Same same) {
  const auto value = decode(input);
  if (!value) return false;
  const std::string again = encode(*value);
  if (again == input) return true;
  FUZZ_CHECK(again.size() < input.size());
  const auto value2 = decode(again);
  FUZZ_CHECK(value2 && same(*value2, *value));
  FUZZ_CHECK(encode(*value2) == again);
  return true;
}

// ---- records ----

std::optional<LargeValue> LargeRefOf(std::string_view p) {
  auto ref = LargeValue::Decode(p);
  if (!Accepted(ref.status())) return std::nullopt;
  // Every chunk holds at least one byte of the value.
  FUZZ_CHECK(!ref->chunk_ids.empty() && ref->chunk_ids.size() <= ref->length);
  for (const std::string& id : ref->chunk_ids) FUZZ_CHECK(id.size() == 32);
  return *ref;
}

bool SameLargeRef(const LargeValue& a, const LargeValue& b) {
  return a.length == b.length && a.chunk_ids == b.chunk_ids;
}

std::string LargeRefBytes(const LargeValue& v) { return v.Encode(); }

bool LargeRefMode(std::string_view p) {
  return DecodesCanonically(p, LargeRefOf, LargeRefBytes, SameLargeRef);
}

// True when v is or holds a real (whose -0.0 and NaN payloads a key
// canonicalizes, so it does not come back bit for bit).
bool HoldsReal(const Value& v) {
  if (v.type() == ValueType::kReal) return true;
  if (v.type() == ValueType::kDomain) return HoldsReal(DomainOf(v)->base);
  if (v.type() != ValueType::kArray) return false;
  const auto array = ArrayOf(v);
  for (const Value& e : array->elements) {
    if (HoldsReal(e)) return true;
  }
  return false;
}

// Inline values stay within kInlineMax; a reference holds a valid chunk list.
// Every v2 value (records.md §1.2) can be a key and decodes back from one.
std::optional<Record> RecordOf(std::string_view p) {
  Record rec;
  if (!Accepted(DecodeRecord(p, "record fuzz", &rec))) return std::nullopt;
  for (const Value& v : rec) {
    if (v.ref()) {
      FUZZ_CHECK(HasBytePayload(v.type()));
      FUZZ_CHECK(LargeValue::Decode(v.bytes()).ok());
    } else if (HasBytePayload(v.type())) {
      FUZZ_CHECK(v.bytes().size() <= kInlineMax);
    }
    ValueToDisplay(v);  // every decoded value can be shown
    JsonWriter w;
    WriteValueJson(&w, v);
    if (v.ref() || static_cast<uint8_t>(v.type()) <= static_cast<uint8_t>(ValueType::kBlob))
      continue;
    std::string key;
    EncodeKey({v}, &key);
    std::vector<Value> back;
    FUZZ_CHECK(DecodeKey(key, &back).ok() && back.size() == 1);
    FUZZ_CHECK(HoldsReal(v) || back[0] == v);
  }
  return rec;
}

// References re-encode as they are, so no large-value store is needed.
std::string RecordBytes(const Record& rec) {
  std::string out;
  FUZZ_CHECK(EncodeRecord(rec, nullptr, &out).ok());
  return out;
}

bool RecordMode(std::string_view p) {
  return DecodesCanonically(p, RecordOf, RecordBytes, std::equal_to<Record>());
}

// Keys have exactly one encoding (records.md §4; DecodeKey re-encodes and
// compares): a key that decodes re-encodes to the same bytes, and its values
// come back equal from that encoding.
bool KeyMode(std::string_view p) {
  std::vector<Value> key;
  if (!Accepted(DecodeKey(p, &key))) return false;
  for (const Value& v : key) FUZZ_CHECK(!v.ref());
  std::string again;
  EncodeKey(key, &again);
  FUZZ_CHECK(again == p);
  std::vector<Value> back;
  FUZZ_CHECK(DecodeKey(again, &back).ok() && back == key);
  return true;
}

std::optional<TableSchema> TableSchemaOf(std::string_view p) {
  TableSchema t;
  if (!Accepted(DecodeTableSchema(p, "table schema fuzz", &t))) return std::nullopt;
  for (int k : t.key_columns) FUZZ_CHECK(k >= 0 && static_cast<size_t>(k) < t.columns.size());
  for (const Column& c : t.columns) FUZZ_CHECK(c.hidden >= 0 && c.hidden <= 3 && c.pk >= 0);
  for (const ForeignKey& fk : t.foreign_keys) FUZZ_CHECK(fk.from.size() == fk.to.size());
  for (const IdentityColumn& id : t.identity) {
    FUZZ_CHECK(id.column >= 0 && static_cast<size_t>(id.column) < t.columns.size());
  }
  t.KeyNames();  // index the columns through key_columns
  t.RecordFieldNames();
  return t;
}

std::string TableSchemaBytes(const TableSchema& t) {
  std::string out;
  EncodeTableSchema(t, &out);
  return out;
}

bool SchemaMode(std::string_view p) {
  return DecodesCanonically(p, TableSchemaOf, TableSchemaBytes, std::equal_to<TableSchema>());
}

std::optional<SourceSchema> ObjectsOf(std::string_view p) {
  SourceSchema s;
  if (!Accepted(DecodeSchemaObjects(p, "schema objects fuzz", &s))) return std::nullopt;
  FUZZ_CHECK(s.tables.empty() && s.settings.size() <= 1024);
  FUZZ_CHECK(s.object_namespaces.empty() || s.object_namespaces.size() == s.objects.size());
  for (const SequenceInfo& q : s.sequences) {
    FUZZ_CHECK(q.increment != 0 && q.min <= q.max && q.cache >= 1);
  }
  return s;
}

std::string ObjectsBytes(const SourceSchema& s) {
  std::string out;
  EncodeSchemaObjects(s, &out);
  return out;
}

bool ObjectsMode(std::string_view p) {
  return DecodesCanonically(p, ObjectsOf, ObjectsBytes, std::equal_to<SourceSchema>());
}

// ---- snapshot ----

bool SameTable(const SnapshotTable& a, const SnapshotTable& b) {
  return a.schema == b.schema && a.root == b.root && a.digest == b.digest && a.bytes == b.bytes;
}

bool SameManifest(const Manifest& a, const Manifest& b) {
  return a.source == b.source && a.source_uri == b.source_uri && a.time_us == b.time_us &&
         a.parent == b.parent && a.tool_version == b.tool_version && a.host == b.host &&
         a.actor == b.actor && a.tags == b.tags && a.labels == b.labels && a.objects == b.objects &&
         std::equal(a.tables.begin(), a.tables.end(), b.tables.begin(), b.tables.end(),
                    SameTable) &&
         a.stats.records_added == b.stats.records_added &&
         a.stats.records_changed == b.stats.records_changed &&
         a.stats.records_removed == b.stats.records_removed &&
         a.stats.bytes_added == b.stats.bytes_added && a.stats.duration_us == b.stats.duration_us;
}

void CheckDecodedManifest(const Manifest& m) {
  FUZZ_CHECK(m.objects.tables.empty());
  for (const SnapshotTable& t : m.tables) {
    FUZZ_CHECK(t.root.level <= 32 && (t.digest.empty() || t.digest.size() == 32));
  }
  FUZZ_CHECK(m.FullSchema().tables.size() == m.tables.size());
}

std::optional<Manifest> ManifestOf(std::string_view p) {
  auto m = DecodeManifest(p, "manifest fuzz");
  if (!Accepted(m.status())) return std::nullopt;
  CheckDecodedManifest(*m);
  return *m;
}

std::optional<Hold> HoldOf(std::string_view p) {
  auto h = DecodeHold(p, "fuzz hold");
  if (!Accepted(h.status())) return std::nullopt;
  return *h;
}

bool SameHold(const Hold& a, const Hold& b) {
  return a.snapshot == b.snapshot && a.time_us == b.time_us && a.actor == b.actor &&
         a.host == b.host && a.reason == b.reason;
}

// A legal hold's payload (snapshot/holds.h).
bool HoldMode(std::string_view p) { return DecodesCanonically(p, HoldOf, EncodeHold, SameHold); }

std::optional<PlanRecords> PlanRecordsOf(std::string_view p) {
  PlanRecords out;
  if (!Accepted(DecodePlanRecords(p, "fuzz plan", &out))) return std::nullopt;
  return out;
}

// A rollback plan's stored record list (snapshot/plan_records.h).
bool PlanRecordsMode(std::string_view p) {
  return DecodesCanonically(
      p, PlanRecordsOf, EncodePlanRecords, [](const PlanRecords& a, const PlanRecords& b) {
        return a.expected == b.expected && a.before == b.before && a.records == b.records;
      });
}

std::optional<PruneMark> PruneMarkOf(std::string_view p) {
  auto m = DecodePruneMark(p, "fuzz prune mark");
  if (!Accepted(m.status())) return std::nullopt;
  return *m;
}

// A pending-deletion mark's payload (repo/prune_mark.h).
bool PruneMarkMode(std::string_view p) {
  return DecodesCanonically(
      p, PruneMarkOf, EncodePruneMark, [](const PruneMark& a, const PruneMark& b) {
        return a.created_us == b.created_us && a.prune_lock == b.prune_lock && a.roots == b.roots &&
               a.packs == b.packs && a.unindexed_packs == b.unindexed_packs &&
               a.candidates == b.candidates;
      });
}

// A signed small file (repo/signed_file.h) as a hold named "fuzz": one that
// opens, sealed again, opens to the same payload.
bool SignedFileMode(std::string_view p) {
  const MasterKeys& keys = FuzzKeys();
  auto payload = OpenSignedFile(keys, format::kHoldMagic, format::kAadHold, "fuzz", p, "fuzz");
  if (!Accepted(payload.status())) return false;
  const std::string again =
      SealSignedFile(keys, format::kHoldMagic, format::kAadHold, "fuzz", *payload);
  auto reopened = OpenSignedFile(keys, format::kHoldMagic, format::kAadHold, "fuzz", again, "fuzz");
  FUZZ_CHECK(reopened.ok() && *reopened == *payload);
  return true;
}

bool ManifestMode(std::string_view p) {
  // What the decoder accepts, the (checking) encoder writes.
  auto encode = [](const Manifest& m) {
    auto bytes = EncodeManifest(m);
    FUZZ_CHECK(bytes.ok());
    return *bytes;
  };
  return DecodesCanonically(p, ManifestOf, encode, SameManifest);
}

// The snapshot id (the file name) comes first, so a seed made with
// SnapshotIdOf passes the id check. An accepted manifest, stored again as a
// new snapshot (its own id, a new nonce and signature), reads back equal.
bool SnapshotFile(std::string_view p) {
  if (p.size() < 32) return false;
  const MasterKeys& keys = FuzzKeys();
  auto m = OpenSnapshot(keys, Id::FromBytes(p.substr(0, 32)), p.substr(32));
  if (!Accepted(m.status())) return false;
  CheckDecodedManifest(*m);
  auto encoded = EncodeManifest(*m);  // what decodes, the checking encoder writes
  FUZZ_CHECK(encoded.ok());
  const std::string bytes = *encoded;
  const Id id = SnapshotIdOf(keys, bytes);
  auto again = OpenSnapshot(keys, id, SealSnapshot(keys, id, bytes));
  FUZZ_CHECK(again.ok() && SameManifest(*again, *m));
  return true;
}

bool SnapshotSealed(std::string_view p) {
  if (p.size() < 32) return false;
  const Id id = Id::FromBytes(p.substr(0, 32));
  std::string input(p.substr(0, 32));
  input += kSnapshotMagic;
  input += SealDeterministic(DataKey(), p.substr(32), SnapshotAad(id));
  return SnapshotFile(input);
}

// ---- tree_node ----

bool SameNode(const TreeNode& a, const TreeNode& b) {
  return a.level == b.level &&
         std::equal(a.entries.begin(), a.entries.end(), b.entries.begin(), b.entries.end(),
                    [](const TreeNode::Entry& x, const TreeNode::Entry& y) {
                      return x.key == y.key && x.value == y.value && x.child == y.child &&
                             x.count == y.count;
                    });
}

// The checks of tree.md §3 hold for every accepted node.
std::optional<TreeNode> TreeNodeOf(std::string_view p) {
  auto node = DecodeTreeNode(p, "tree node fuzz");
  if (!Accepted(node.status())) return std::nullopt;
  FUZZ_CHECK(node->level <= 32 && (node->level == 0 || !node->entries.empty()));
  uint64_t total = 0;
  for (size_t i = 0; i < node->entries.size(); i++) {
    const TreeNode::Entry& e = node->entries[i];
    FUZZ_CHECK(i == 0 || node->entries[i - 1].key < e.key);
    FUZZ_CHECK(node->level == 0 ? e.count == 1 && e.child == Id() : e.count >= 1);
    FUZZ_CHECK(node->level == 0 || e.value.empty());
    FUZZ_CHECK(total + e.count >= total);
    total += e.count;
  }
  return *node;
}

bool TreeNodeMode(std::string_view p) {
  return DecodesCanonically(p, TreeNodeOf, EncodeTreeNode, SameNode);
}

}  // namespace

Outcome FuzzTarget::Run(std::string_view input) const {
  Outcome o;
  if (input.empty()) return o;
  o.mode = static_cast<int>(static_cast<uint8_t>(input[0]) % modes.size());
  o.decoded = modes[o.mode].decode(input.substr(1));
  return o;
}

const std::vector<FuzzTarget>& Targets() {
  static const std::vector<FuzzTarget> targets = {
      {"pack_header",
       {{"plain", PackHeaderPlain}, {"file", PackFile}, {"sealed", PackHeaderSealed}}},
      {"index", {{"plain", IndexPlain}, {"file", IndexFile}, {"sealed", IndexSealed}}},
      {"keyfile", {{"keyfile", KeyFileMode}, {"masterkeys", MasterKeysMode}}},
      {"config",
       {{"body", ConfigBody},
        {"file", ConfigFile},
        {"header", ConfigHeader},
        {"sealed", ConfigSealed}}},
      {"ledger_entry", {{"body", LedgerBodyMode}, {"file", LedgerFile}, {"sealed", LedgerSealed}}},
      {"blob",
       {{"plain", BlobPlain},
        {"sealed", BlobSealed},
        {"zstd", ZstdFrame},
        {"lockfile", LockFile},
        {"lockbody", LockBody},
        {"prunemark", PruneMarkMode},
        {"signedfile", SignedFileMode}}},
      {"records",
       {{"record", RecordMode},
        {"key", KeyMode},
        {"largeref", LargeRefMode},
        {"schema", SchemaMode},
        {"objects", ObjectsMode}}},
      {"snapshot",
       {{"manifest", ManifestMode},
        {"file", SnapshotFile},
        {"sealed", SnapshotSealed},
        {"plan", PlanRecordsMode},
        {"hold", HoldMode}}},
      {"tree_node", {{"node", TreeNodeMode}}},
      {"json",
       {{"document", JsonDocument},
        {"quote", JsonQuote},
        {"drill", DrillReportMode},
        {"toml", TomlConfigMode}}},
      {"pg_binary", {{"stream", PgBinaryStreamMode}, {"field", PgBinaryFieldMode}}},
  };
  return targets;
}

const FuzzTarget& Target(std::string_view name) {
  for (const FuzzTarget& t : Targets()) {
    if (name == t.name) return t;
  }
  std::fprintf(stderr, "no fuzz target named %.*s\n", static_cast<int>(name.size()), name.data());
  std::abort();
}

uint8_t ModeIndex(const FuzzTarget& target, std::string_view mode) {
  for (size_t i = 0; i < target.modes.size(); i++) {
    if (mode == target.modes[i].name) return static_cast<uint8_t>(i);
  }
  std::fprintf(stderr, "fuzz target %s has no mode %.*s\n", target.name,
               static_cast<int>(mode.size()), mode.data());
  std::abort();
}

const MasterKeys& FuzzKeys() {
  static const MasterKeys keys = [] {
    FUZZ_CHECK(CryptoInit().ok());
    MasterKeys k;
    k.data_key.assign(32, '\x11');
    k.id_key.assign(32, '\x22');
    k.sign_seed.assign(32, '\x33');
    auto sign = SignKeyPairFromSeed(k.sign_seed);
    FUZZ_CHECK(sign.ok());
    k.sign = *sign;
    return k;
  }();
  return keys;
}

std::string SealDeterministic(std::string_view key, std::string_view plain, std::string_view aad) {
  FuzzKeys();  // initialises libsodium
  FUZZ_CHECK(key.size() == kAeadKeySize);
  std::string out = Sha256(std::string(aad) + std::string(plain)).substr(0, kAeadNonceSize);
  out.resize(kAeadNonceSize + plain.size() + kAeadTagSize);
  auto* nonce = reinterpret_cast<unsigned char*>(out.data());
  unsigned long long clen = 0;
  crypto_aead_xchacha20poly1305_ietf_encrypt(
      nonce + kAeadNonceSize, &clen, reinterpret_cast<const unsigned char*>(plain.data()),
      plain.size(), reinterpret_cast<const unsigned char*>(aad.data()), aad.size(), nullptr, nonce,
      reinterpret_cast<const unsigned char*>(key.data()));
  return out;
}

std::string ConfigAad(uint32_t version, std::string_view repo_id) {
  std::string aad(kAadConfig);
  PutFixed32(&aad, version);
  aad += repo_id;
  return aad;
}

std::string LedgerAad(uint64_t seq, const Id& prev_hash) {
  std::string aad(kAadLedger);
  PutFixed64(&aad, seq);
  aad.append(prev_hash.View());
  return aad;
}

std::string BlobAad(const Id& id) {
  std::string aad(kAadBlob);
  aad.append(id.View());
  return aad;
}

std::string SnapshotAad(const Id& id) {
  std::string aad("tidemark snapshot v1");
  aad.append(id.View());
  return aad;
}

std::string PackSealedPayload(uint16_t blob_bytes, std::string_view header_plain) {
  std::string p;
  PutFixed16(&p, blob_bytes);
  p += header_plain;
  return p;
}

std::string BlobPayload(uint32_t raw_len, const Id& id, std::string_view rest) {
  std::string p;
  PutFixed32(&p, raw_len);
  p.append(id.View());
  p += rest;
  return p;
}

}  // namespace tidemark::fuzz

#define TIDEMARK_DEFINE_FUZZ_TARGET(name)                                            \
  int Fuzz_##name(const uint8_t* data, size_t size) {                                \
    static const tidemark::fuzz::FuzzTarget& target = tidemark::fuzz::Target(#name); \
    target.Run(std::string_view(reinterpret_cast<const char*>(data), size));         \
    return 0;                                                                        \
  }

TIDEMARK_DEFINE_FUZZ_TARGET(pack_header)
TIDEMARK_DEFINE_FUZZ_TARGET(index)
TIDEMARK_DEFINE_FUZZ_TARGET(keyfile)
TIDEMARK_DEFINE_FUZZ_TARGET(config)
TIDEMARK_DEFINE_FUZZ_TARGET(ledger_entry)
TIDEMARK_DEFINE_FUZZ_TARGET(blob)
TIDEMARK_DEFINE_FUZZ_TARGET(records)
TIDEMARK_DEFINE_FUZZ_TARGET(snapshot)
TIDEMARK_DEFINE_FUZZ_TARGET(tree_node)
TIDEMARK_DEFINE_FUZZ_TARGET(json)
TIDEMARK_DEFINE_FUZZ_TARGET(pg_binary)
