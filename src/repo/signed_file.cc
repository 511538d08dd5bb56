#include "repo/signed_file.h"

#include "base/coding.h"
#include "crypto/crypto.h"

namespace tidemark {
namespace {

std::string Bound(std::string_view label, std::string_view name) {
  std::string out(label);
  out.append(name);
  return out;
}

}  // namespace

std::string SealSignedFile(const MasterKeys& keys, std::string_view magic, std::string_view label,
                           std::string_view name, std::string_view payload) {
  const std::string aad = Bound(label, name);
  std::string body;
  PutLengthPrefixed(&body, payload);
  body.append(Sign(keys.sign, aad + std::string(payload)));
  std::string file(magic);
  file.append(AeadSeal(keys.data_key, body, aad));
  return file;
}

Result<std::string> OpenSignedFile(const MasterKeys& keys, std::string_view magic,
                                   std::string_view label, std::string_view name,
                                   std::string_view file, std::string_view what) {
  if (file.size() < magic.size() || file.substr(0, magic.size()) != magic) {
    return Status::Corruption(std::string(what) + ": offset 0: bad magic");
  }
  const std::string aad = Bound(label, name);
  auto body = AeadOpen(keys.data_key, file.substr(magic.size()), aad);
  if (!body.ok()) {
    return Status::Corruption(std::string(what) + ": offset " + std::to_string(magic.size()) +
                              ": " + body.status().message() +
                              " (changed bytes, or a file renamed from another name)");
  }
  ByteReader r(*body, std::string(what));
  std::string_view payload, sig;
  TM_RETURN_IF_ERROR(r.LengthPrefixed("payload", body->size(), &payload));
  TM_RETURN_IF_ERROR(r.Bytes("signature", kSignatureSize, &sig));
  TM_RETURN_IF_ERROR(r.ExpectEnd());
  if (!VerifySignature(keys.sign.public_key, aad + std::string(payload), sig)) {
    return Status::Corruption(std::string(what) +
                              ": signature check failed (not signed by this repository's key)");
  }
  return std::string(payload);
}

}  // namespace tidemark
