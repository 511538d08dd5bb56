#include "ledger/ledger.h"

#include <gtest/gtest.h>
#include <stdlib.h>

#include <atomic>
#include <set>
#include <thread>

#include "storage/faulty_backend.h"
#include "storage/local_backend.h"
#include "storage/mem_backend.h"
#include "storage/s3_testlib.h"
#include "storage/temp_dir_testlib.h"

namespace tidemark {
namespace {

constexpr int64_t kStartTime = 1700000000000000;

Result<std::unique_ptr<Repository>> MakeRepo(Backend* backend, const Clock* clock) {
  InitOptions opts;
  opts.kdf = KdfParams{1, 8192};  // fast Argon2id for tests
  return Repository::Init(backend, "pw", opts, clock);
}

LedgerRecord Rec(int i) {
  LedgerRecord r;
  r.actor = "alice@box";
  r.action = "backup";
  r.outcome = i % 2 ? "ok" : "failed: disk full";
  r.args = {{"tag", "t" + std::to_string(i)}};
  r.targets = {"/home/alice/" + std::to_string(i)};
  r.counts = {{"files", i * 10}, {"delta", -i}};
  return r;
}

class LedgerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(CryptoInit().ok());
    ASSERT_FALSE(cache_dir_.path().empty());
    setenv("TIDEMARK_CACHE_DIR", cache_dir_.path().c_str(), 1);
    auto repo = MakeRepo(&backend_, &clock_);
    ASSERT_TRUE(repo.ok()) << repo.status().ToString();
    repo_ = std::move(repo).value();
    ledger_ = std::make_unique<Ledger>(repo_.get());
  }
  void TearDown() override { unsetenv("TIDEMARK_CACHE_DIR"); }

  // Appends Rec(1) … Rec(n), one second apart.
  void AppendN(int n) {
    for (int i = 1; i <= n; i++) {
      clock_.Advance(1000000);
      auto e = ledger_->Append(Rec(i));
      ASSERT_TRUE(e.ok()) << e.status().ToString();
    }
  }
  static FileHandle H(uint64_t seq) { return {FileKind::kLedger, LedgerEntryName(seq)}; }
  std::string File(uint64_t seq) { return *backend_.Get(H(seq)); }
  void PutFile(uint64_t seq, std::string_view data) {
    ASSERT_TRUE(backend_.Put(H(seq), data, PutMode::kOverwrite).ok());
  }
  void RemoveFile(uint64_t seq) { ASSERT_TRUE(backend_.Remove(H(seq)).ok()); }
  Id HashOf(uint64_t seq) { return Id::FromBytes(Sha256(File(seq))); }

  VerifyReport MustVerify(std::optional<LedgerHead> expected = std::nullopt) {
    auto report = ledger_->Verify(expected);
    EXPECT_TRUE(report.ok()) << report.status().ToString();
    return report.ok() ? *report : VerifyReport{};
  }
  std::vector<LedgerEntry> ReadAll(uint64_t from = 1) {
    std::vector<LedgerEntry> out;
    Status s = ledger_->ForEach(from, [&](const LedgerEntry& e) {
      out.push_back(e);
      return Status::OK();
    });
    EXPECT_TRUE(s.ok()) << s.ToString();
    return out;
  }
  // Entry seq re-encoded with `keys` and `prev_hash` (same content).
  std::string Reencode(uint64_t seq, const MasterKeys& keys, const Id& prev_hash) {
    LedgerEntry e = *DecodeLedgerEntry(LedgerEntryName(seq), File(seq), repo_->keys(),
                                       repo_->config().sign_public_key);
    e.prev_hash = prev_hash;
    return *EncodeLedgerEntry(e, keys);
  }

  ScopedTempDir cache_dir_;
  FakeClock clock_{kStartTime};
  MemBackend backend_;
  std::unique_ptr<Repository> repo_;
  std::unique_ptr<Ledger> ledger_;
};

