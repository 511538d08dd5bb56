#include "server/accounts.h"

#include <algorithm>
#include <cctype>
#include <cstdint>

#include "base/coding.h"
#include "base/hex.h"
#include "crypto/crypto.h"
#include "repo/signed_file.h"
#include "repo/small_file.h"

namespace tidemark {
namespace {

constexpr std::string_view kAccountsMagic = "TMACCT01";              // accounts.md §1
constexpr std::string_view kAccountsLabel = "tidemark accounts v1";  // accounts.md §1
constexpr uint8_t kAccountsVersion = 1;
constexpr uint64_t kMaxAccountsFile = 8u << 20;  // accounts.md §2: ~3.5 MiB at the limits
constexpr size_t kGenerationDigits = 20;
constexpr int kMaxLostRaces = 8;

bool NameChar(char c) {
  return std::isalnum(static_cast<unsigned char>(c)) || c == '.' || c == '_' || c == '-' ||
         c == '@';
}

void EncodeAccount(const Account& a, std::string* out) {
  PutLengthPrefixed(out, a.name);
  out->push_back(static_cast<char>(a.grant.role));
  PutVarint64(out, a.grant.sources.size());
  for (const std::string& s : a.grant.sources) PutLengthPrefixed(out, s);
  PutLengthPrefixed(out, a.password_hash);
  PutFixed64(out, static_cast<uint64_t>(a.created_us));
  PutVarint64(out, a.tokens.size());
  for (const TokenRecord& t : a.tokens) {
    PutLengthPrefixed(out, t.id);
    out->append(t.hash);
    PutFixed64(out, static_cast<uint64_t>(t.created_us));
  }
}

Status ReadTime(ByteReader* r, std::string_view field, int64_t* t) {
  uint64_t v;
  TM_RETURN_IF_ERROR(r->Fixed64(field, &v));
  if (v > static_cast<uint64_t>(INT64_MAX)) return r->Error(field, "out of range");
  *t = static_cast<int64_t>(v);
  return Status::OK();
}

Status DecodeTokens(ByteReader* r, Account* a) {
  uint64_t n;
  TM_RETURN_IF_ERROR(r->VarintMax("token_count", kMaxTokensPerAccount, &n));
  for (uint64_t i = 0; i < n; ++i) {
    TokenRecord t;
    std::string_view s;
    TM_RETURN_IF_ERROR(r->LengthPrefixed("token_id", kTokenIdSize, &s));
    std::string raw;
    if (s.size() != kTokenIdSize || !HexDecode(s, &raw)) {
      return r->Error("token_id", "not 12 hex digits");
    }
    t.id = std::string(s);
    TM_RETURN_IF_ERROR(r->Bytes("token_hash", kTokenHashSize, &s));
    t.hash = std::string(s);
    TM_RETURN_IF_ERROR(ReadTime(r, "token_created_us", &t.created_us));
    a->tokens.push_back(std::move(t));
  }
  return Status::OK();
}

Status DecodeAccount(ByteReader* r, Account* a) {
  std::string_view s;
  TM_RETURN_IF_ERROR(r->LengthPrefixed("name", kMaxAccountName, &s));
  a->name = std::string(s);
  if (!CheckAccountName(a->name).ok()) return r->Error("name", "not a valid account name");
  uint8_t role;
  TM_RETURN_IF_ERROR(r->Fixed8("role", &role));
  if (role < 1 || role > 4) return r->Error("role", "unknown role " + std::to_string(role));
  a->grant.role = static_cast<Role>(role);
  uint64_t n;
  TM_RETURN_IF_ERROR(r->VarintMax("source_count", kMaxAccountSources, &n));
  for (uint64_t i = 0; i < n; ++i) {
    TM_RETURN_IF_ERROR(r->LengthPrefixed("source", kMaxSourceName, &s));
    if (!CheckSourceName(s).ok()) return r->Error("source", "not a valid source name");
    a->grant.sources.emplace_back(s);
  }
  TM_RETURN_IF_ERROR(r->LengthPrefixed("password_hash", kMaxPasswordHash, &s));
  a->password_hash = std::string(s);
  TM_RETURN_IF_ERROR(ReadTime(r, "created_us", &a->created_us));
  return DecodeTokens(r, a);
}

FileHandle AccountsHandle(uint64_t generation) {
  return {FileKind::kAccounts, AccountsFileName(generation)};
}

// Every generation present, ascending. Names that are not generations are
// ignored (they cannot be a valid document: the name is signed).
Result<std::vector<uint64_t>> Generations(const Repository& repo) {
  std::vector<uint64_t> gens;
  TM_RETURN_IF_ERROR(repo.backend()->List(FileKind::kAccounts, [&](const FileInfo& f) {
    const std::string& n = f.handle.name;
    if (n.size() != kGenerationDigits ||
        !std::all_of(n.begin(), n.end(), [](char c) { return c >= '0' && c <= '9'; })) {
      return Status::OK();
    }
    uint64_t g = 0;
    for (char c : n) {
      if (g > (UINT64_MAX - 9) / 10) return Status::OK();  // does not fit: ignored
      g = g * 10 + static_cast<uint64_t>(c - '0');
    }
    if (g > 0) gens.push_back(g);
    return Status::OK();
  }));
  std::sort(gens.begin(), gens.end());
  return gens;
}

Result<AccountsDoc> ReadGeneration(const Repository& repo, uint64_t generation) {
  const std::string name = AccountsFileName(generation);
  TM_ASSIGN_OR_RETURN(std::string file,
                      ReadSmallFile(repo.backend(), AccountsHandle(generation), kMaxAccountsFile));
  const std::string what = "accounts " + name;
  TM_ASSIGN_OR_RETURN(std::string payload, OpenSignedFile(repo.keys(), kAccountsMagic,
                                                          kAccountsLabel, name, file, what));
  TM_ASSIGN_OR_RETURN(AccountsDoc doc, DecodeAccounts(payload, what));
  if (doc.generation != generation) {
    return Status::Corruption(what + ": holds generation " + std::to_string(doc.generation));
  }
  return doc;
}

void RemoveOlder(const Repository& repo, uint64_t keep) {
  if (repo.append_only()) return;  // old generations stay; the newest wins
  auto gens = Generations(repo);
  if (!gens.ok()) return;
  for (uint64_t g : *gens) {
    if (g < keep) (void)repo.backend()->Remove(AccountsHandle(g));  // a leftover is harmless
  }
}

}  // namespace

const Account* AccountsDoc::Find(std::string_view name) const {
  for (const Account& a : accounts) {
    if (a.name == name) return &a;
  }
  return nullptr;
}

Account* AccountsDoc::Find(std::string_view name) {
  return const_cast<Account*>(static_cast<const AccountsDoc*>(this)->Find(name));
}

Status CheckAccountName(std::string_view name) {
  const bool ok = !name.empty() && name.size() <= kMaxAccountName &&
                  std::isalnum(static_cast<unsigned char>(name[0])) &&
                  std::all_of(name.begin(), name.end(), NameChar);
  if (ok) return Status::OK();
  return Status::InvalidArgument(
      "account name '" + OneLine(name) +
      "': use 1-64 letters, digits, '.', '_', '-' or '@', starting with a letter or digit");
}

Status CheckSourceName(std::string_view name) {
  const bool ok = !name.empty() && name.size() <= kMaxSourceName &&
                  std::none_of(name.begin(), name.end(), [](char c) {
                    return static_cast<unsigned char>(c) < 0x20 || c == 0x7f;
                  });
  if (ok) return Status::OK();
  return Status::InvalidArgument("source name '" + OneLine(name) +
                                 "': use 1-255 bytes without control characters");
}

std::string EncodeAccounts(const AccountsDoc& doc) {
  std::string out;
  out.push_back(static_cast<char>(kAccountsVersion));
  PutFixed64(&out, doc.generation);
  PutFixed64(&out, static_cast<uint64_t>(doc.time_us));
  PutVarint64(&out, doc.accounts.size());
  for (const Account& a : doc.accounts) EncodeAccount(a, &out);
  return out;
}

Result<AccountsDoc> DecodeAccounts(std::string_view payload, std::string_view what) {
  ByteReader r(payload, std::string(what));
  uint8_t version;
  TM_RETURN_IF_ERROR(r.Fixed8("version", &version));
  if (version != kAccountsVersion) {
    return r.Error("version", "unsupported accounts version " + std::to_string(version) +
                                  " (written by a newer tidemark?)");
  }
  AccountsDoc doc;
  TM_RETURN_IF_ERROR(r.Fixed64("generation", &doc.generation));
  if (doc.generation == 0) return r.Error("generation", "is 0");
  TM_RETURN_IF_ERROR(ReadTime(&r, "time_us", &doc.time_us));
  uint64_t n;
  TM_RETURN_IF_ERROR(r.VarintMax("account_count", kMaxAccounts, &n));
  for (uint64_t i = 0; i < n; ++i) {
    Account a;
    TM_RETURN_IF_ERROR(DecodeAccount(&r, &a));
    if (!doc.accounts.empty() && doc.accounts.back().name >= a.name) {
      return r.Error("name", "accounts out of order or repeated");
    }
    doc.accounts.push_back(std::move(a));
  }
  TM_RETURN_IF_ERROR(r.ExpectEnd());
  return doc;
}

std::string AccountsFileName(uint64_t generation) {
  std::string digits = std::to_string(generation);
  return std::string(kGenerationDigits - std::min(kGenerationDigits, digits.size()), '0') + digits;
}

Result<uint64_t> NewestAccountsGeneration(const Repository& repo) {
  TM_ASSIGN_OR_RETURN(std::vector<uint64_t> gens, Generations(repo));
  return gens.empty() ? 0 : gens.back();
}

Result<AccountsDoc> LoadAccounts(const Repository& repo) {
  for (int attempt = 0; attempt < kMaxLostRaces; ++attempt) {
    TM_ASSIGN_OR_RETURN(std::vector<uint64_t> gens, Generations(repo));
    if (gens.empty()) return AccountsDoc{};
    auto doc = ReadGeneration(repo, gens.back());
    if (doc.status().IsNotFound()) continue;  // replaced by a newer one meanwhile
    if (doc.status().IsCorruption()) {
      return Status::Corruption(doc.status().message() +
                                "; no account is accepted until the newest generation verifies "
                                "(docs/guide/serve.md#where-accounts-live)");
    }
    return doc;
  }
  return Status::Refused("the accounts kept changing while they were read; try again");
}

Result<AccountsDoc> UpdateAccounts(const Repository& repo,
                                   const std::function<Status(AccountsDoc*)>& change) {
  for (int attempt = 0; attempt < kMaxLostRaces; ++attempt) {
    TM_ASSIGN_OR_RETURN(AccountsDoc doc, LoadAccounts(repo));
    TM_RETURN_IF_ERROR(change(&doc));
    if (doc.accounts.size() > kMaxAccounts) {
      return Status::Refused("a repository holds at most 1000 accounts");
    }
    std::sort(doc.accounts.begin(), doc.accounts.end(),
              [](const Account& a, const Account& b) { return a.name < b.name; });
    doc.generation += 1;
    doc.time_us = repo.clock()->NowMicros();
    const std::string name = AccountsFileName(doc.generation);
    const std::string file =
        SealSignedFile(repo.keys(), kAccountsMagic, kAccountsLabel, name, EncodeAccounts(doc));
    Status s = repo.backend()->Put(AccountsHandle(doc.generation), file, PutMode::kCreateExclusive);
    if (s.IsAlreadyExists()) continue;  // another writer was first: read its generation
    TM_RETURN_IF_ERROR(s);
    RemoveOlder(repo, doc.generation);
    return doc;
  }
  return Status::Refused("the accounts changed " + std::to_string(kMaxLostRaces) +
                         " times while this change was made; try again");
}

std::string TokenKey(const Repository& repo) {
  return HmacSha256(repo.keys().id_key, "tidemark token key v1");
}

std::string TokenHash(std::string_view token_key, std::string_view token) {
  return HmacSha256(token_key, token);
}

bool LooksLikeToken(std::string_view token) {
  if (token.size() != kTokenPrefix.size() + 64 ||
      token.substr(0, kTokenPrefix.size()) != kTokenPrefix) {
    return false;
  }
  return std::all_of(token.begin() + kTokenPrefix.size(), token.end(),
                     [](char c) { return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'); });
}

NewToken MakeToken(std::string_view token_key, int64_t now_us) {
  NewToken t;
  t.token = std::string(kTokenPrefix) + HexEncode(RandomBytes(32));
  t.record.id = HexEncode(RandomBytes(kTokenIdSize / 2));
  t.record.hash = TokenHash(token_key, t.token);
  t.record.created_us = now_us;
  return t;
}

}  // namespace tidemark
