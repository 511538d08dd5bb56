// Tests of the entry format (ledger_entry.h), redaction (redact.h) and the
// head cache (ledger_head.h). The Ledger itself is tested in ledger_test.cc.
#include "ledger/ledger_entry.h"

#include <gtest/gtest.h>
#include <stdlib.h>

#include <fstream>
#include <random>

#include "ledger/ledger_head.h"
#include "ledger/redact.h"
#include "repo/format.h"
#include "storage/temp_dir_testlib.h"

namespace tidemark {
namespace {

class LedgerEntryTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(CryptoInit().ok());
    keys_ = MasterKeys::Generate();
  }

  LedgerEntry Sample(uint64_t seq) const {
    LedgerEntry e;
    e.seq = seq;
    e.time_us = 1700000000123456;
    if (seq > 1) e.prev_hash = Id::FromBytes(std::string(32, '\x07'));
    e.record.actor = "alice@box";
    e.record.action = "backup";
    e.record.outcome = "ok";
    e.record.args = {{"tag", "nightly"}, {"exclude", "*.tmp"}};
    e.record.targets = {"/home/alice", "/etc"};
    e.record.counts = {{"files", 120}, {"delta", -5}, {"min", INT64_MIN}};
    return e;
  }

  Result<LedgerEntry> Decode(uint64_t seq, std::string_view file) const {
    return DecodeLedgerEntry(LedgerEntryName(seq), file, keys_, keys_.sign.public_key);
  }

  MasterKeys keys_;
};

TEST_F(LedgerEntryTest, NamesAreTwentyDigits) {
  EXPECT_EQ(LedgerEntryName(42), "00000000000000000042");
  EXPECT_EQ(LedgerEntryName(UINT64_MAX), "18446744073709551615");
  uint64_t seq = 0;
  EXPECT_TRUE(ParseLedgerEntryName("00000000000000000042", &seq));
  EXPECT_EQ(seq, 42u);
  EXPECT_TRUE(ParseLedgerEntryName("18446744073709551615", &seq));
  EXPECT_EQ(seq, UINT64_MAX);
  EXPECT_FALSE(ParseLedgerEntryName("18446744073709551616", &seq));  // overflows
  EXPECT_FALSE(ParseLedgerEntryName("42", &seq));
  EXPECT_FALSE(ParseLedgerEntryName("0000000000000000004a", &seq));
  EXPECT_FALSE(ParseLedgerEntryName("+0000000000000000042", &seq));
}

TEST_F(LedgerEntryTest, RoundTrip) {
  const LedgerEntry in = Sample(5);
  auto file = EncodeLedgerEntry(in, keys_);
  ASSERT_TRUE(file.ok()) << file.status().ToString();
  EXPECT_EQ(file->substr(0, 8), "TMLEDG01");
  auto out = Decode(5, *file);
  ASSERT_TRUE(out.ok()) << out.status().ToString();
  EXPECT_EQ(out->seq, 5u);
  EXPECT_EQ(out->time_us, in.time_us);
  EXPECT_EQ(out->prev_hash, in.prev_hash);
  EXPECT_EQ(out->hash, Id::FromBytes(Sha256(*file)));
  EXPECT_EQ(out->record, in.record);
}

TEST_F(LedgerEntryTest, DecodeNamesEntryOffsetAndField) {
  const std::string file = *EncodeLedgerEntry(Sample(3), keys_);
  EXPECT_EQ(Decode(4, file).status().ToString(),
            "Corruption: ledger entry 4: offset 8: entry claims seq 3 (entry moved, inserted or "
            "reordered) (field seq)");
  EXPECT_EQ(Decode(3, file + "x").status().ToString(), "Corruption: ledger entry 3: offset " +
                                                           std::to_string(file.size()) +
                                                           ": 1 unexpected trailing bytes");
  EXPECT_EQ(Decode(3, file.substr(0, 20)).status().ToString(),
            "Corruption: ledger entry 3: offset 16: truncated: need 32 bytes, have 4 (field "
            "prev_hash)");
  EXPECT_EQ(DecodeLedgerEntry("3", file, keys_, keys_.sign.public_key).status().ToString(),
            "Corruption: ledger file ledger/3: name is not a 20-digit sequence number");
  EXPECT_EQ(Decode(0, file).status().ToString(),
            "Corruption: ledger entry 0: seq 0 is not valid (entries start at 1)");
  const MasterKeys other = MasterKeys::Generate();
  EXPECT_EQ(
      DecodeLedgerEntry(LedgerEntryName(3), file, keys_, other.sign.public_key).status().ToString(),
      "Corruption: ledger entry 3: offset " + std::to_string(file.size() - 64) +
          ": signature invalid (entry edited or not signed by this repository) (field "
          "signature)");
  // Right signature, wrong data key: the body does not open.
  MasterKeys wrong_data = keys_;
  wrong_data.data_key = other.data_key;
  EXPECT_EQ(DecodeLedgerEntry(LedgerEntryName(3), file, wrong_data, keys_.sign.public_key)
                .status()
                .ToString(),
            "Corruption: ledger entry 3: offset 48: body authentication failed (entry edited or "
            "sealed by another repository) (field body_sealed)");
}

