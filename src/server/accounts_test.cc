// The accounts document: codec round trip and its limits, storage in the
// repository (generations, races, damage fails closed), the use cases with
// their ledger entries, tokens and password hashes.
#include "server/accounts.h"

#include <gtest/gtest.h>

#include <cstdlib>

#include "crypto/password_hash.h"
#include "ledger/ledger.h"
#include "server/account_cache.h"
#include "server/account_ops.h"
#include "storage/mem_backend.h"
#include "storage/temp_dir_testlib.h"

namespace tidemark {
namespace {

AccountsDoc Sample() {
  AccountsDoc doc;
  doc.generation = 7;
  doc.time_us = 1'700'000'000'000'000;
  Account a;
  a.name = "alice";
  a.grant = {Role::kRestorer, {"crm", "hr"}};
  a.password_hash = "$argon2id$v=19$m=8,t=1,p=1$c2FsdHNhbHQ$aGFzaA";
  a.created_us = 1'700'000'000'000'001;
  a.tokens.push_back({"0123456789ab", std::string(32, 'h'), 5});
  Account b;
  b.name = "bob@ops";
  b.grant = {Role::kViewer, {}};
  doc.accounts = {a, b};
  return doc;
}

TEST(AccountsCodecTest, RoundTrip) {
  const AccountsDoc doc = Sample();
  auto back = DecodeAccounts(EncodeAccounts(doc), "accounts 7");
  ASSERT_TRUE(back.ok()) << back.status().ToString();
  EXPECT_EQ(back->generation, 7u);
  ASSERT_EQ(back->accounts.size(), 2u);
  const Account& a = back->accounts[0];
  EXPECT_EQ(a.name, "alice");
  EXPECT_EQ(a.grant.role, Role::kRestorer);
  EXPECT_EQ(a.grant.sources, (std::vector<std::string>{"crm", "hr"}));
  EXPECT_EQ(a.password_hash, doc.accounts[0].password_hash);
  ASSERT_EQ(a.tokens.size(), 1u);
  EXPECT_EQ(a.tokens[0].hash, std::string(32, 'h'));
  EXPECT_EQ(back->accounts[1].grant.role, Role::kViewer);
}

TEST(AccountsCodecTest, EveryTruncationIsCorruption) {
  const std::string bytes = EncodeAccounts(Sample());
  for (size_t n = 0; n < bytes.size(); ++n) {
    auto r = DecodeAccounts(bytes.substr(0, n), "accounts 7");
    EXPECT_TRUE(r.status().IsCorruption()) << n << ": " << r.status().ToString();
  }
  EXPECT_TRUE(DecodeAccounts(bytes + "x", "accounts 7").status().IsCorruption());
}

TEST(AccountsCodecTest, RefusesBadValues) {
  AccountsDoc doc = Sample();
  std::string bytes = EncodeAccounts(doc);
  bytes[0] = 2;  // version
  EXPECT_NE(DecodeAccounts(bytes, "a").status().message().find("unsupported accounts version"),
            std::string::npos);
  // A role byte of 9.
  bytes = EncodeAccounts(doc);
  const size_t role_at = 1 + 8 + 8 + 1 + 1 + 5;  // version, generation, time, count, len, "alice"
  ASSERT_EQ(bytes[role_at], 3);
  bytes[role_at] = 9;
  EXPECT_NE(DecodeAccounts(bytes, "a").status().message().find("unknown role 9"),
            std::string::npos);
  // Names out of order.
  std::swap(doc.accounts[0], doc.accounts[1]);
  EXPECT_TRUE(DecodeAccounts(EncodeAccounts(doc), "a").status().IsCorruption());
  doc = Sample();
  doc.accounts[1].name = "../etc";
  EXPECT_TRUE(DecodeAccounts(EncodeAccounts(doc), "a").status().IsCorruption());
}

TEST(AccountsCodecTest, Names) {
  EXPECT_TRUE(CheckAccountName("alice").ok());
  EXPECT_TRUE(CheckAccountName("a.b_c-d@e").ok());
  EXPECT_FALSE(CheckAccountName("").ok());
  EXPECT_FALSE(CheckAccountName("-x").ok());
  EXPECT_FALSE(CheckAccountName("a b").ok());
  EXPECT_FALSE(CheckAccountName("a/b").ok());
  EXPECT_FALSE(CheckAccountName(std::string(65, 'a')).ok());
  EXPECT_TRUE(CheckSourceName("crm db").ok());
  EXPECT_FALSE(CheckSourceName("a\nb").ok());
  EXPECT_EQ(AccountsFileName(42), "00000000000000000042");
}

class AccountsRepoTest : public ::testing::Test {
 protected:
  void SetUp() override {
    setenv("TIDEMARK_CACHE_DIR", (dir_.path() + "/cache").c_str(), 1);
    InitOptions opts;
    opts.kdf = KdfParams{1, 8192};
    auto r = Repository::Init(&mem_, "pw", opts);
    ASSERT_TRUE(r.ok()) << r.status().ToString();
    repo_ = std::move(*r);
  }
  ActionLog Log() const { return ActionLog(repo_.get(), "test", "tester@host"); }
  std::vector<LedgerEntry> Entries() const {
    std::vector<LedgerEntry> out;
    EXPECT_TRUE(Ledger(repo_.get())
                    .ForEach(1,
                             [&](const LedgerEntry& e) {
                               out.push_back(e);
                               return Status::OK();
                             })
                    .ok());
    return out;
  }
  ScopedTempDir dir_;
  MemBackend mem_;
  std::unique_ptr<Repository> repo_;
};

TEST_F(AccountsRepoTest, NoDocumentIsNoAccounts) {
  auto doc = LoadAccounts(*repo_);
  ASSERT_TRUE(doc.ok());
  EXPECT_EQ(doc->generation, 0u);
  EXPECT_TRUE(doc->accounts.empty());
}

TEST_F(AccountsRepoTest, UseCasesWriteGenerationsAndLedgerEntries) {
  ASSERT_TRUE(AddUser(*repo_, Log(), "alice", {Role::kOperator, {"crm"}}).ok());
  EXPECT_TRUE(AddUser(*repo_, Log(), "alice", {Role::kAdmin, {}}).status().IsAlreadyExists());
  auto token = CreateToken(*repo_, Log(), "alice");
  ASSERT_TRUE(token.ok()) << token.status().ToString();
  EXPECT_TRUE(LooksLikeToken(token->token));
  ASSERT_TRUE(SetUserPassword(*repo_, Log(), "alice", "s3cret", KdfParams{1, 8192}).ok());
  auto doc = LoadAccounts(*repo_);
  ASSERT_TRUE(doc.ok());
  EXPECT_EQ(doc->generation, 3u);  // the refused add wrote nothing
  const Account* a = doc->Find("alice");
  ASSERT_NE(a, nullptr);
  EXPECT_TRUE(VerifyPassword(a->password_hash, "s3cret"));
  EXPECT_FALSE(VerifyPassword(a->password_hash, "S3cret"));
  ASSERT_EQ(a->tokens.size(), 1u);
  EXPECT_EQ(a->tokens[0].hash, TokenHash(TokenKey(*repo_), token->token));
  // Only the newest generation is kept.
  size_t files = 0;
  ASSERT_TRUE(mem_.List(FileKind::kAccounts,
                        [&](const FileInfo&) {
                          files++;
                          return Status::OK();
                        })
                  .ok());
  EXPECT_EQ(files, 1u);
  // One entry per change, the refusal too, and never the token itself.
  const auto entries = Entries();
  std::vector<std::string> actions;
  for (const LedgerEntry& e : entries) {
    actions.push_back(e.record.action + " " + e.record.outcome);
    for (const auto& [k, v] : e.record.args) EXPECT_EQ(v.find(token->token), std::string::npos);
    for (const auto& t : e.record.targets) EXPECT_EQ(t.find(token->token), std::string::npos);
    EXPECT_EQ(e.record.actor, "tester@host");
  }
  EXPECT_EQ(actions, (std::vector<std::string>{"user add ok", "user add refused", "token create ok",
                                               "user passwd ok"}));
  ASSERT_TRUE(RevokeToken(*repo_, Log(), "alice", token->record.id).ok());
  EXPECT_TRUE(RevokeToken(*repo_, Log(), "alice", token->record.id).IsNotFound());
  ASSERT_TRUE(RemoveUser(*repo_, Log(), "alice").ok());
  EXPECT_TRUE(RemoveUser(*repo_, Log(), "alice").IsNotFound());
}

TEST_F(AccountsRepoTest, DamagedNewestGenerationFailsClosed) {
  ASSERT_TRUE(AddUser(*repo_, Log(), "alice", {Role::kAdmin, {}}).ok());
  const FileHandle h{FileKind::kAccounts, AccountsFileName(1)};
  std::string file = *mem_.Get(h);
  file[file.size() - 3] ^= 1;
  ASSERT_TRUE(mem_.Put(h, file, PutMode::kOverwrite).ok());
  auto doc = LoadAccounts(*repo_);
  EXPECT_TRUE(doc.status().IsCorruption()) << doc.status().ToString();
  // Nothing is written over a damaged generation.
  ASSERT_TRUE(AddUser(*repo_, Log(), "x", {Role::kViewer, {}}).status().IsCorruption());
  AccountCache cache(repo_.get(), 1000, [] { return int64_t{0}; });
  EXPECT_TRUE(cache.Load().IsCorruption());
  EXPECT_TRUE(cache.Authenticate("tm_" + std::string(64, 'a')).status().IsCorruption());
}

TEST_F(AccountsRepoTest, RenamedGenerationDoesNotVerify) {
  ASSERT_TRUE(AddUser(*repo_, Log(), "alice", {Role::kViewer, {}}).ok());
  const std::string file = *mem_.Get({FileKind::kAccounts, AccountsFileName(1)});
  ASSERT_TRUE(mem_.Put({FileKind::kAccounts, AccountsFileName(9)}, file).ok());
  EXPECT_TRUE(LoadAccounts(*repo_).status().IsCorruption());
}

TEST_F(AccountsRepoTest, CacheSeesNewGenerationsAfterItsInterval) {
  int64_t now = 0;
  AccountCache cache(repo_.get(), 1000, [&] { return now; });
  ASSERT_TRUE(cache.Load().ok());
  ASSERT_TRUE(AddUser(*repo_, Log(), "alice", {Role::kViewer, {}}).ok());
  auto t = CreateToken(*repo_, Log(), "alice");
  ASSERT_TRUE(t.ok());
  EXPECT_TRUE(cache.Authenticate(t->token).status().IsNotFound());  // not checked yet
  now = 1000;
  auto a = cache.Authenticate(t->token);
  ASSERT_TRUE(a.ok()) << a.status().ToString();
  EXPECT_EQ(a->name, "alice");
  EXPECT_TRUE(cache.Authenticate(t->token + "0").status().IsNotFound());
  EXPECT_TRUE(cache.Authenticate("tm_" + std::string(64, '0')).status().IsNotFound());
  ASSERT_TRUE(RevokeToken(*repo_, Log(), "alice", t->record.id).ok());
  now = 2000;
  EXPECT_TRUE(cache.Authenticate(t->token).status().IsNotFound());
}

}  // namespace
}  // namespace tidemark
