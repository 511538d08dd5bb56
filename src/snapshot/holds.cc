#include "snapshot/holds.h"

#include <algorithm>

#include "base/coding.h"
#include "repo/format.h"
#include "repo/signed_file.h"
#include "repo/small_file.h"

namespace tidemark {
namespace {

constexpr uint64_t kMaxHoldFile = 16384;  // holds.md §2: ~4.7 KiB at most
constexpr size_t kMaxName = 255;

FileHandle HoldHandle(const Id& id) { return {FileKind::kHold, id.Hex()}; }

}  // namespace

std::string EncodeHold(const Hold& h) {
  std::string out;
  out.push_back(1);  // version
  PutFixed64(&out, static_cast<uint64_t>(h.time_us));
  PutLengthPrefixed(&out, h.actor);
  PutLengthPrefixed(&out, h.host);
  PutLengthPrefixed(&out, h.reason);
  return out;
}

Result<Hold> DecodeHold(std::string_view payload, std::string_view what) {
  ByteReader r(payload, std::string(what));
  Hold h;
  uint8_t version;
  TM_RETURN_IF_ERROR(r.Fixed8("version", &version));
  if (version != 1) {
    return r.Error("version", "unsupported hold version " + std::to_string(version));
  }
  uint64_t t;
  TM_RETURN_IF_ERROR(r.Fixed64("time_us", &t));
  if (t > static_cast<uint64_t>(INT64_MAX)) return r.Error("time_us", "out of range");
  h.time_us = static_cast<int64_t>(t);
  std::string_view s;
  TM_RETURN_IF_ERROR(r.LengthPrefixed("actor", kMaxName, &s));
  h.actor = std::string(s);
  TM_RETURN_IF_ERROR(r.LengthPrefixed("host", kMaxName, &s));
  h.host = std::string(s);
  TM_RETURN_IF_ERROR(r.LengthPrefixed("reason", kMaxHoldReason, &s));
  h.reason = std::string(s);
  TM_RETURN_IF_ERROR(r.ExpectEnd());
  return h;
}

Status AddHold(const Repository& repo, const Hold& h) {
  if (h.reason.empty()) return Status::InvalidArgument("a hold needs a reason (--reason TEXT)");
  if (h.reason.size() > kMaxHoldReason) {
    return Status::InvalidArgument("the hold reason is longer than 4096 bytes");
  }
  Hold stored = h;
  if (stored.actor.size() > kMaxName) stored.actor.resize(kMaxName);
  if (stored.host.size() > kMaxName) stored.host.resize(kMaxName);
  const std::string name = h.snapshot.Hex();
  const std::string file =
      SealSignedFile(repo.keys(), format::kHoldMagic, format::kAadHold, name, EncodeHold(stored));
  Status s = repo.backend()->Put(HoldHandle(h.snapshot), file, PutMode::kCreateExclusive);
  if (s.IsAlreadyExists()) {
    auto old = ReadHold(repo, h.snapshot);
    std::string who = old.ok() ? " by " + old->actor + " (reason: " + old->reason + ")" : "";
    return Status::AlreadyExists("snapshot " + h.snapshot.Short() + " is already held" + who);
  }
  return s;
}

Result<Hold> ReadHold(const Repository& repo, const Id& snapshot) {
  const std::string name = snapshot.Hex();
  auto file = ReadSmallFile(repo.backend(), HoldHandle(snapshot), kMaxHoldFile);
  if (file.status().IsNotFound()) {
    return Status::NotFound("snapshot " + snapshot.Short() + " is not held");
  }
  if (!file.ok()) return file.status();
  const std::string what = "hold " + snapshot.Short();
  TM_ASSIGN_OR_RETURN(std::string payload, OpenSignedFile(repo.keys(), format::kHoldMagic,
                                                          format::kAadHold, name, *file, what));
  TM_ASSIGN_OR_RETURN(Hold h, DecodeHold(payload, what));
  h.snapshot = snapshot;
  return h;
}

Status RemoveHold(const Repository& repo, const Id& snapshot) {
  TM_RETURN_IF_ERROR(repo.CheckMayDelete("hold remove"));
  Status s = repo.backend()->Remove(HoldHandle(snapshot));
  if (s.IsNotFound()) return Status::NotFound("snapshot " + snapshot.Short() + " is not held");
  return s;
}

Result<std::vector<Hold>> ListHolds(const Repository& repo) {
  std::vector<Id> ids;
  TM_RETURN_IF_ERROR(repo.backend()->List(FileKind::kHold, [&](const FileInfo& f) {
    auto id = Id::FromHex(f.handle.name);
    if (id.ok()) ids.push_back(*id);
    return Status::OK();
  }));
  std::sort(ids.begin(), ids.end());
  std::vector<Hold> holds;
  for (const Id& id : ids) {
    auto h = ReadHold(repo, id);
    if (h.status().IsNotFound()) continue;  // released meanwhile
    if (h.ok()) {
      holds.push_back(std::move(*h));
    } else if (h.status().code() == Status::Code::kCorruption) {
      Hold damaged;
      damaged.snapshot = id;
      damaged.damage = h.status().message();
      holds.push_back(std::move(damaged));
    } else {
      return h.status();
    }
  }
  return holds;
}

}  // namespace tidemark
