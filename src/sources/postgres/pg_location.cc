#include "sources/postgres/pg_location.h"

#include <cctype>

#include "base/hex.h"

namespace tidemark::pg {
namespace {

constexpr std::string_view kForm =
    "write it as postgres://USER@HOST:PORT/DATABASE?sslmode=... (the password comes from "
    "PGPASSFILE or the source's password_command, never from the URI)";

Status Bad(std::string_view what) {
  return Status::InvalidArgument(std::string("postgres location: ") + std::string(what) + "; " +
                                 std::string(kForm));
}

Result<std::string> Unescape(std::string_view s, std::string_view part) {
  std::string out;
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] != '%') {
      out += s[i];
      continue;
    }
    std::string byte;
    if (i + 2 >= s.size() || !HexDecode(s.substr(i + 1, 2), &byte)) {
      return Bad("a bad percent escape in the " + std::string(part));
    }
    out += byte;
    i += 2;
  }
  return out;
}

bool IsCredentialParam(std::string_view k) {
  return k == "password" || k == "passfile" || k == "sslpassword";
}

Status ParseHostPort(std::string_view hp, PgLocation* loc) {
  std::string_view host = hp, port;
  if (!hp.empty() && hp.front() == '[') {  // [IPv6]:port
    size_t close = hp.find(']');
    if (close == std::string_view::npos) return Bad("an IPv6 host without its closing ]");
    host = hp.substr(1, close - 1);
    std::string_view rest = hp.substr(close + 1);
    if (!rest.empty()) {
      if (rest.front() != ':') return Bad("unexpected text after the IPv6 host");
      port = rest.substr(1);
    }
  } else if (size_t colon = hp.rfind(':'); colon != std::string_view::npos) {
    host = hp.substr(0, colon);
    port = hp.substr(colon + 1);
  }
  if (hp.find(',') != std::string_view::npos) return Bad("more than one host");
  for (char c : port) {
    if (!std::isdigit(static_cast<unsigned char>(c))) return Bad("the port is not a number");
  }
  if (!port.empty() && (port.size() > 5 || std::stoi(std::string(port)) > 65535 ||
                        std::stoi(std::string(port)) == 0)) {
    return Bad("the port is out of range");
  }
  auto h = Unescape(host, "host");
  if (!h.ok()) return h.status();
  loc->host = std::move(*h);
  loc->port = std::string(port);
  return Status::OK();
}

Status ParseQuery(std::string_view q, PgLocation* loc) {
  while (!q.empty()) {
    size_t amp = q.find('&');
    std::string_view kv = q.substr(0, amp);
    q = amp == std::string_view::npos ? std::string_view() : q.substr(amp + 1);
    if (kv.empty()) continue;
    size_t eq = kv.find('=');
    if (eq == std::string_view::npos) return Bad("a query parameter without '='");
    auto k = Unescape(kv.substr(0, eq), "query");
    auto v = Unescape(kv.substr(eq + 1), "query");
    if (!k.ok()) return k.status();
    if (!v.ok()) return v.status();
    if (IsCredentialParam(*k)) return Bad("a " + *k + " is not accepted in the URI");
    if (*k == "dbname" || *k == "user" || *k == "host" || *k == "port") {
      return Bad(*k + " belongs in the URI itself, not in its query");
    }
    loc->params.emplace_back(std::move(*k), std::move(*v));
  }
  return Status::OK();
}

}  // namespace

Result<PgLocation> ParsePgLocation(std::string_view location) {
  if (location.substr(0, 2) != "//") return Bad("it does not start with postgres://");
  std::string_view rest = location.substr(2);
  std::string_view query;
  if (size_t qm = rest.find('?'); qm != std::string_view::npos) {
    query = rest.substr(qm + 1);
    rest = rest.substr(0, qm);
  }
  size_t slash = rest.find('/');
  if (slash == std::string_view::npos || slash + 1 == rest.size()) return Bad("no database name");
  std::string_view authority = rest.substr(0, slash), db = rest.substr(slash + 1);
  PgLocation loc;
  if (size_t at = authority.rfind('@'); at != std::string_view::npos) {
    std::string_view user = authority.substr(0, at);
    if (user.find(':') != std::string_view::npos) {
      return Bad("a password is not accepted in the URI");
    }
    auto u = Unescape(user, "user");
    if (!u.ok()) return u.status();
    loc.user = std::move(*u);
    authority = authority.substr(at + 1);
  }
  if (Status s = ParseHostPort(authority, &loc); !s.ok()) return s;
  auto d = Unescape(db, "database name");
  if (!d.ok()) return d.status();
  if (d->empty() || d->find('/') != std::string::npos) return Bad("a bad database name");
  loc.dbname = std::move(*d);
  if (Status s = ParseQuery(query, &loc); !s.ok()) return s;
  return loc;
}

std::string PgLocation::Uri() const {
  std::string out = "postgres://";
  if (!user.empty()) out += PercentEncode(user, false) + "@";
  if (host.find(':') != std::string::npos) {
    out += "[" + host + "]";
  } else {
    out += PercentEncode(host, false);
  }
  if (!port.empty()) out += ":" + port;
  out += "/" + PercentEncode(dbname, false);
  for (size_t i = 0; i < params.size(); ++i) {
    out += (i == 0 ? "?" : "&") + PercentEncode(params[i].first, false) + "=" +
           PercentEncode(params[i].second, false);
  }
  return out;
}

std::vector<std::pair<std::string, std::string>> PgLocation::Keywords() const {
  std::vector<std::pair<std::string, std::string>> kw;
  if (!host.empty()) kw.emplace_back("host", host);
  if (!port.empty()) kw.emplace_back("port", port);
  if (!user.empty()) kw.emplace_back("user", user);
  kw.emplace_back("dbname", dbname);
  for (const auto& p : params) kw.push_back(p);
  return kw;
}

}  // namespace tidemark::pg
