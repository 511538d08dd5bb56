// Reading requests: the listen address, path segments, paging parameters,
// bearer tokens and JSON bodies. Pure functions over plain data
// (api_types.h); each error is InvalidArgument saying what is wrong, which
// the API answers as 400. docs/api.md
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "base/json_parse.h"
#include "base/result.h"
#include "server/api_types.h"

namespace tidemark {

struct ListenAddress {
  std::string host;              // "127.0.0.1", "::1", "0.0.0.0", a name
  int port = 0;                  // 0: any free port
  bool loopback = false;         // 127.0.0.0/8, ::1 or "localhost"
  std::string ToString() const;  // "127.0.0.1:8470", "[::1]:8470"
};
// "HOST:PORT" or "[IPV6]:PORT"; port 0-65535.
Result<ListenAddress> ParseListen(std::string_view text);

// The segments of a path ("/api/v1/snapshots/x" -> {"api","v1","snapshots","x"}).
// Refuses an empty segment (but a trailing "/"), "." and "..", control
// bytes, invalid UTF-8 and segments over 1024 bytes.
Result<std::vector<std::string>> SplitPath(std::string_view path);

struct PageParams {
  uint64_t limit = 100;
  std::string after;  // "" = from the start
};
inline constexpr uint64_t kDefaultPageLimit = 100;
inline constexpr uint64_t kMaxPageLimit = 1000;
// ?limit=N (1..1000, default 100) and ?after=X.
Result<PageParams> ParsePage(const ApiRequest& req);

// The token of `Authorization: Bearer TOKEN`: NotFound without the header,
// InvalidArgument for another scheme or an empty token.
Result<std::string> BearerToken(const ApiRequest& req);

// The body as one JSON object (an empty body reads as {}).
Result<JsonValue> JsonBody(const ApiRequest& req);
// A string member of a JSON object: "" when absent, InvalidArgument when
// not a string or longer than max.
Result<std::string> StringMember(const JsonValue& obj, std::string_view key, size_t max);

// A query flag: absent, "" or "false"/"0" is false; "true"/"1" true; else InvalidArgument.
Result<bool> QueryFlag(const ApiRequest& req, std::string_view name);

}  // namespace tidemark
