// Builds the named seeds of fuzz/corpus/ with the production encoders and
// the fixed fuzz keys (see seeds.h and README.md "Regenerating the seeds").
#include "seeds.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <bit>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <limits>
#include <map>
#include <sstream>

#include "base/coding.h"
#include "crypto/crypto.h"
#include "ledger/ledger_entry.h"
#include "records/encoding.h"
#include "records/schema.h"
#include "records/typed_values.h"
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
#include "targets.h"
#include "tree/tree.h"

namespace tidemark::fuzz {

using namespace format;

// ---- building seeds (seeds.h) ----

// Re-seals what AeadSeal sealed under the fuzz data key, deterministically,
// so that regenerating the corpus gives the same bytes.
std::string Reseal(std::string_view sealed, std::string_view aad) {
  auto plain = AeadOpen(FuzzKeys().data_key, sealed, aad);
  EXPECT_TRUE(plain.ok()) << plain.status().ToString();
  return plain.ok() ? SealDeterministic(FuzzKeys().data_key, *plain, aad) : std::string(sealed);
}

std::string Open(std::string_view sealed, std::string_view aad) {
  auto plain = AeadOpen(FuzzKeys().data_key, sealed, aad);
  EXPECT_TRUE(plain.ok()) << plain.status().ToString();
  return plain.ok() ? *plain : std::string();
}

std::string Flip(std::string s, size_t at) {
  s[at] = static_cast<char>(s[at] ^ 0x01);
  return s;
}

// Lines of text (compresses) or a SHA-256 chain (does not).
std::string Text(int lines) {
  std::string s;
  for (int i = 0; i < lines; i++) s += "line " + std::to_string(i) + " of a tidemark fuzz seed\n";
  return s;
}

namespace {

std::string Noise(size_t n, std::string_view label) {
  std::string s, block(label);
  while (s.size() < n) s += block = Sha256(block);
  return s.substr(0, n);
}

EncodedBlob SealedBlob(std::string_view content) {
  auto b = EncodeBlob(FuzzKeys(), content, kDefaultCompressionLevel);
  EXPECT_TRUE(b.ok());
  b->sealed = Reseal(b->sealed, BlobAad(b->id));
  return *b;
}

// A pack of a compressible data blob, an incompressible one and a tree blob.
std::string PackFile(std::vector<PackEntry>* entries) {
  PackWriter w;
  w.Add(BlobType::kData, SealedBlob(Text(12)));
  w.Add(BlobType::kData, SealedBlob(Noise(200, "pack noise")));
  w.Add(BlobType::kTree, SealedBlob("{\"tree\":[]}"));
  std::string file = w.Finish(FuzzKeys().data_key, entries);
  const size_t len = DecodeFixed32(file.data() + file.size() - kPackTrailerSize);
  const size_t start = file.size() - kPackTrailerSize - len;
  file.replace(start, len, Reseal(file.substr(start, len), kAadPackHeader));
  return file;
}

std::vector<Seed> PackHeaderSeeds() {
  SeedSet s("pack_header");
  std::vector<PackEntry> entries;
  const std::string file = PackFile(&entries);
  const std::string header = EncodePackHeader(entries);
  s.Ok("plain", "three-blobs", header);
  s.Ok("file", "three-blobs", file);
  const std::vector<PackEntry> one(entries.begin(), entries.begin() + 1);
  s.Ok("sealed", "one-blob",
       PackSealedPayload(static_cast<uint16_t>(one[0].sealed_len), EncodePackHeader(one)));
  s.Bad("plain", "count-exceeds-header", header.substr(0, 40));
  s.Bad("file", "header-tag-flipped", Flip(file, file.size() - kPackTrailerSize - 1));
  s.Bad("sealed", "blobs-end-before-header", PackSealedPayload(1, EncodePackHeader(one)));
  return s.Take();
}

std::vector<IndexPack> IndexPacks() {
  std::vector<IndexPack> packs(2);
  const std::string file = PackFile(&packs[0].blobs);
  packs[0].pack_id = PackIdOf(file);
  packs[1].pack_id = Id::FromBytes(Sha256("second pack"));
  packs[1].blobs = {{BlobType::kTree, Id::FromBytes(Sha256("tree")), 0, 100, 300},
                    {BlobType::kData, Id::FromBytes(Sha256("data")), 100, 4096, 1 << 20}};
  return packs;
}

std::vector<Seed> IndexSeeds() {
  SeedSet s("index");
  const std::vector<IndexPack> packs = IndexPacks();
  const std::string file = Reseal(EncodeIndexFile(packs, FuzzKeys().data_key), kAadIndex);
  const std::string plain = Open(file, kAadIndex);
  s.Ok("plain", "two-packs", plain);
  s.Ok("file", "two-packs", file);
  s.Ok("sealed", "one-pack", Open(EncodeIndexFile({packs[1]}, FuzzKeys().data_key), kAadIndex));
  s.Bad("plain", "trailing-byte", plain + "x");
  s.Bad("file", "byte-flipped", Flip(file, 30));
  s.Bad("sealed", "version-2", "\x02" + plain.substr(1));
  return s.Take();
}

KeyFile SampleKeyFile(std::string host, std::string user) {
  const std::string kek(32, '\x66');  // stands in for Argon2id(password)
  KeyFile f;
  f.id = std::string(kFuzzKeyName);
  f.created_us = 1700000000000000;
  f.host = std::move(host);
  f.user = std::move(user);
  f.kdf = KdfParams{3, 64ull << 20};
  f.salt.assign(kKdfSaltSize, '\x55');
  f.check = HmacSha256(kek, kPasswordCheckLabel).substr(0, kKeyCheckSize);
  f.wrapped = SealDeterministic(kek, FuzzKeys().Encode(), std::string(kAadKey) + f.id);
  return f;
}

std::vector<Seed> KeyFileSeeds() {
  SeedSet s("keyfile");
  const std::string file = SampleKeyFile("db1", "alice").Encode();
  s.Ok("keyfile", "alice", file);
  s.Ok("keyfile", "long-names",
       SampleKeyFile(std::string(255, 'h'), std::string(255, 'u')).Encode());
  s.Ok("masterkeys", "fixed", FuzzKeys().Encode());
  s.Bad("keyfile", "checksum-mismatch", Flip(file, 20));
  std::string v2 = FuzzKeys().Encode();
  v2[4] = 2;  // version
  s.Bad("masterkeys", "version-2", v2);
  return s.Take();
}

RepoConfig SampleConfig() {
  RepoConfig cfg;
  cfg.repo_id = std::string(kFuzzRepoId);
  cfg.created_us = 1700000000000000;
  cfg.sign_public_key = FuzzKeys().sign.public_key;
  return cfg;
}

// The config file with its body re-sealed deterministically.
std::string ConfigFile(const RepoConfig& cfg) {
  std::string file = cfg.Encode(FuzzKeys().data_key);
  const size_t header = 8 + 4 + kRepoIdSize;
  return file.substr(0, header) + Reseal(file.substr(header), ConfigAad(cfg.version, cfg.repo_id));
}

std::string ConfigBody(const RepoConfig& cfg) {
  const size_t header = 8 + 4 + kRepoIdSize;
  return Open(ConfigFile(cfg).substr(header), ConfigAad(cfg.version, cfg.repo_id));
}

std::vector<Seed> ConfigSeeds() {
  SeedSet s("config");
  RepoConfig custom = SampleConfig();
  custom.compression_level = 19;
  custom.pack_target = kMinPackTarget;
  custom.chunker_min = custom.chunker_avg = custom.chunker_max = 4096;
  RepoConfig unknown_flags = SampleConfig();
  unknown_flags.flags = 0x80000001;  // bits this version does not know: refused
  RepoConfig v2 = SampleConfig();
  v2.version = 2;
  RepoConfig unordered = SampleConfig();
  unordered.tree_min = unordered.tree_max + 1;
  const std::string file = ConfigFile(SampleConfig());
  s.Ok("body", "default", ConfigBody(SampleConfig()));
  s.Ok("file", "default", file);
  s.Ok("header", "default", file);
  s.Ok("sealed", "custom", ConfigBody(custom));
  s.Bad("body", "tree-min-above-max", ConfigBody(unordered));
  s.Bad("sealed", "unknown-flags", ConfigBody(unknown_flags));
  s.Bad("file", "version-2-unsupported", ConfigFile(v2));
  s.Bad("header", "bad-magic", Flip(file, 0));
  return s.Take();
}

LedgerEntry SampleEntry(uint64_t seq) {
  LedgerEntry e;
  e.seq = seq;
  e.time_us = 1700000000123456;
  if (seq > 1) e.prev_hash = Id::FromBytes(Sha256("entry " + std::to_string(seq - 1)));
  e.record.actor = "alice@db1";
  e.record.action = "backup";
  e.record.outcome = "ok";
  e.record.args = {{"tag", "nightly"}, {"exclude", "*.tmp"}};
  e.record.targets = {"/home/alice", "/etc"};
  e.record.counts = {{"files", 120}, {"delta", -5}, {"min", INT64_MIN}};
  return e;
}

// The entry file with its body re-sealed and the file re-signed.
std::string LedgerFile(const LedgerEntry& e) {
  auto file = EncodeLedgerEntry(e, FuzzKeys());
  EXPECT_TRUE(file.ok());
  ByteReader r(*file, "seed");
  std::string_view fixed, sealed;
  EXPECT_TRUE(r.Bytes("fixed", 48, &fixed).ok());
  EXPECT_TRUE(r.LengthPrefixed("sealed", kMaxLedgerBodySealed, &sealed).ok());
  std::string out = file->substr(0, r.offset() - sealed.size());
  out += Reseal(sealed, LedgerAad(e.seq, e.prev_hash));
  out += Sign(FuzzKeys().sign, out);
  return out;
}

std::vector<Seed> LedgerSeeds() {
  SeedSet s("ledger_entry");
  const LedgerEntry e = SampleEntry(7);
  const std::string body = EncodeLedgerBody(e.time_us, e.record);
  const std::string file = LedgerFile(e);
  LedgerRecord empty, full;  // full: most strings at their limits
  full.actor = std::string(kMaxLedgerActor, 'a');
  full.action = std::string(kMaxLedgerAction, 'b');
  full.outcome = std::string(kMaxLedgerOutcome, 'c');
  full.args = {{std::string(kMaxLedgerArgKey, 'k'), Text(40)}};
  full.targets = {std::string(kMaxLedgerTarget, '/'), "/etc"};
  full.counts = {{std::string(kMaxLedgerCountKey, 'n'), INT64_MAX}, {"zero", 0}};
  s.Ok("body", "backup", body);
  s.Ok("body", "empty-record", EncodeLedgerBody(0, empty));
  s.Ok("body", "at-limits", EncodeLedgerBody(INT64_MAX, full));
  s.Ok("file", "seq-1", LedgerFile(SampleEntry(1)));
  s.Ok("file", "seq-7", file);
  s.Ok("sealed", "backup", body);
  s.Bad("body", "trailing-byte", body + "x");
  s.Bad("file", "signature-flipped", Flip(file, file.size() - 1));
  s.Bad("sealed", "truncated", body.substr(0, body.size() - 1));
  return s.Take();
}

std::string LockFile(const LockInfo& info) {
  const std::string file = EncodeLock(info, FuzzKeys().data_key);
  return file.substr(0, 8) + Reseal(file.substr(8), kAadLock);
}

std::vector<Seed> BlobSeeds() {
  SeedSet s("blob");
  const std::string text = Text(40), noise = Noise(300, "blob noise");
  const EncodedBlob zstd = SealedBlob(text), stored = SealedBlob(noise);
  const std::string zstd_plain = Open(zstd.sealed, BlobAad(zstd.id));
  s.Ok("plain", "zstd", BlobPayload(zstd.raw_len, zstd.id, zstd_plain));
  s.Ok("plain", "stored",
       BlobPayload(stored.raw_len, stored.id, Open(stored.sealed, BlobAad(stored.id))));
  s.Ok("sealed", "zstd", BlobPayload(zstd.raw_len, zstd.id, zstd.sealed));
  s.Ok("sealed", "stored", BlobPayload(stored.raw_len, stored.id, stored.sealed));
  s.Ok("zstd", "text", zstd_plain.substr(1));
  LockInfo lock;
  lock.id = std::string(kFuzzLockName);
  lock.exclusive = true;
  lock.created_us = 1700000000000000;
  lock.refreshed_us = lock.created_us + 300000000;
  lock.pid = 4242;
  lock.host = "db1";
  lock.user = "alice";
  lock.command = "tidemark prune";
  s.Ok("lockfile", "exclusive", LockFile(lock));
  lock.exclusive = false;
  lock.command = std::string(1024, 'c');
  s.Ok("lockbody", "shared-long-command", Open(LockFile(lock).substr(8), kAadLock));
  s.Bad("plain", "wrong-raw-len", BlobPayload(zstd.raw_len + 1, zstd.id, zstd_plain));
  s.Bad("sealed", "tag-flipped", BlobPayload(zstd.raw_len, zstd.id, Flip(zstd.sealed, 40)));
  s.Bad("zstd", "truncated", zstd_plain.substr(1, zstd_plain.size() - 4));
  s.Bad("lockfile", "bad-magic", Flip(LockFile(lock), 0));
  PruneMark mark;
  mark.name = std::string(32, 'a');
  mark.created_us = 1763600000000000;
  mark.prune_lock = "0123456789abcdef0123456789abcdef";
  mark.roots = {Id::FromBytes(Sha256("root"))};
  mark.packs = {Id::FromBytes(Sha256("pack"))};
  mark.candidates = {Id::FromBytes(Sha256("a")), Id::FromBytes(Sha256("b"))};
  std::sort(mark.candidates.begin(), mark.candidates.end());
  const std::string mark_bytes = EncodePruneMark(mark);
  s.Ok("prunemark", "two-candidates", mark_bytes);
  s.Ok("prunemark", "empty", EncodePruneMark(PruneMark{}));
  s.Bad("prunemark", "truncated", mark_bytes.substr(0, mark_bytes.size() - 1));
  PruneMark unsorted = mark;
  std::swap(unsorted.candidates[0], unsorted.candidates[1]);
  s.Bad("prunemark", "unsorted", EncodePruneMark(unsorted));
  // A signed file: magic || sealed(label || name), resealed deterministically.
  const std::string signed_file =
      SealSignedFile(FuzzKeys(), format::kHoldMagic, format::kAadHold, "fuzz", "payload");
  const std::string aad = std::string(format::kAadHold) + "fuzz";
  const std::string stable = signed_file.substr(0, 8) + Reseal(signed_file.substr(8), aad);
  s.Ok("signedfile", "hold", stable);
  s.Bad("signedfile", "flipped", Flip(stable, stable.size() - 1));
  s.Bad("signedfile", "bad-magic", Flip(stable, 0));
  return s.Take();
}

}  // namespace

std::map<std::string, std::vector<Seed>> AllSeeds() {
  return {{"pack_header", PackHeaderSeeds()}, {"index", IndexSeeds()},
          {"keyfile", KeyFileSeeds()},        {"config", ConfigSeeds()},
          {"ledger_entry", LedgerSeeds()},    {"blob", BlobSeeds()},
          {"records", RecordsSeeds()},        {"snapshot", SnapshotSeeds()},
          {"tree_node", TreeNodeSeeds()},     {"json", JsonSeeds()},
          {"pg_binary", PgBinarySeeds()}};
}

}  // namespace tidemark::fuzz