TEST_F(LedgerTest, AppendTenAndReadBack) {
  auto empty = ledger_->Head();
  ASSERT_TRUE(empty.ok());
  EXPECT_EQ(*empty, LedgerHead{});
  AppendN(10);
  const std::vector<LedgerEntry> all = ReadAll();
  ASSERT_EQ(all.size(), 10u);
  for (int i = 0; i < 10; i++) {
    EXPECT_EQ(all[i].seq, static_cast<uint64_t>(i + 1));
    EXPECT_EQ(all[i].time_us, kStartTime + (i + 1) * 1000000);
    EXPECT_EQ(all[i].record, Rec(i + 1));
    EXPECT_EQ(all[i].hash, HashOf(i + 1));
    EXPECT_EQ(all[i].prev_hash, i == 0 ? Id{} : all[i - 1].hash);
  }
  EXPECT_EQ(*ledger_->Head(), (LedgerHead{10, all[9].hash}));
  const std::vector<LedgerEntry> tail = ReadAll(8);
  ASSERT_EQ(tail.size(), 3u);
  EXPECT_EQ(tail[0].seq, 8u);
  EXPECT_TRUE(ReadAll(11).empty());
  const VerifyReport report = MustVerify();
  EXPECT_TRUE(report.ok);
  EXPECT_EQ(report.entries_checked, 10u);
  EXPECT_TRUE(report.problems.empty());
  EXPECT_EQ(report.head, (LedgerHead{10, all[9].hash}));
}

TEST_F(LedgerTest, EmptyActorIsCurrentUserAtHost) {
  setenv("TIDEMARK_ACTOR", "tester", 1);
  LedgerRecord r = Rec(1);
  r.actor.clear();
  auto e = ledger_->Append(r);
  unsetenv("TIDEMARK_ACTOR");
  ASSERT_TRUE(e.ok());
  EXPECT_EQ(e->record.actor, "tester@" + CurrentHost());
  EXPECT_EQ(ReadAll()[0].record.actor, "tester@" + CurrentHost());
}

TEST_F(LedgerTest, SecretsAreRedacted) {
  LedgerRecord r = Rec(1);
  r.args = {{"password", "hunter2"},
            {"S3-Secret-Key", "abc"},
            {"key_id", "3fa1"},
            {"repo", "s3://ak:sk@host/bucket"},
            {"passphrase", "open sesame"}};
  r.targets = {"https://u:pw@host/x"};
  ASSERT_TRUE(ledger_->Append(r).ok());
  const LedgerRecord stored = ReadAll()[0].record;
  EXPECT_EQ(stored.args, (std::vector<std::pair<std::string, std::string>>{
                             {"password", "<redacted>"},
                             {"S3-Secret-Key", "<redacted>"},
                             {"key_id", "3fa1"},
                             {"repo", "s3://ak:<redacted>@host/bucket"},
                             {"passphrase", "<redacted>"}}));
  EXPECT_EQ(stored.targets, std::vector<std::string>{"https://u:<redacted>@host/x"});
}

// Every single-byte change of entry 3 is reported, as the first problem,
// against entry 3; Verify never crashes and never says ok.
TEST_F(LedgerTest, EveryFlippedByteOfAnEntryIsDetected) {
  AppendN(10);
  const std::string orig = File(3);
  for (size_t i = 0; i < orig.size(); i++) {
    std::string bad = orig;
    bad[i] ^= 0x01;
    PutFile(3, bad);
    const VerifyReport report = MustVerify();
    ASSERT_FALSE(report.ok) << "flip at " << i;
    ASSERT_FALSE(report.problems.empty());
    EXPECT_EQ(report.problems[0].seq, 3u) << i;
    EXPECT_EQ(report.problems[0].message.rfind("ledger entry 3", 0), 0u)
        << i << ": " << report.problems[0].message;
    EXPECT_TRUE(
        ledger_->ForEach(1, [](const LedgerEntry&) { return Status::OK(); }).IsCorruption());
  }
  PutFile(3, std::string(orig).replace(orig.size() - 1, 1, 1, orig.back() ^ 0x01));
  EXPECT_EQ(MustVerify().problems[0].message,
            "ledger entry 3: offset " + std::to_string(orig.size() - 64) +
                ": signature invalid (entry edited or not signed by this repository) (field "
                "signature)");
  PutFile(3, orig);
  EXPECT_TRUE(MustVerify().ok);
}

