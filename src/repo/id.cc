#include "repo/id.h"

#include <cassert>

#include "base/hex.h"

namespace tidemark {

Id Id::FromBytes(std::string_view b) {
  assert(b.size() == 32);
  Id id;
  std::memcpy(id.bytes.data(), b.data(), 32);
  return id;
}

Result<Id> Id::FromHex(std::string_view hex) {
  std::string raw;
  if (hex.size() != 64 || !HexDecode(hex, &raw)) {
    return Status::InvalidArgument("'" + std::string(hex) + "' is not a 64-digit hex id");
  }
  return FromBytes(raw);
}

std::string Id::Hex() const { return HexEncode(View()); }

bool Id::IsZero() const {
  for (unsigned char c : bytes) {
    if (c) return false;
  }
  return true;
}

}  // namespace tidemark
