// Redaction of secrets before they reach the ledger. Ledger entries are
// readable by every key holder, forever, so a password typed as an option
// must never be recorded.
#pragma once

#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace tidemark {

inline constexpr std::string_view kRedacted = "<redacted>";

// True when an arg named `key` carries a secret: its name mentions a
// password, passphrase, secret, token, credential, private key or other key
// material (case-insensitive, '-' and '_' alike). Names of key identifiers
// ("key_id", "key", "key-file") are not secrets.
bool IsSecretArgKey(std::string_view key);

// Returns text with the password of every "scheme://user:password@host" URL
// replaced by "<redacted>" ("s3://ak:<redacted>@host/b"). Other text is kept.
std::string RedactUrlPasswords(std::string_view text);

// Redacts args in place: the value of a secret arg (IsSecretArgKey) becomes
// "<redacted>"; every other value gets RedactUrlPasswords.
void RedactArgs(std::vector<std::pair<std::string, std::string>>* args);

}  // namespace tidemark