TEST_F(LedgerTest, DeletedEntryIsNamed) {
  AppendN(10);
  RemoveFile(4);
  VerifyReport report = MustVerify();
  EXPECT_FALSE(report.ok);
  ASSERT_EQ(report.problems.size(), 1u);
  EXPECT_EQ(report.problems[0].seq, 4u);
  EXPECT_EQ(report.problems[0].message, "ledger entry 4 is missing (entries 3 and 5 exist)");
  EXPECT_EQ(ledger_->ForEach(1, [](const LedgerEntry&) { return Status::OK(); }).ToString(),
            "Corruption: ledger entry 4 is missing (entries 3 and 5 exist)");
  RemoveFile(5);
  RemoveFile(6);
  RemoveFile(1);
  report = MustVerify();
  ASSERT_EQ(report.problems.size(), 2u);
  EXPECT_EQ(report.problems[0].message, "ledger entry 1 is missing (entry 2 exists)");
  EXPECT_EQ(report.problems[1].message,
            "ledger entries 4 to 6 are missing (entries 3 and 7 exist)");
}

TEST_F(LedgerTest, SwappedEntriesAreDetected) {
  AppendN(10);
  const std::string four = File(4), five = File(5);
  PutFile(4, five);
  PutFile(5, four);
  const VerifyReport report = MustVerify();
  EXPECT_FALSE(report.ok);
  ASSERT_EQ(report.problems.size(), 2u);
  EXPECT_EQ(report.problems[0].seq, 4u);
  EXPECT_EQ(report.problems[0].message,
            "ledger entry 4: offset 8: entry claims seq 5 (entry moved, inserted or reordered) "
            "(field seq)");
  EXPECT_EQ(report.problems[1].message,
            "ledger entry 5: offset 8: entry claims seq 4 (entry moved, inserted or reordered) "
            "(field seq)");
}

TEST_F(LedgerTest, ForgedEntryIsDetected) {
  AppendN(10);
  const LedgerEntry tenth = ReadAll()[9];
  MasterKeys forger = repo_->keys();  // even with the data key, no signing key
  forger.sign = *SignKeyPairFromSeed(RandomBytes(32));
  const std::string forged = Reencode(10, forger, HashOf(10));
  PutFile(11, forged);  // appended at the end
  VerifyReport report = MustVerify();
  ASSERT_EQ(report.problems.size(), 1u);
  EXPECT_EQ(report.problems[0].seq, 11u);
  EXPECT_EQ(report.problems[0].message,
            "ledger entry 11: offset 8: entry claims seq 10 (entry moved, inserted or "
            "reordered) (field seq)");
  // With the right seq: the signature is what fails.
  LedgerEntry e = tenth;
  e.seq = 11;
  e.prev_hash = HashOf(10);
  const std::string forged11 = *EncodeLedgerEntry(e, forger);
  PutFile(11, forged11);
  report = MustVerify();
  ASSERT_EQ(report.problems.size(), 1u);
  EXPECT_EQ(report.problems[0].message,
            "ledger entry 11: offset " + std::to_string(forged11.size() - 64) +
                ": signature invalid (entry edited or not signed by this repository) (field "
                "signature)");
  // Replacing an entry in the middle.
  RemoveFile(11);
  PutFile(5, Reencode(5, forger, HashOf(4)));
  report = MustVerify();
  ASSERT_FALSE(report.problems.empty());
  EXPECT_EQ(report.problems[0].seq, 5u);
  EXPECT_NE(report.problems[0].message.find("signature invalid"), std::string::npos);
}

