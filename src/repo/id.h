// Id: a 32-byte content or object id (blob id, pack id, index id).
#pragma once

#include <array>
#include <compare>
#include <cstring>
#include <functional>
#include <string>
#include <string_view>

#include "base/result.h"

namespace tidemark {

struct Id {
  std::array<unsigned char, 32> bytes{};

  static Id FromBytes(std::string_view b);  // REQUIRES: b.size() == 32
  // Parses 64 hex digits; InvalidArgument otherwise.
  static Result<Id> FromHex(std::string_view hex);
  std::string Hex() const;
  std::string Short() const { return Hex().substr(0, 12); }  // for messages
  std::string_view View() const {
    return {reinterpret_cast<const char*>(bytes.data()), bytes.size()};
  }
  bool IsZero() const;

  auto operator<=>(const Id&) const = default;
  bool operator==(const Id&) const = default;
};

struct IdHash {
  size_t operator()(const Id& id) const {
    size_t h;
    std::memcpy(&h, id.bytes.data(), sizeof h);  // ids are uniformly random
    return h;
  }
};

}  // namespace tidemark
