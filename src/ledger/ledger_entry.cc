#include "ledger/ledger_entry.h"

#include <limits>

#include "base/coding.h"
#include "crypto/crypto.h"
#include "repo/format.h"

namespace tidemark {

using namespace format;

namespace {

// Same shape as ByteReader::Error, for checks made after the reader moved on.
Status CorruptAt(const std::string& what, size_t offset, std::string_view field,
                 std::string_view problem) {
  return Status::Corruption(what + ": offset " + std::to_string(offset) + ": " +
                            std::string(problem) + " (field " + std::string(field) + ")");
}

// aad = "tidemark ledger v1" || seq (u64) || prev_hash (FORMAT.md §3).
std::string LedgerAad(uint64_t seq, const Id& prev_hash) {
  std::string aad(kAadLedger);
  PutFixed64(&aad, seq);
  aad.append(prev_hash.View());
  return aad;
}

// Cuts s to at most max bytes without splitting a UTF-8 sequence.
void TruncateUtf8(std::string* s, size_t max) {
  if (s->size() <= max) return;
  size_t cut = max;
  while (cut > 0 && (static_cast<unsigned char>((*s)[cut]) & 0xC0) == 0x80) cut--;
  s->resize(cut);
}

Status CheckString(std::string_view field, std::string_view s, size_t max) {
  if (s.size() <= max) return Status::OK();
  return Status::InvalidArgument("ledger record: " + std::string(field) + " is " +
                                 std::to_string(s.size()) + " bytes, more than the limit of " +
                                 std::to_string(max));
}

Status CheckCount(std::string_view field, size_t n, uint64_t max) {
  if (n <= max) return Status::OK();
  return Status::InvalidArgument("ledger record: " + std::to_string(n) + " " + std::string(field) +
                                 ", more than the limit of " + std::to_string(max));
}

// Reads arg_count and the args (FORMAT.md §10 body).
Status DecodeArgs(ByteReader* r, LedgerRecord* rec) {
  uint64_t n;
  TM_RETURN_IF_ERROR(r->VarintMax("arg_count", kMaxLedgerArgs, &n));
  for (uint64_t i = 0; i < n; i++) {
    std::string_view key, value;
    TM_RETURN_IF_ERROR(r->LengthPrefixed("arg key", kMaxLedgerArgKey, &key));
    TM_RETURN_IF_ERROR(r->LengthPrefixed("arg value", kMaxLedgerArgValue, &value));
    rec->args.emplace_back(std::string(key), std::string(value));
  }
  return Status::OK();
}

Status DecodeTargets(ByteReader* r, LedgerRecord* rec) {
  uint64_t n;
  TM_RETURN_IF_ERROR(r->VarintMax("target_count", kMaxLedgerTargets, &n));
  for (uint64_t i = 0; i < n; i++) {
    std::string_view target;
    TM_RETURN_IF_ERROR(r->LengthPrefixed("target", kMaxLedgerTarget, &target));
    rec->targets.emplace_back(target);
  }
  return Status::OK();
}

Status DecodeCounts(ByteReader* r, LedgerRecord* rec) {
  uint64_t n;
  TM_RETURN_IF_ERROR(r->VarintMax("count_count", kMaxLedgerCounts, &n));
  for (uint64_t i = 0; i < n; i++) {
    std::string_view key;
    int64_t value;
    TM_RETURN_IF_ERROR(r->LengthPrefixed("count key", kMaxLedgerCountKey, &key));
    TM_RETURN_IF_ERROR(r->Varsint64("count value", &value));
    rec->counts.emplace_back(std::string(key), value);
  }
  return Status::OK();
}

}  // namespace

std::string LedgerEntryName(uint64_t seq) {
  std::string digits = std::to_string(seq);
  return std::string(kLedgerNameDigits - digits.size(), '0') + digits;
}

bool ParseLedgerEntryName(std::string_view name, uint64_t* seq) {
  if (name.size() != kLedgerNameDigits) return false;
  uint64_t v = 0;
  for (char c : name) {
    if (c < '0' || c > '9') return false;
    const uint64_t digit = static_cast<uint64_t>(c - '0');
    if (v > (std::numeric_limits<uint64_t>::max() - digit) / 10) return false;
    v = v * 10 + digit;
  }
  *seq = v;
  return true;
}

Status CheckLedgerRecord(const LedgerRecord& rec) {
  TM_RETURN_IF_ERROR(CheckString("actor", rec.actor, kMaxLedgerActor));
  TM_RETURN_IF_ERROR(CheckString("action", rec.action, kMaxLedgerAction));
  TM_RETURN_IF_ERROR(CheckString("outcome", rec.outcome, kMaxLedgerOutcome));
  TM_RETURN_IF_ERROR(CheckCount("args", rec.args.size(), kMaxLedgerArgs));
  for (const auto& [key, value] : rec.args) {
    TM_RETURN_IF_ERROR(CheckString("arg key '" + key.substr(0, 64) + "'", key, kMaxLedgerArgKey));
    TM_RETURN_IF_ERROR(CheckString("value of arg '" + key + "'", value, kMaxLedgerArgValue));
  }
  TM_RETURN_IF_ERROR(CheckCount("targets", rec.targets.size(), kMaxLedgerTargets));
  for (const std::string& target : rec.targets) {
    TM_RETURN_IF_ERROR(CheckString("a target", target, kMaxLedgerTarget));
  }
  TM_RETURN_IF_ERROR(CheckCount("counts", rec.counts.size(), kMaxLedgerCounts));
  for (const auto& count : rec.counts) {
    TM_RETURN_IF_ERROR(CheckString("a count key", count.first, kMaxLedgerCountKey));
  }
  return Status::OK();
}

void FitLedgerRecord(LedgerRecord* rec) {
  TruncateUtf8(&rec->actor, kMaxLedgerActor);
  TruncateUtf8(&rec->action, kMaxLedgerAction);
  TruncateUtf8(&rec->outcome, kMaxLedgerOutcome);
  if (rec->args.size() > kMaxLedgerArgs) {
    const size_t dropped = rec->args.size() - kMaxLedgerArgs + 1;
    rec->args.resize(kMaxLedgerArgs - 1);
    rec->args.emplace_back("...", std::to_string(dropped) + " more args not recorded");
  }
  for (auto& [key, value] : rec->args) {
    TruncateUtf8(&key, kMaxLedgerArgKey);
    TruncateUtf8(&value, kMaxLedgerArgValue);
  }
  if (rec->targets.size() > kMaxLedgerTargets) {
    const size_t dropped = rec->targets.size() - kMaxLedgerTargets + 1;
    rec->targets.resize(kMaxLedgerTargets - 1);
    rec->targets.push_back("(" + std::to_string(dropped) + " more targets not recorded)");
  }
  for (std::string& target : rec->targets) TruncateUtf8(&target, kMaxLedgerTarget);
  if (rec->counts.size() > kMaxLedgerCounts) {
    const size_t dropped = rec->counts.size() - kMaxLedgerCounts + 1;
    rec->counts.resize(kMaxLedgerCounts - 1);
    rec->counts.emplace_back("counts_not_recorded", static_cast<int64_t>(dropped));
  }
  for (auto& count : rec->counts) TruncateUtf8(&count.first, kMaxLedgerCountKey);
}

std::string EncodeLedgerBody(int64_t time_us, const LedgerRecord& rec) {
  std::string out;
  PutFixed64(&out, static_cast<uint64_t>(time_us));
  PutLengthPrefixed(&out, rec.actor);
  PutLengthPrefixed(&out, rec.action);
  PutLengthPrefixed(&out, rec.outcome);
  PutVarint64(&out, rec.args.size());
  for (const auto& [key, value] : rec.args) {
    PutLengthPrefixed(&out, key);
    PutLengthPrefixed(&out, value);
  }
  PutVarint64(&out, rec.targets.size());
  for (const std::string& target : rec.targets) PutLengthPrefixed(&out, target);
  PutVarint64(&out, rec.counts.size());
  for (const auto& [key, value] : rec.counts) {
    PutLengthPrefixed(&out, key);
    PutVarsint64(&out, value);
  }
  return out;
}

Result<std::string> EncodeLedgerEntry(const LedgerEntry& entry, const MasterKeys& keys) {
  const std::string what = "ledger entry " + std::to_string(entry.seq);
  if (entry.seq == 0)
    return Status::InvalidArgument("ledger seq 0 is not valid (entries start at 1)");
  if (entry.seq == 1 && !entry.prev_hash.IsZero()) {
    return Status::InvalidArgument(what + ": the first entry must have a zero prev_hash");
  }
  if (entry.time_us < 0) return Status::InvalidArgument(what + ": time before 1970");
  TM_RETURN_IF_ERROR(CheckLedgerRecord(entry.record));
  const std::string sealed = AeadSeal(keys.data_key, EncodeLedgerBody(entry.time_us, entry.record),
                                      LedgerAad(entry.seq, entry.prev_hash));
  if (sealed.size() > kMaxLedgerBodySealed) {
    return Status::InvalidArgument(what + ": the sealed body of " + std::to_string(sealed.size()) +
                                   " bytes exceeds the limit of 1 MiB");
  }
  std::string out(kLedgerMagic);
  PutFixed64(&out, entry.seq);
  out.append(entry.prev_hash.View());
  PutLengthPrefixed(&out, sealed);
  out += Sign(keys.sign, out);
  return out;
}

Result<LedgerEntry> DecodeLedgerEntry(std::string_view name, std::string_view file,
                                      const MasterKeys& keys, std::string_view sign_public_key) {
  uint64_t name_seq;
  if (!ParseLedgerEntryName(name, &name_seq)) {
    return Status::Corruption("ledger file ledger/" + std::string(name) +
                              ": name is not a 20-digit sequence number");
  }
  const std::string what = "ledger entry " + std::to_string(name_seq);
  if (name_seq == 0) return Status::Corruption(what + ": seq 0 is not valid (entries start at 1)");

  ByteReader r(file, what);
  std::string_view magic, prev, sealed, signature;
  LedgerEntry entry;
  TM_RETURN_IF_ERROR(r.Bytes("magic", 8, &magic));
  if (magic != kLedgerMagic) return r.Error("magic", "not a tidemark ledger entry (bad magic)");
  TM_RETURN_IF_ERROR(r.Fixed64("seq", &entry.seq));
  if (entry.seq != name_seq) {
    return CorruptAt(
        what, 8, "seq",
        "entry claims seq " + std::to_string(entry.seq) + " (entry moved, inserted or reordered)");
  }
  TM_RETURN_IF_ERROR(r.Bytes("prev_hash", kHashSize, &prev));
  entry.prev_hash = Id::FromBytes(prev);
  if (entry.seq == 1 && !entry.prev_hash.IsZero()) {
    return CorruptAt(what, 16, "prev_hash", "the first entry must have a zero prev_hash");
  }
  const size_t sealed_offset = r.offset();
  TM_RETURN_IF_ERROR(r.LengthPrefixed("body_sealed", kMaxLedgerBodySealed, &sealed));
  if (sealed.size() < kAeadOverhead) {
    return CorruptAt(what, sealed_offset, "body_sealed", "sealed body shorter than 40 bytes");
  }
  const size_t signature_offset = r.offset();
  TM_RETURN_IF_ERROR(r.Bytes("signature", kSignatureSize, &signature));
  TM_RETURN_IF_ERROR(r.ExpectEnd());

  if (!VerifySignature(sign_public_key, file.substr(0, signature_offset), signature)) {
    return CorruptAt(what, signature_offset, "signature",
                     "signature invalid (entry edited or not signed by this repository)");
  }
  auto plain = AeadOpen(keys.data_key, sealed, LedgerAad(entry.seq, entry.prev_hash));
  if (!plain.ok()) {
    return CorruptAt(what, sealed_offset, "body_sealed",
                     "body authentication failed (entry edited or sealed by another repository)");
  }
  TM_ASSIGN_OR_RETURN(LedgerBody body, DecodeLedgerBody(*plain, what + " body"));
  entry.time_us = body.time_us;
  entry.record = std::move(body.record);
  entry.hash = Id::FromBytes(Sha256(file));
  return entry;
}

Result<LedgerBody> DecodeLedgerBody(std::string_view plain, std::string_view what) {
  ByteReader r(plain, std::string(what));
  LedgerBody body;
  uint64_t time_us;
  std::string_view actor, action, outcome;
  TM_RETURN_IF_ERROR(r.Fixed64("time_us", &time_us));
  if (time_us > static_cast<uint64_t>(std::numeric_limits<int64_t>::max())) {
    return CorruptAt(std::string(what), 0, "time_us", "time out of range");
  }
  body.time_us = static_cast<int64_t>(time_us);
  TM_RETURN_IF_ERROR(r.LengthPrefixed("actor", kMaxLedgerActor, &actor));
  TM_RETURN_IF_ERROR(r.LengthPrefixed("action", kMaxLedgerAction, &action));
  TM_RETURN_IF_ERROR(r.LengthPrefixed("outcome", kMaxLedgerOutcome, &outcome));
  body.record.actor = actor;
  body.record.action = action;
  body.record.outcome = outcome;
  TM_RETURN_IF_ERROR(DecodeArgs(&r, &body.record));
  TM_RETURN_IF_ERROR(DecodeTargets(&r, &body.record));
  TM_RETURN_IF_ERROR(DecodeCounts(&r, &body.record));
  TM_RETURN_IF_ERROR(r.ExpectEnd());
  return body;
}

}  // namespace tidemark