TEST_F(LedgerTest, RightKeyWrongPrevHashIsDetected) {
  AppendN(10);
  PutFile(5, Reencode(5, repo_->keys(), HashOf(3)));
  const VerifyReport report = MustVerify();
  EXPECT_FALSE(report.ok);
  ASSERT_EQ(report.problems.size(), 2u);
  EXPECT_EQ(report.problems[0].seq, 5u);
  EXPECT_EQ(report.problems[0].message,
            "ledger entry 5: does not link to entry 4 (prev_hash mismatch)");
  // Entry 6 named the old entry 5.
  EXPECT_EQ(report.problems[1].message,
            "ledger entry 6: does not link to entry 5 (prev_hash mismatch)");
  EXPECT_EQ(ledger_->ForEach(1, [](const LedgerEntry&) { return Status::OK(); }).ToString(),
            "Corruption: ledger entry 5: does not link to entry 4 (prev_hash mismatch)");
}

TEST_F(LedgerTest, TruncatedTailIsDetectedThroughHeadCache) {
  AppendN(10);
  const LedgerHead ten{10, HashOf(10)};
  RemoveFile(10);
  RemoveFile(9);
  const VerifyReport report = MustVerify();
  EXPECT_FALSE(report.ok);
  EXPECT_EQ(report.entries_checked, 8u);
  ASSERT_EQ(report.problems.size(), 1u);
  EXPECT_EQ(report.problems[0].seq, 10u);
  EXPECT_EQ(report.problems[0].message,
            "ledger ends at entry 8 but entry 10 was seen on this machine (head cache " +
                cache_dir_.path() + "/" + repo_->id_hex() +
                "/ledger-head): the newest entries were removed");
  // Appending would hide the truncation: refused, and said so up front.
  EXPECT_TRUE(ledger_->CheckAppendable().IsRefused());
  auto append = ledger_->Append(Rec(11));
  EXPECT_TRUE(append.status().IsRefused());
  EXPECT_NE(append.status().message().find("ledger ends at entry 8 but entry 10 was seen"),
            std::string::npos);
  EXPECT_EQ(*HeadCache(cache_dir_.path(), repo_->id_hex()).Load(), ten);  // unchanged
}

TEST_F(LedgerTest, CheckAppendableOnSoundLedger) {
  EXPECT_TRUE(ledger_->CheckAppendable().ok());  // empty
  AppendN(3);
  EXPECT_TRUE(ledger_->CheckAppendable().ok());
}

TEST_F(LedgerTest, TruncatedTailIsDetectedThroughExpectedHead) {
  AppendN(10);
  const LedgerHead ten = *ledger_->Head();
  RemoveFile(10);
  RemoveFile(9);
  ScopedTempDir other_cache;
  Ledger fresh(repo_.get(), LedgerOptions{other_cache.path()});
  auto report = fresh.Verify(std::nullopt);  // a shorter chain is valid on its own
  ASSERT_TRUE(report.ok());
  EXPECT_TRUE(report->ok);
  report = fresh.Verify(ten);
  ASSERT_TRUE(report.ok());
  EXPECT_FALSE(report->ok);
  ASSERT_EQ(report->problems.size(), 1u);
  EXPECT_EQ(report->problems[0].message,
            "ledger ends at entry 8 but entry 10 was expected (--expect-head " + FormatHead(ten) +
                "): the newest entries were removed");
}

