#include "repo/keys.h"

#include "base/coding.h"
#include "base/hex.h"
#include "repo/format.h"

namespace tidemark {

using namespace format;

MasterKeys MasterKeys::Generate() {
  MasterKeys k;
  k.data_key = RandomBytes(kAeadKeySize);
  k.id_key = RandomBytes(32);
  k.sign_seed = RandomBytes(kSignSeedSize);
  k.sign = *SignKeyPairFromSeed(k.sign_seed);
  return k;
}

std::string MasterKeys::Encode() const {
  std::string out(kMasterKeysMagic);
  out.push_back(1);
  out += data_key;
  out += id_key;
  out += sign_seed;
  return out;
}

Result<MasterKeys> MasterKeys::Decode(std::string_view plain) {
  ByteReader r(plain, "master keys");
  std::string_view magic, data_key, id_key, seed;
  uint8_t version;
  TM_RETURN_IF_ERROR(r.Bytes("magic", 4, &magic));
  if (magic != kMasterKeysMagic) return r.Error("magic", "bad magic");
  TM_RETURN_IF_ERROR(r.Fixed8("version", &version));
  if (version != 1) return r.Error("version", "unsupported version " + std::to_string(version));
  TM_RETURN_IF_ERROR(r.Bytes("data_key", 32, &data_key));
  TM_RETURN_IF_ERROR(r.Bytes("id_key", 32, &id_key));
  TM_RETURN_IF_ERROR(r.Bytes("sign_seed", 32, &seed));
  TM_RETURN_IF_ERROR(r.ExpectEnd());
  MasterKeys k;
  k.data_key = data_key;
  k.id_key = id_key;
  k.sign_seed = seed;
  TM_ASSIGN_OR_RETURN(k.sign, SignKeyPairFromSeed(seed));
  return k;
}

static std::string KeyAad(std::string_view key_id) {
  return std::string(kAadKey) + std::string(key_id);
}

static std::string PasswordCheck(std::string_view kek) {
  return HmacSha256(kek, kPasswordCheckLabel).substr(0, kKeyCheckSize);
}

Result<KeyFile> KeyFile::Create(const MasterKeys& keys, std::string_view password,
                                const KdfParams& kdf, uint64_t created_us, std::string host,
                                std::string user) {
  KeyFile f;
  f.id = HexEncode(RandomBytes(kKeyIdSize));
  f.created_us = created_us;
  f.host = std::move(host);
  f.user = std::move(user);
  f.kdf = kdf;
  f.salt = RandomBytes(kKdfSaltSize);
  TM_ASSIGN_OR_RETURN(std::string kek, DeriveKey(password, f.salt, kdf, kAeadKeySize));
  f.check = PasswordCheck(kek);
  f.wrapped = AeadSeal(kek, keys.Encode(), KeyAad(f.id));
  return f;
}

std::string KeyFile::Encode() const {
  std::string body;
  PutFixed64(&body, created_us);
  PutFixed32(&body, flags);
  PutLengthPrefixed(&body, host.substr(0, 255));
  PutLengthPrefixed(&body, user.substr(0, 255));
  body.push_back(1);  // kdf: Argon2id v1.3
  PutVarint64(&body, kdf.opslimit);
  PutVarint64(&body, kdf.memlimit);
  body += salt;
  body += check;
  PutLengthPrefixed(&body, wrapped);
  std::string out(kKeyFileMagic);
  PutFixed32(&out, static_cast<uint32_t>(body.size()));
  out += body;
  out += Sha256(out);
  return out;
}

Result<KeyFile> KeyFile::Decode(std::string_view name, std::string_view data) {
  const std::string what = "key file keys/" + std::string(name);
  ByteReader r(data, what);
  std::string_view magic, body_view, checksum;
  uint32_t body_len;
  TM_RETURN_IF_ERROR(r.Bytes("magic", 8, &magic));
  if (magic != kKeyFileMagic) return r.Error("magic", "not a tidemark key file (bad magic)");
  TM_RETURN_IF_ERROR(r.Fixed32("body_len", &body_len));
  if (body_len > kMaxKeyFileBody) return r.Error("body_len", "body length exceeds 4096");
  TM_RETURN_IF_ERROR(r.Bytes("body", body_len, &body_view));
  TM_RETURN_IF_ERROR(r.Bytes("checksum", 32, &checksum));
  TM_RETURN_IF_ERROR(r.ExpectEnd());
  if (Sha256(data.substr(0, 12 + body_len)) != checksum) {
    return Status::Corruption(what + ": checksum mismatch (file damaged or edited)");
  }

  ByteReader b(body_view, what + " body");
  KeyFile f;
  f.id = name;
  std::string_view host, user, salt, check, wrapped;
  uint8_t kdf;
  TM_RETURN_IF_ERROR(b.Fixed64("created_us", &f.created_us));
  TM_RETURN_IF_ERROR(b.Fixed32("flags", &f.flags));
  TM_RETURN_IF_ERROR(b.LengthPrefixed("host", 255, &host));
  TM_RETURN_IF_ERROR(b.LengthPrefixed("user", 255, &user));
  TM_RETURN_IF_ERROR(b.Fixed8("kdf", &kdf));
  if (kdf != 1) return b.Error("kdf", "unknown key derivation " + std::to_string(kdf));
  TM_RETURN_IF_ERROR(b.Varint64("opslimit", &f.kdf.opslimit));
  TM_RETURN_IF_ERROR(b.Varint64("memlimit", &f.kdf.memlimit));
  if (!KdfParamsValid(f.kdf)) {
    return b.Error("opslimit/memlimit",
                   "Argon2id parameters out of range (1..100 passes, "
                   "8 KiB..4 GiB)");
  }
  TM_RETURN_IF_ERROR(b.Bytes("salt", kKdfSaltSize, &salt));
  TM_RETURN_IF_ERROR(b.Bytes("check", kKeyCheckSize, &check));
  TM_RETURN_IF_ERROR(b.LengthPrefixed("wrapped", kWrappedKeysSize, &wrapped));
  if (wrapped.size() != kWrappedKeysSize) {
    return b.Error("wrapped",
                   "wrapped keys must be " + std::to_string(kWrappedKeysSize) + " bytes");
  }
  TM_RETURN_IF_ERROR(b.ExpectEnd());
  if (f.flags & ~kKnownKeyFlags) {
    return Status::Unsupported(what + ": uses flags " + std::to_string(f.flags) +
                               " that this tidemark does not know: upgrade tidemark");
  }
  f.host = host;
  f.user = user;
  f.salt = salt;
  f.check = check;
  f.wrapped = wrapped;
  return f;
}

Result<MasterKeys> KeyFile::Unwrap(std::string_view password) const {
  TM_ASSIGN_OR_RETURN(std::string kek, DeriveKey(password, salt, kdf, kAeadKeySize));
  if (!ConstantTimeEqual(PasswordCheck(kek), check)) {
    return Status::PermissionDenied("wrong password for key " + id);
  }
  auto plain = AeadOpen(kek, wrapped, KeyAad(id));
  if (!plain.ok()) {
    return Status::Corruption("key file keys/" + id +
                              ": password is right but the wrapped keys fail authentication "
                              "(file altered)");
  }
  return MasterKeys::Decode(*plain);
}

}  // namespace tidemark