TEST_F(LedgerEntryTest, FirstEntryHasZeroPrevHash) {
  LedgerEntry e = Sample(1);
  e.prev_hash = Id::FromBytes(std::string(32, '\x01'));
  EXPECT_TRUE(EncodeLedgerEntry(e, keys_).status().IsInvalidArgument());
  e.seq = 0;
  EXPECT_TRUE(EncodeLedgerEntry(e, keys_).status().IsInvalidArgument());
}

TEST_F(LedgerEntryTest, LimitsAreEnforcedOnEncodeAndFitted) {
  LedgerEntry e = Sample(2);
  e.record.actor = std::string(254, 'a') + "\xc3\xa9";  // 256 bytes, ends in 'é'
  e.record.targets.assign(5000, "/t");
  e.record.args.push_back({std::string(70, 'k'), std::string(5000, 'v')});
  EXPECT_EQ(EncodeLedgerEntry(e, keys_).status().ToString(),
            "InvalidArgument: ledger record: actor is 256 bytes, more than the limit of 255");
  FitLedgerRecord(&e.record);
  ASSERT_TRUE(CheckLedgerRecord(e.record).ok()) << CheckLedgerRecord(e.record).ToString();
  EXPECT_EQ(e.record.actor, std::string(254, 'a'));  // 'é' is not split
  ASSERT_EQ(e.record.targets.size(), 4096u);
  EXPECT_EQ(e.record.targets.back(), "(905 more targets not recorded)");
  EXPECT_EQ(e.record.args.back().first.size(), 64u);
  EXPECT_EQ(e.record.args.back().second.size(), 4096u);
  auto file = EncodeLedgerEntry(e, keys_);
  ASSERT_TRUE(file.ok()) << file.status().ToString();
  auto out = Decode(2, *file);
  ASSERT_TRUE(out.ok()) << out.status().ToString();
  EXPECT_EQ(out->record, e.record);
}

TEST_F(LedgerEntryTest, BodyLimitsAreChecked) {
  std::string body = EncodeLedgerBody(1, Sample(1).record);
  ASSERT_TRUE(DecodeLedgerBody(body, "b").ok());
  // time_us (8) + actor (1 + 9) + action (1 + 6) + outcome (1 + 2) = 28: arg_count.
  std::string bad = body;
  bad[28] = '\x81';  // varint 0x81 0x02... = 257 args with the next byte
  bad.insert(29, "\x02");
  EXPECT_EQ(DecodeLedgerBody(bad, "b").status().ToString(),
            "Corruption: b: offset 28: value 257 exceeds limit 256 (field arg_count)");
  EXPECT_EQ(
      DecodeLedgerBody(body + std::string(1, '\0'), "b").status().ToString(),
      "Corruption: b: offset " + std::to_string(body.size()) + ": 1 unexpected trailing bytes");
  std::string huge_time = body;
  huge_time[7] = '\x80';
  EXPECT_EQ(DecodeLedgerBody(huge_time, "b").status().ToString(),
            "Corruption: b: offset 0: time out of range (field time_us)");
}

// Random and mutated bodies never crash the decoder (a small in-test fuzzer;
// fuzz/ has the real one).
TEST_F(LedgerEntryTest, GarbageBodiesNeverCrash) {
  std::mt19937 rng(42);
  const std::string body = EncodeLedgerBody(1, Sample(1).record);
  for (int i = 0; i < 5000; i++) {
    std::string b = body;
    const int flips = 1 + static_cast<int>(rng() % 4);
    for (int f = 0; f < flips; f++) b[rng() % b.size()] = static_cast<char>(rng());
    if (rng() % 3 == 0) b.resize(rng() % b.size());
    (void)DecodeLedgerBody(b, "fuzz");
  }
}

TEST(RedactTest, SecretKeys) {
  for (const char* k : {"password", "Password", "password-file", "passwd", "passphrase",
                        "AWS_SECRET_ACCESS_KEY", "client-secret", "github_token", "credentials",
                        "private_key", "api-key", "key_material", "sign_seed", "pw"}) {
    EXPECT_TRUE(IsSecretArgKey(k)) << k;
  }
  for (const char* k : {"key_id", "key", "key-file", "keys", "tag", "host", "repo", "exclude",
                        "passes", "monkey"}) {
    EXPECT_FALSE(IsSecretArgKey(k)) << k;
  }
}