// A key holder who rewrites the tail produces a valid chain; the head seen
// on this machine catches it.
TEST_F(LedgerTest, RewrittenTailIsDetectedThroughHeadCache) {
  AppendN(10);
  const Id old_ten = HashOf(10);
  RemoveFile(10);
  RemoveFile(9);
  ScopedTempDir other_cache;
  Ledger rewriter(repo_.get(), LedgerOptions{other_cache.path()});
  ASSERT_TRUE(rewriter.Append(Rec(90)).ok());
  ASSERT_TRUE(rewriter.Append(Rec(100)).ok());
  const VerifyReport report = MustVerify();
  ASSERT_EQ(report.problems.size(), 1u);
  EXPECT_EQ(report.problems[0].message,
            "ledger entry 10 has hash " + HashOf(10).Short() + "… but hash " + old_ten.Short() +
                "… was seen on this machine (head cache " + ledger_->head_cache_path() +
                "): the ledger was rewritten");
  EXPECT_TRUE(ledger_->Append(Rec(11)).status().IsRefused());
}

TEST_F(LedgerTest, VerifyAdvancesTheHeadCache) {
  AppendN(3);
  ScopedTempDir other_cache;
  Ledger other(repo_.get(), LedgerOptions{other_cache.path()});
  HeadCache cache(other_cache.path(), repo_->id_hex());
  EXPECT_FALSE(cache.Load().has_value());
  ASSERT_TRUE(other.Verify(std::nullopt).ok());
  EXPECT_EQ(*cache.Load(), (LedgerHead{3, HashOf(3)}));
}

TEST_F(LedgerTest, CorruptHeadRefusesAppend) {
  AppendN(3);
  std::string bad = File(3);
  bad[bad.size() - 1] ^= 0x01;
  PutFile(3, bad);
  auto e = ledger_->Append(Rec(4));
  EXPECT_TRUE(e.status().IsCorruption()) << e.status().ToString();
  EXPECT_FALSE(backend_.Stat(H(4)).ok());
}

TEST_F(LedgerTest, LedgerOfAnotherRepositoryFailsToVerify) {
  MemBackend other_backend;
  auto other = MakeRepo(&other_backend, &clock_);
  ASSERT_TRUE(other.ok());
  Ledger other_ledger(other->get());
  for (int i = 1; i <= 3; i++) ASSERT_TRUE(other_ledger.Append(Rec(i)).ok());
  for (uint64_t seq = 1; seq <= 3; seq++) PutFile(seq, *other_backend.Get(H(seq)));
  const VerifyReport report = MustVerify();
  EXPECT_FALSE(report.ok);
  ASSERT_EQ(report.problems.size(), 3u);
  EXPECT_EQ(report.problems[0].seq, 1u);
  EXPECT_NE(report.problems[0].message.find(
                "ledger entry 1: offset " + std::to_string(File(1).size() - 64) +
                ": signature invalid (entry edited or not signed by this repository)"),
            std::string::npos);
}

// Fails each backend call of an append in turn: the append reports the
// failure, and the ledger is left with a sound chain of 0 or 1 more entries.
TEST_F(LedgerTest, AppendSurvivesEveryBackendFault) {
  MemBackend inner;
  FaultyBackend faulty(&inner);
  auto repo = MakeRepo(&faulty, &clock_);
  ASSERT_TRUE(repo.ok());
  Ledger ledger(repo->get(), LedgerOptions{cache_dir_.path(), 3});
  ASSERT_TRUE(ledger.Append(Rec(1)).ok());
  uint64_t expected = 1;
  for (uint64_t n = 1;; n++) {
    faulty.Reset();
    faulty.FailNthCall(n);
    auto e = ledger.Append(Rec(static_cast<int>(n)));
    const bool fired = faulty.fault_fired();
    faulty.Reset();
    if (!fired) {
      ASSERT_TRUE(e.ok()) << e.status().ToString();
      expected++;
      break;
    }
    EXPECT_FALSE(e.ok()) << "fault at call " << n;
    auto report = ledger.Verify(std::nullopt);
    ASSERT_TRUE(report.ok());
    EXPECT_TRUE(report->ok) << n;
    EXPECT_EQ(report->head.seq, expected);
  }
  // A lost acknowledgement: the entry is written but Append reports failure.
  faulty.FailPutAfterWrite(true);
  EXPECT_FALSE(ledger.Append(Rec(7)).ok());
  faulty.Reset();
  auto report = ledger.Verify(std::nullopt);
  ASSERT_TRUE(report.ok());
  EXPECT_TRUE(report->ok);
  EXPECT_EQ(report->head.seq, expected + 1);
}

