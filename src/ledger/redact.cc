#include "ledger/redact.h"

#include <cctype>

#include "base/ascii.h"

namespace tidemark {

namespace {

// Lowercase, with '-', ' ' and '.' folded into '_'.
std::string NormalizeKey(std::string_view key) {
  std::string out;
  out.reserve(key.size());
  for (char c : key) {
    if (c == '-' || c == ' ' || c == '.') {
      out.push_back('_');
    } else {
      out.push_back(AsciiLower(c));
    }
  }
  return out;
}

// Substrings of a normalized key that mark a secret.
constexpr std::string_view kSecretWords[] = {
    "password",   "passwd",       "passphrase",  "secret",        "token",
    "credential", "private_key",  "privatekey",  "api_key",       "apikey",
    "access_key", "key_material", "keymaterial", "master_key",    "data_key",
    "sign_seed",  "signing_key",  "auth_key",    "authorization", "cookie",
};
// Whole normalized keys that are secrets although no word above matches.
constexpr std::string_view kSecretKeys[] = {"pw", "pass", "pwd", "seed"};

bool IsSchemeChar(char c) {
  return std::isalnum(static_cast<unsigned char>(c)) || c == '+' || c == '-' || c == '.';
}

// True when text[0, end) ends with a URL scheme (RFC 3986: ALPHA *( ALPHA /
// DIGIT / "+" / "-" / "." )).
bool EndsWithScheme(std::string_view text, size_t end) {
  size_t start = end;
  while (start > 0 && IsSchemeChar(text[start - 1])) start--;
  // The scheme begins at the first letter of the run.
  while (start < end && !std::isalpha(static_cast<unsigned char>(text[start]))) start++;
  return start < end;
}

// Where the authority that starts at `from` ends.
size_t AuthorityEnd(std::string_view text, size_t from) {
  size_t end = from;
  while (end < text.size()) {
    char c = text[end];
    if (c == '/' || c == '?' || c == '#' || std::isspace(static_cast<unsigned char>(c))) break;
    end++;
  }
  return end;
}

}  // namespace

bool IsSecretArgKey(std::string_view key) {
  const std::string k = NormalizeKey(key);
  for (std::string_view w : kSecretWords) {
    if (k.find(w) != std::string::npos) return true;
  }
  for (std::string_view w : kSecretKeys) {
    if (k == w) return true;
  }
  return false;
}

std::string RedactUrlPasswords(std::string_view text) {
  std::string out;
  size_t pos = 0;  // text[0, pos) is already in out
  for (size_t sep = text.find("://"); sep != std::string_view::npos;
       sep = text.find("://", sep + 3)) {
    if (sep < pos || !EndsWithScheme(text, sep)) continue;
    const size_t auth = sep + 3;
    const size_t end = AuthorityEnd(text, auth);
    const size_t at = text.rfind('@', end - 1);  // end >= auth >= 3
    if (at == std::string_view::npos || at < auth || at >= end) continue;
    const size_t colon = text.find(':', auth);
    if (colon == std::string_view::npos || colon > at) continue;  // no password
    out.append(text.substr(pos, colon + 1 - pos));
    out.append(kRedacted);
    pos = at;
  }
  out.append(text.substr(pos));
  return out;
}

void RedactArgs(std::vector<std::pair<std::string, std::string>>* args) {
  for (auto& [key, value] : *args) {
    if (IsSecretArgKey(key)) {
      value = std::string(kRedacted);
    } else {
      value = RedactUrlPasswords(value);
    }
  }
}

}  // namespace tidemark