TEST(RedactTest, UrlPasswords) {
  EXPECT_EQ(RedactUrlPasswords("s3://ak:sk@host/bucket"), "s3://ak:<redacted>@host/bucket");
  EXPECT_EQ(RedactUrlPasswords("a https://u:p@h b sftp://x:y:z@h2:22/p"),
            "a https://u:<redacted>@h b sftp://x:<redacted>@h2:22/p");
  EXPECT_EQ(RedactUrlPasswords("--repo=rest:https://me:p%40ss@h"),
            "--repo=rest:https://me:<redacted>@h");
  for (const char* keep : {"https://host/path", "s3://user@host/b", "https://h/a:b@c",
                           "user:pw@host", "://u:p@h", "mailto:a@b", "https://h:8080/x", ""}) {
    EXPECT_EQ(RedactUrlPasswords(keep), keep);
  }
}

TEST(RedactTest, Args) {
  std::vector<std::pair<std::string, std::string>> args = {
      {"password", "hunter2"}, {"key_id", "3fa1"}, {"repo", "s3://ak:sk@h/b"}, {"tag", "x"}};
  RedactArgs(&args);
  EXPECT_EQ(args,
            (std::vector<std::pair<std::string, std::string>>{{"password", "<redacted>"},
                                                              {"key_id", "3fa1"},
                                                              {"repo", "s3://ak:<redacted>@h/b"},
                                                              {"tag", "x"}}));
}

TEST(LedgerHeadTest, ParseAndFormat) {
  const std::string hex(64, 'a');
  auto head = ParseHead("12:" + hex);
  ASSERT_TRUE(head.ok());
  EXPECT_EQ(head->seq, 12u);
  EXPECT_EQ(FormatHead(*head), "12:" + hex);
  EXPECT_TRUE(ParseHead("0:" + std::string(64, '0')).ok());
  for (std::string bad :
       {std::string(""), std::string("12"), "x:" + hex, std::string("12:abc"), "-1:" + hex,
        "0:" + hex, "99999999999999999999:" + hex, ":" + hex, "12:" + hex + "0"}) {
    auto r = ParseHead(bad);
    EXPECT_TRUE(r.status().IsInvalidArgument()) << bad;
  }
}

TEST(LedgerHeadTest, CacheOnlyMovesForward) {
  ScopedTempDir dir;
  HeadCache cache(dir.path(), "00ff");
  EXPECT_EQ(cache.path(), dir.path() + "/00ff/ledger-head");
  EXPECT_FALSE(cache.Load().has_value());
  const LedgerHead five{5, Id::FromBytes(std::string(32, '\x05'))};
  const LedgerHead three{3, Id::FromBytes(std::string(32, '\x03'))};
  cache.Advance(five);
  cache.Advance(three);
  ASSERT_TRUE(cache.Load().has_value());
  EXPECT_EQ(*cache.Load(), five);
  std::ifstream in(cache.path());
  std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  EXPECT_EQ(text, "5 " + five.hash.Hex() + "\n");
  // A damaged cache is ignored (with a warning) and then replaced.
  std::ofstream(cache.path()) << "garbage";
  EXPECT_FALSE(cache.Load().has_value());
  cache.Advance(three);
  EXPECT_EQ(*cache.Load(), three);
}

TEST(LedgerHeadTest, UnwritableCacheIsOnlyAWarning) {
  ScopedTempDir dir;
  std::ofstream(dir.path() + "/file") << "x";
  HeadCache cache(dir.path() + "/file/sub", "00ff");  // a folder below a file
  cache.Advance({1, Id::FromBytes(std::string(32, '\x01'))});
  EXPECT_FALSE(cache.Load().has_value());
}

TEST(LedgerHeadTest, DefaultCacheDirFollowsEnvironment) {
  const char* old_xdg = getenv("XDG_CACHE_HOME");
  const std::string saved_xdg = old_xdg ? old_xdg : "";
  setenv("TIDEMARK_CACHE_DIR", "/x/cache", 1);
  EXPECT_EQ(DefaultCacheDir(), "/x/cache");
  unsetenv("TIDEMARK_CACHE_DIR");
  setenv("XDG_CACHE_HOME", "/x/xdg", 1);
  EXPECT_EQ(DefaultCacheDir(), "/x/xdg/tidemark");
  unsetenv("XDG_CACHE_HOME");
  if (const char* home = getenv("HOME"); home && *home) {
    EXPECT_EQ(DefaultCacheDir(), std::string(home) + "/.cache/tidemark");
  }
  if (old_xdg) setenv("XDG_CACHE_HOME", saved_xdg.c_str(), 1);
}

}  // namespace
}  // namespace tidemark
