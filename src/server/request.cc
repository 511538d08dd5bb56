#include "server/request.h"

#include <algorithm>
#include <cctype>

#include "base/hex.h"

namespace tidemark {
namespace {

constexpr size_t kMaxSegment = 1024;

bool ValidUtf8(std::string_view s) {
  size_t i = 0;
  while (i < s.size()) {
    const unsigned char c = static_cast<unsigned char>(s[i]);
    size_t n = c < 0x80 ? 1 : (c >> 5) == 0x6 ? 2 : (c >> 4) == 0xe ? 3 : (c >> 3) == 0x1e ? 4 : 0;
    if (n == 0 || i + n > s.size()) return false;
    for (size_t k = 1; k < n; ++k) {
      if ((static_cast<unsigned char>(s[i + k]) & 0xc0) != 0x80) return false;
    }
    i += n;
  }
  return true;
}

bool IsLoopbackHost(const std::string& host) {
  if (host == "localhost" || host == "::1") return true;
  return host.rfind("127.", 0) == 0 &&
         std::all_of(host.begin(), host.end(), [](char c) { return std::isdigit(c) || c == '.'; });
}

Result<int> ParsePort(std::string_view text, std::string_view whole) {
  if (text.empty() || text.size() > 5 ||
      !std::all_of(text.begin(), text.end(), [](char c) { return c >= '0' && c <= '9'; })) {
    return Status::InvalidArgument("--listen " + std::string(whole) +
                                   ": expected HOST:PORT with a port 0-65535");
  }
  const int port = std::stoi(std::string(text));
  if (port > 65535) {
    return Status::InvalidArgument("--listen " + std::string(whole) + ": port above 65535");
  }
  return port;
}

}  // namespace

const std::string* ApiRequest::Header(std::string_view name) const {
  for (const auto& [k, v] : headers) {
    if (k == name) return &v;
  }
  return nullptr;
}

const std::string* ApiRequest::Query(std::string_view name) const {
  for (const auto& [k, v] : query) {
    if (k == name) return &v;
  }
  return nullptr;
}

std::string ListenAddress::ToString() const {
  const std::string h = host.find(':') != std::string::npos ? "[" + host + "]" : host;
  return h + ":" + std::to_string(port);
}

Result<ListenAddress> ParseListen(std::string_view text) {
  ListenAddress a;
  std::string_view port;
  if (!text.empty() && text[0] == '[') {
    const size_t close = text.find("]:");
    if (close == std::string_view::npos) {
      return Status::InvalidArgument("--listen " + std::string(text) + ": expected [IPV6]:PORT");
    }
    a.host = std::string(text.substr(1, close - 1));
    port = text.substr(close + 2);
  } else {
    const size_t colon = text.rfind(':');
    if (colon == std::string_view::npos || text.find(':') != colon) {
      return Status::InvalidArgument("--listen " + std::string(text) +
                                     ": expected HOST:PORT, e.g. 127.0.0.1:8470 or [::1]:8470");
    }
    a.host = std::string(text.substr(0, colon));
    port = text.substr(colon + 1);
  }
  if (a.host.empty()) {
    return Status::InvalidArgument("--listen " + std::string(text) +
                                   ": give a host (127.0.0.1 for this machine only)");
  }
  TM_ASSIGN_OR_RETURN(a.port, ParsePort(port, text));
  a.loopback = IsLoopbackHost(a.host);
  return a;
}

Result<std::vector<std::string>> SplitPath(std::string_view path) {
  if (path.empty() || path[0] != '/') return Status::InvalidArgument("the path must start with /");
  std::vector<std::string> segs;
  size_t i = 1;
  while (i <= path.size()) {
    const size_t slash = std::min(path.find('/', i), path.size());
    std::string_view seg = path.substr(i, slash - i);
    const bool last = slash == path.size();
    if (seg.empty() && !(last && !segs.empty()) && !(last && path.size() == 1)) {
      return Status::InvalidArgument("empty segment in the path");
    }
    if (seg == "." || seg == "..") {
      return Status::InvalidArgument("'.' and '..' are not allowed in a path");
    }
    if (seg.size() > kMaxSegment) {
      return Status::InvalidArgument("a path segment is longer than 1024 bytes");
    }
    if (std::any_of(seg.begin(), seg.end(),
                    [](char c) { return static_cast<unsigned char>(c) < 0x20 || c == 0x7f; }) ||
        !ValidUtf8(seg)) {
      return Status::InvalidArgument("control characters or invalid UTF-8 in the path: " +
                                     PercentEncode(seg, false));
    }
    if (!seg.empty()) segs.emplace_back(seg);
    i = slash + 1;
  }
  return segs;
}

Result<PageParams> ParsePage(const ApiRequest& req) {
  PageParams p;
  if (const std::string* l = req.Query("limit")) {
    const bool digits =
        !l->empty() && l->size() <= 4 &&
        std::all_of(l->begin(), l->end(), [](char c) { return c >= '0' && c <= '9'; });
    const uint64_t n = digits ? std::stoull(*l) : 0;
    if (n < 1 || n > kMaxPageLimit) {
      return Status::InvalidArgument("limit takes a number from 1 to 1000");
    }
    p.limit = n;
  }
  if (const std::string* a = req.Query("after")) {
    if (a->size() > kMaxSegment || !ValidUtf8(*a) || std::any_of(a->begin(), a->end(), [](char c) {
          return static_cast<unsigned char>(c) < 0x20;
        })) {
      return Status::InvalidArgument("after: control characters, invalid UTF-8 or too long");
    }
    p.after = *a;
  }
  return p;
}

Result<std::string> BearerToken(const ApiRequest& req) {
  const std::string* h = req.Header("authorization");
  if (h == nullptr) return Status::NotFound("no Authorization header");
  constexpr std::string_view kScheme = "Bearer ";
  if (h->size() <= kScheme.size() || h->compare(0, kScheme.size(), kScheme) != 0) {
    return Status::InvalidArgument("the Authorization header must be `Bearer TOKEN`");
  }
  std::string token = h->substr(kScheme.size());
  while (!token.empty() && token.back() == ' ') token.pop_back();
  if (token.empty()) return Status::InvalidArgument("an empty bearer token");
  return token;
}

Result<JsonValue> JsonBody(const ApiRequest& req) {
  if (req.body.empty()) return ParseJson("{}");
  auto v = ParseJson(req.body);
  if (!v.ok()) return Status::InvalidArgument("the body is not JSON: " + v.status().message());
  if (!v->is_object()) return Status::InvalidArgument("the body must be a JSON object");
  return v;
}

Result<std::string> StringMember(const JsonValue& obj, std::string_view key, size_t max) {
  const JsonValue* v = obj.Find(key);
  if (v == nullptr) return std::string();
  if (!v->is_string()) {
    return Status::InvalidArgument(std::string(key) + ": expected a string, found " +
                                   JsonValue::TypeName(v->type()));
  }
  if (v->string_value().size() > max) {
    return Status::InvalidArgument(std::string(key) + ": longer than " + std::to_string(max) +
                                   " bytes");
  }
  return v->string_value();
}

Result<bool> QueryFlag(const ApiRequest& req, std::string_view name) {
  const std::string* v = req.Query(name);
  if (v == nullptr || v->empty() || *v == "false" || *v == "0") return false;
  if (*v == "true" || *v == "1") return true;
  return Status::InvalidArgument(std::string(name) + " takes true or false");
}

}  // namespace tidemark
