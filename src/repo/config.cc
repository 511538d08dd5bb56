#include "repo/config.h"

#include "base/coding.h"
#include "crypto/crypto.h"

namespace tidemark {

using namespace format;

static std::string ConfigAad(uint32_t version, std::string_view repo_id) {
  std::string aad(kAadConfig);
  PutFixed32(&aad, version);
  aad += repo_id;
  return aad;
}

Status RepoConfig::Validate() const {
  auto bad = [](const char* field, const std::string& why) {
    return Status::InvalidArgument(std::string("config ") + field + ": " + why);
  };
  if (repo_id.size() != kRepoIdSize) return bad("repo_id", "must be 16 bytes");
  if (compression_level < 1 || compression_level > 19)
    return bad("compression_level", "must be 1..19");
  if (pack_target < kMinPackTarget || pack_target > kMaxPackTarget) {
    return bad("pack_target", "must be 64 KiB .. 256 MiB");
  }
  if (!(chunker_min > 0 && chunker_min <= chunker_avg && chunker_avg <= chunker_max &&
        chunker_max <= kMaxBlobSize)) {
    return bad("chunker", "need 0 < min <= avg <= max <= 64 MiB");
  }
  if ((chunker_avg & (chunker_avg - 1)) != 0) {
    return bad("chunker", "avg must be a power of two (docs/format/chunker.md)");
  }
  if (!(tree_min > 0 && tree_min <= tree_avg && tree_avg <= tree_max && tree_max <= kMaxBlobSize)) {
    return bad("tree", "need 0 < min <= avg <= max <= 64 MiB");
  }
  if (sign_public_key.size() != kSignPublicKeySize)
    return bad("sign_public_key", "must be 32 bytes");
  if (object_lock() && (lock_mode < 1 || lock_mode > 2)) {
    return bad("lock_mode", "must be 1 (governance) or 2 (compliance)");
  }
  if (object_lock() && (lock_days < 1 || lock_days > kMaxLockDays)) {
    return bad("lock_days", "must be 1..36500");
  }
  if (!object_lock() && (lock_mode != 0 || lock_days != 0)) {
    return bad("lock_mode", "set without the Object Lock flag");
  }
  return Status::OK();
}

std::string RepoConfig::Encode(std::string_view data_key) const {
  std::string body;
  PutFixed64(&body, created_us);
  body.push_back(static_cast<char>(compression_level));
  PutFixed32(&body, pack_target);
  for (uint32_t v : {chunker_min, chunker_avg, chunker_max, tree_min, tree_avg, tree_max}) {
    PutFixed32(&body, v);
  }
  body += sign_public_key;
  PutFixed32(&body, flags);
  if (object_lock()) {
    body.push_back(static_cast<char>(lock_mode));
    PutFixed32(&body, lock_days);
  }
  std::string out(kConfigMagic);
  PutFixed32(&out, version);
  out += repo_id;
  out += AeadSeal(data_key, body, ConfigAad(version, repo_id));
  return out;
}

Result<RepoConfig> RepoConfig::DecodeHeader(std::string_view data) {
  ByteReader r(data, "config");
  std::string_view magic, repo_id;
  RepoConfig cfg;
  TM_RETURN_IF_ERROR(r.Bytes("magic", 8, &magic));
  if (magic != kConfigMagic)
    return r.Error("magic", "not a tidemark repository config (bad magic)");
  TM_RETURN_IF_ERROR(r.Fixed32("version", &cfg.version));
  TM_RETURN_IF_ERROR(r.Bytes("repo_id", kRepoIdSize, &repo_id));
  cfg.repo_id = repo_id;
  return cfg;
}

Status RepoConfig::DecodeBody(std::string_view body, RepoConfig* cfg) {
  ByteReader r(body, "config body");
  uint8_t level;
  std::string_view pub;
  TM_RETURN_IF_ERROR(r.Fixed64("created_us", &cfg->created_us));
  TM_RETURN_IF_ERROR(r.Fixed8("compression_level", &level));
  cfg->compression_level = level;
  TM_RETURN_IF_ERROR(r.Fixed32("pack_target", &cfg->pack_target));
  for (uint32_t* v : {&cfg->chunker_min, &cfg->chunker_avg, &cfg->chunker_max, &cfg->tree_min,
                      &cfg->tree_avg, &cfg->tree_max}) {
    TM_RETURN_IF_ERROR(r.Fixed32("sizes", v));
  }
  TM_RETURN_IF_ERROR(r.Bytes("sign_public_key", kSignPublicKeySize, &pub));
  cfg->sign_public_key = pub;
  TM_RETURN_IF_ERROR(r.Fixed32("flags", &cfg->flags));
  if (cfg->flags & ~kKnownConfigFlags) {
    return Status::Unsupported("config: uses flags " + std::to_string(cfg->flags) +
                               " that this tidemark does not know: upgrade tidemark");
  }
  if (cfg->object_lock()) {
    TM_RETURN_IF_ERROR(r.Fixed8("lock_mode", &cfg->lock_mode));
    TM_RETURN_IF_ERROR(r.Fixed32("lock_days", &cfg->lock_days));
  }
  TM_RETURN_IF_ERROR(r.ExpectEnd());
  Status valid = cfg->Validate();
  if (!valid.ok()) return Status::Corruption("config body: " + valid.message());
  return Status::OK();
}

Result<RepoConfig> RepoConfig::Decode(std::string_view data, std::string_view data_key) {
  TM_ASSIGN_OR_RETURN(RepoConfig cfg, RepoConfig::DecodeHeader(data));
  const size_t header = 8 + 4 + kRepoIdSize;
  auto body = AeadOpen(data_key, data.substr(header), ConfigAad(cfg.version, cfg.repo_id));
  if (!body.ok()) {
    return Status::Corruption("config: offset " + std::to_string(header) + ": body " +
                              body.status().message() + " (config damaged or edited)");
  }
  if (cfg.version != kRepoVersion) {
    return Status::Unsupported("this repository has format version " + std::to_string(cfg.version) +
                               "; this tidemark reads version " + std::to_string(kRepoVersion) +
                               " only: upgrade tidemark");
  }
  TM_RETURN_IF_ERROR(DecodeBody(*body, &cfg));
  return cfg;
}

}  // namespace tidemark