// Concurrent writers, each with its own Ledger, never fork the chain.
void AppendConcurrently(const Repository* repo, int threads, int per_thread) {
  std::vector<std::thread> workers;
  std::atomic<int> failures{0};
  for (int t = 0; t < threads; t++) {
    workers.emplace_back([&, t] {
      Ledger ledger(repo);
      for (int i = 0; i < per_thread; i++) {
        LedgerRecord r = Rec(i);
        r.args = {{"writer", std::to_string(t) + "/" + std::to_string(i)}};
        auto e = ledger.Append(r);
        if (!e.ok()) {
          ADD_FAILURE() << e.status().ToString();
          failures++;
        }
      }
    });
  }
  for (std::thread& w : workers) w.join();
  ASSERT_EQ(failures.load(), 0);
  Ledger ledger(repo);
  std::set<std::string> writers;
  uint64_t next = 1;
  ASSERT_TRUE(ledger
                  .ForEach(1,
                           [&](const LedgerEntry& e) {
                             EXPECT_EQ(e.seq, next++);
                             writers.insert(e.record.args.at(0).second);
                             return Status::OK();
                           })
                  .ok());
  EXPECT_EQ(next - 1, static_cast<uint64_t>(threads * per_thread));
  EXPECT_EQ(writers.size(), static_cast<size_t>(threads * per_thread));
  auto report = ledger.Verify(std::nullopt);
  ASSERT_TRUE(report.ok());
  EXPECT_TRUE(report->ok);
  EXPECT_EQ(report->entries_checked, static_cast<uint64_t>(threads * per_thread));
}

TEST_F(LedgerTest, ConcurrentAppendsOnMemBackend) { AppendConcurrently(repo_.get(), 8, 20); }

TEST_F(LedgerTest, ConcurrentAppendsOnLocalBackend) {
  ScopedTempDir dir;
  ASSERT_TRUE(LocalBackend::Create(dir.path() + "/repo").ok());
  auto backend = LocalBackend::Open(dir.path() + "/repo");
  ASSERT_TRUE(backend.ok());
  auto repo = MakeRepo(backend->get(), Clock::Real());
  ASSERT_TRUE(repo.ok()) << repo.status().ToString();
  AppendConcurrently(repo->get(), 4, 10);
}

// Over S3 on the test server, which ignores If-None-Match: exclusive creates
// go through the claim protocol (docs/guide/s3.md), and the chain still never
// forks. And over the in-process fake, with conditional puts.
TEST_F(LedgerTest, ConcurrentAppendsOnS3Claims) {
  std::unique_ptr<Backend> backend = S3rverBackendFactory().make();
  ASSERT_NE(backend, nullptr);
  auto repo = MakeRepo(backend.get(), Clock::Real());
  ASSERT_TRUE(repo.ok()) << repo.status().ToString();
  AppendConcurrently(repo->get(), 4, 8);
}

TEST_F(LedgerTest, ConcurrentAppendsOnS3ConditionalPut) {
  std::unique_ptr<Backend> backend = S3FakeConditionalBackendFactory().make();
  ASSERT_NE(backend, nullptr);
  auto repo = MakeRepo(backend.get(), Clock::Real());
  ASSERT_TRUE(repo.ok()) << repo.status().ToString();
  AppendConcurrently(repo->get(), 8, 10);
}

}  // namespace
}  // namespace tidemark
