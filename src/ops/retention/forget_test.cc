// Retention policy tables checked against hand-computed expectations
// (restic's documented semantics), and Forget against a repository: holds,
// filters, dry runs and append-only refusals.
#include "ops/retention/forget.h"

#include <gtest/gtest.h>
#include <stdlib.h>
#include <time.h>

#include <map>

#include "ops/testing/sqlite_testlib.h"
#include "snapshot/holds.h"
#include "snapshot/manifest.h"
#include "storage/mem_backend.h"
#include "storage/temp_dir_testlib.h"

namespace tidemark {
namespace {

// Microseconds of a UTC time "YYYY-MM-DD HH:MM".
int64_t Utc(const char* text) {
  struct tm t = {};
  EXPECT_NE(strptime(text, "%Y-%m-%d %H:%M", &t), nullptr) << text;
  return static_cast<int64_t>(timegm(&t)) * 1000000;
}

Id IdOf(int n) {
  std::string b(32, '\0');
  b[31] = static_cast<char>(n);
  return Id::FromBytes(b);
}

PolicyItem Item(int n, const char* time, std::string source = "app",
                std::vector<std::string> tags = {}, bool held = false) {
  return PolicyItem{IdOf(n), Utc(time), std::move(source), std::move(tags), held};
}

// "n:reason,reason" for each kept snapshot, newest first, of all groups.
std::vector<std::string> Kept(const std::vector<PolicyGroup>& groups) {
  std::vector<std::string> out;
  for (const PolicyGroup& g : groups) {
    for (const PolicyDecision& d : g.decisions) {
      if (!d.keep) continue;
      std::string s = std::to_string(static_cast<int>(d.item.id.View()[31])) + ":";
      for (size_t i = 0; i < d.reasons.size(); i++) s += (i ? "," : "") + d.reasons[i];
      out.push_back(s);
    }
  }
  return out;
}

RetentionPolicy Utc(RetentionPolicy p) {
  p.utc = true;
  return p;
}

std::vector<PolicyItem> FiveOverThreeDays() {
  return {Item(1, "2026-03-01 10:00"), Item(2, "2026-03-01 12:00"), Item(3, "2026-03-02 09:00"),
          Item(4, "2026-03-02 18:00"), Item(5, "2026-03-03 08:00")};
}

TEST(RetentionTest, KeepLast) {
  RetentionPolicy p;
  p.last = 3;
  EXPECT_EQ(Kept(ApplyRetention(FiveOverThreeDays(), Utc(p), GroupBy::kSource)),
            (std::vector<std::string>{"5:last", "4:last", "3:last"}));
}

TEST(RetentionTest, KeepDailyTakesTheNewestOfEachDay) {
  RetentionPolicy p;
  p.daily = 2;
  EXPECT_EQ(Kept(ApplyRetention(FiveOverThreeDays(), Utc(p), GroupBy::kSource)),
            (std::vector<std::string>{"5:daily", "4:daily"}));
}

TEST(RetentionTest, RuleWithRoomLeftAlsoKeepsTheOldest) {
  // Three days for five daily slots: the newest of each day, and (restic
  // >= 0.16) the oldest snapshot as well, since the rule still has room.
  RetentionPolicy p;
  p.daily = 5;
  EXPECT_EQ(Kept(ApplyRetention(FiveOverThreeDays(), Utc(p), GroupBy::kSource)),
            (std::vector<std::string>{"5:daily", "4:daily", "2:daily", "1:oldest daily"}));
}

TEST(RetentionTest, SeveralRulesCountIndependently) {
  RetentionPolicy p;
  p.last = 1;
  p.daily = 2;
  p.hourly = 3;
  EXPECT_EQ(Kept(ApplyRetention(FiveOverThreeDays(), Utc(p), GroupBy::kSource)),
            (std::vector<std::string>{"5:last,hourly,daily", "4:hourly,daily", "3:hourly"}));
}

TEST(RetentionTest, EqualTimestampsAreOrderedById) {
  std::vector<PolicyItem> items = {Item(7, "2026-03-01 10:00"), Item(9, "2026-03-01 10:00"),
                                   Item(8, "2026-03-01 10:00")};
  RetentionPolicy p;
  p.last = 1;
  EXPECT_EQ(Kept(ApplyRetention(items, Utc(p), GroupBy::kSource)),
            (std::vector<std::string>{"9:last"}));
  // A daily rule sees one day: the first in order, then the oldest (7).
  RetentionPolicy d;
  d.daily = 2;
  EXPECT_EQ(Kept(ApplyRetention(items, Utc(d), GroupBy::kSource)),
            (std::vector<std::string>{"9:daily", "7:oldest daily"}));
}

TEST(RetentionTest, WeeksAreIsoWeeksAcrossTheYearEnd) {
  // 2026-12-28 (Mon) and 2027-01-03 (Sun) are both ISO week 53 of 2026;
  // 2027-01-04 (Mon) starts week 1 of 2027.
  std::vector<PolicyItem> items = {Item(1, "2026-12-28 09:00"), Item(2, "2027-01-03 09:00"),
                                   Item(3, "2027-01-04 09:00")};
  RetentionPolicy p;
  p.weekly = 2;
  EXPECT_EQ(Kept(ApplyRetention(items, Utc(p), GroupBy::kSource)),
            (std::vector<std::string>{"3:weekly", "2:weekly"}));
}

TEST(RetentionTest, MonthlyAndYearly) {
  std::vector<PolicyItem> items = {Item(1, "2024-06-01 00:00"), Item(2, "2025-01-15 00:00"),
                                   Item(3, "2025-12-31 23:59"), Item(4, "2026-01-01 00:00"),
                                   Item(5, "2026-01-20 00:00")};
  RetentionPolicy p;
  p.monthly = 2;
  p.yearly = 2;
  EXPECT_EQ(Kept(ApplyRetention(items, Utc(p), GroupBy::kSource)),
            (std::vector<std::string>{"5:monthly,yearly", "3:monthly,yearly"}));
  RetentionPolicy all;
  all.yearly = kKeepUnlimited;
  EXPECT_EQ(Kept(ApplyRetention(items, Utc(all), GroupBy::kSource)),
            (std::vector<std::string>{"5:yearly", "3:yearly", "1:yearly"}));
}

TEST(RetentionTest, WithinIsRelativeToTheNewestSnapshotWithCalendarMonths) {
  // 31 March minus one month is "31 February", i.e. 3 March (as restic's
  // AddDate); the boundary itself is not within (strictly newer only).
  std::vector<PolicyItem> items = {Item(1, "2026-03-03 11:59"), Item(2, "2026-03-03 12:00"),
                                   Item(3, "2026-03-03 12:01"), Item(4, "2026-03-31 12:00")};
  RetentionPolicy p;
  p.within = *ParseKeepWithin("1m");
  EXPECT_EQ(Kept(ApplyRetention(items, Utc(p), GroupBy::kSource)),
            (std::vector<std::string>{"4:within 1m", "3:within 1m"}));
  RetentionPolicy h;
  h.within = *ParseKeepWithin("27d23h");  // 31 Mar 12:00 - 27d23h = 3 Mar 13:00
  EXPECT_EQ(Kept(ApplyRetention(items, Utc(h), GroupBy::kSource)),
            (std::vector<std::string>{"4:within 27d23h"}));
}

TEST(RetentionTest, HoldsAndTagsKeepWithoutUsingRuleCounts) {
  std::vector<PolicyItem> items = {Item(1, "2026-03-01 10:00", "app", {}, /*held=*/true),
                                   Item(2, "2026-03-02 10:00", "app", {"monthly-close"}),
                                   Item(3, "2026-03-03 10:00"), Item(4, "2026-03-04 10:00")};
  RetentionPolicy p;
  p.last = 1;
  p.keep_tags = {"monthly-close"};
  EXPECT_EQ(Kept(ApplyRetention(items, Utc(p), GroupBy::kSource)),
            (std::vector<std::string>{"4:last", "2:tag monthly-close", "1:hold"}));
}

TEST(RetentionTest, GroupsBySourceByDefault) {
  std::vector<PolicyItem> items = {
      Item(1, "2026-03-01 10:00", "crm"), Item(2, "2026-03-01 11:00", "hr"),
      Item(3, "2026-03-01 12:00", "crm"), Item(4, "2026-03-01 09:00", "hr", {"x"})};
  RetentionPolicy p;
  p.last = 1;
  EXPECT_EQ(Kept(ApplyRetention(items, Utc(p), GroupBy::kSource)),
            (std::vector<std::string>{"3:last", "2:last"}));
  EXPECT_EQ(Kept(ApplyRetention(items, Utc(p), GroupBy::kNone)),
            (std::vector<std::string>{"3:last"}));
  EXPECT_EQ(Kept(ApplyRetention(items, Utc(p), GroupBy::kSourceAndTags)),
            (std::vector<std::string>{"3:last", "2:last", "4:last"}));
}

// Buckets follow the local time zone unless --utc: in New York, 03:00Z and
// 04:00Z on 10 January are still 9 January.
TEST(RetentionTest, LocalTimeZoneVersusUtc) {
  const char* old = getenv("TZ");
  const std::string saved = old ? old : "";
  setenv("TZ", "America/New_York", 1);
  tzset();
  std::vector<PolicyItem> items = {Item(1, "2026-01-10 03:00"), Item(2, "2026-01-10 04:00"),
                                   Item(3, "2026-01-10 06:00")};
  RetentionPolicy p;
  p.daily = 2;
  EXPECT_EQ(Kept(ApplyRetention(items, p, GroupBy::kSource)),
            (std::vector<std::string>{"3:daily", "2:daily"}));
  EXPECT_EQ(Kept(ApplyRetention(items, Utc(p), GroupBy::kSource)),
            (std::vector<std::string>{"3:daily", "1:oldest daily"}));
  if (old) {
    setenv("TZ", saved.c_str(), 1);
  } else {
    unsetenv("TZ");
  }
  tzset();
}

TEST(RetentionTest, ParseKeepWithin) {
  auto w = ParseKeepWithin("1y2m3d4h");
  ASSERT_TRUE(w.ok());
  EXPECT_EQ(w->years, 1);
  EXPECT_EQ(w->months, 2);
  EXPECT_EQ(w->days, 3);
  EXPECT_EQ(w->hours, 4);
  EXPECT_EQ(w->ToString(), "1y2m3d4h");
  for (const char* bad : {"", "7", "d", "3w", "1d1d", "-1d", "99999999d"}) {
    EXPECT_TRUE(ParseKeepWithin(bad).status().code() == Status::Code::kInvalidArgument) << bad;
  }
}

// Forget against a real repository: snapshot files go, holds stay.
class ForgetRepoTest : public ::testing::Test {
 protected:
  void SetUp() override {
    setenv("TIDEMARK_CACHE_DIR", (dir_.path() + "/cache").c_str(), 1);
    db_ = dir_.path() + "/app.db";
    TestDb db(db_);
    db.Exec("CREATE TABLE t(id INTEGER PRIMARY KEY, v TEXT); INSERT INTO t VALUES (1, 'a');");
  }
  std::vector<Id> BackupTimes(TestRepo* repo, int n) {
    std::vector<Id> ids;
    for (int i = 0; i < n; i++) {
      TestDb(db_).Exec("INSERT INTO t(v) VALUES ('x" + std::to_string(i) + "')");
      auto b = repo->Backup(db_, i % 2 ? "b" : "a");
      EXPECT_TRUE(b.ok()) << b.status().ToString();
      if (b.ok()) ids.push_back(b->snapshot);
    }
    return ids;
  }
  ScopedTempDir dir_;
  std::string db_;
};

TEST_F(ForgetRepoTest, RemovesSnapshotFilesButNeverHeldOnes) {
  MemBackend mem;
  auto repo = TestRepo::Create(&mem);
  ASSERT_NE(repo, nullptr);
  const std::vector<Id> ids = BackupTimes(repo.get(), 6);  // a: 0,2,4  b: 1,3,5
  ASSERT_EQ(ids.size(), 6u);
  Hold h;
  h.snapshot = ids[0];
  h.reason = "litigation 2026-17";
  h.actor = "alice";
  ASSERT_TRUE(AddHold(*repo->repo(), h).ok());
  ForgetOptions o;
  o.policy.last = 1;
  o.source = "a";
  o.dry_run = true;
  auto dry = Forget(*repo->repo(), o);
  ASSERT_TRUE(dry.ok()) << dry.status().ToString();
  EXPECT_EQ(dry->removed, std::vector<Id>{ids[2]});
  EXPECT_EQ(repo->Snapshots().size(), 6u);  // a dry run changes nothing
  o.dry_run = false;
  auto r = Forget(*repo->repo(), o);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->removed, std::vector<Id>{ids[2]});
  EXPECT_EQ(r->kept, 2u);
  std::vector<Id> left;
  for (const SnapshotInfo& s : repo->Snapshots()) left.push_back(s.id);
  EXPECT_EQ(left, (std::vector<Id>{ids[0], ids[1], ids[3], ids[4], ids[5]}));
  // Tag filter: nothing is tagged, so nothing is considered.
  o.source = "";
  o.tags = {"nightly"};
  auto none = Forget(*repo->repo(), o);
  ASSERT_TRUE(none.ok());
  EXPECT_TRUE(none->removed.empty());
  EXPECT_EQ(none->kept, 0u);
  // An empty policy is a usage error, never "remove everything".
  ForgetOptions empty;
  EXPECT_EQ(Forget(*repo->repo(), empty).status().code(), Status::Code::kInvalidArgument);
}

TEST_F(ForgetRepoTest, AppendOnlyRepositoryRefusesButAllowsDryRun) {
  MemBackend mem;
  InitOptions io;
  io.kdf = KdfParams{1, 8192};
  io.append_only = true;
  auto repo = Repository::Init(&mem, "pw", io);
  ASSERT_TRUE(repo.ok()) << repo.status().ToString();
  EXPECT_TRUE((*repo)->append_only());
  ForgetOptions o;
  o.policy.last = 1;
  EXPECT_TRUE(Forget(**repo, o).status().IsPermissionDenied());
  o.dry_run = true;
  EXPECT_TRUE(Forget(**repo, o).ok());
  // The guard refuses deletes and overwrites below every command, too.
  Backend* b = (*repo)->backend();
  EXPECT_TRUE(b->Put({FileKind::kSnapshot, "ab"}, "x").ok());
  EXPECT_TRUE(b->Put({FileKind::kSnapshot, "ab"}, "y", PutMode::kOverwrite).IsPermissionDenied());
  EXPECT_TRUE(b->Remove({FileKind::kSnapshot, "ab"}).IsPermissionDenied());
  EXPECT_EQ(*mem.Get({FileKind::kSnapshot, "ab"}), "x");
  EXPECT_TRUE(b->Put({FileKind::kLock, "l1"}, "x").ok());  // locks come and go
  EXPECT_TRUE(b->Remove({FileKind::kLock, "l1"}).ok());
  // Reopened, the flag is read back from the config.
  auto again = Repository::Open(&mem, "pw");
  ASSERT_TRUE(again.ok());
  EXPECT_TRUE((*again)->append_only());
  EXPECT_TRUE((*again)->RemoveKey("00").IsPermissionDenied());
}

TEST_F(ForgetRepoTest, AppendOnlyKeyCannotAddAFullKey) {
  MemBackend mem;
  auto repo = TestRepo::Create(&mem);
  ASSERT_NE(repo, nullptr);
  auto key = repo->repo()->AddKey("ao", KdfParams{1, 8192}, format::kKeyFlagAppendOnly);
  ASSERT_TRUE(key.ok());
  auto limited = Repository::Open(&mem, "ao");
  ASSERT_TRUE(limited.ok());
  EXPECT_TRUE((*limited)->append_only());
  EXPECT_FALSE(repo->repo()->append_only());  // the repository itself is not
  auto escalated = (*limited)->AddKey("full", KdfParams{1, 8192}, 0);
  ASSERT_TRUE(escalated.ok());
  EXPECT_EQ(escalated->flags, format::kKeyFlagAppendOnly);
  EXPECT_TRUE((*limited)->ChangePassword("new", KdfParams{1, 8192}).status().IsPermissionDenied());
  EXPECT_TRUE(RemoveHold(**limited, IdOf(1)).IsPermissionDenied());
}

// Each source's own policy, the computation `status` and `forget --all`
// share: a source without a policy or snapshots gives no group.
TEST(ApplySourcePoliciesTest, EachSourceItsOwnPolicy) {
  std::vector<SnapshotInfo> snaps;
  for (int i = 0; i < 6; ++i) {
    SnapshotInfo s;
    s.id = IdOf(i + 1);
    s.manifest.source = i % 2 ? "crm" : "books";
    s.manifest.time_us = int64_t{1000000} * (i + 1);
    snaps.push_back(s);
  }
  RetentionPolicy one, two;
  one.last = 1;
  two.last = 2;
  const std::set<Id> held{IdOf(1)};
  auto groups = ApplySourcePolicies(snaps, held, {{"crm", one}, {"books", two}, {"none", one}});
  ASSERT_EQ(groups.size(), 2u);
  EXPECT_EQ(groups[0].key, "crm");
  size_t crm_kept = 0, books_kept = 0;
  for (const PolicyDecision& d : groups[0].decisions) crm_kept += d.keep;
  for (const PolicyDecision& d : groups[1].decisions) books_kept += d.keep;
  EXPECT_EQ(crm_kept, 1u);
  EXPECT_EQ(books_kept, 3u);  // the newest two, and the held one
  EXPECT_TRUE(ApplySourcePolicies(snaps, held, {{"crm", RetentionPolicy{}}}).empty());
}

// Fault campaign: a release that did not check its limits wrote a signed
// manifest with a 70000-byte tag; every listing skips it, so only
// `forget ID` can remove it.
TEST_F(ForgetRepoTest, ForgetIdRemovesASignedButDamagedSnapshotOnly) {
  MemBackend mem;
  auto repo = TestRepo::Create(&mem);
  ASSERT_NE(repo, nullptr);
  const std::vector<Id> ids = BackupTimes(repo.get(), 1);
  ASSERT_EQ(ids.size(), 1u);
  const Repository& r = *repo->repo();
  Manifest bad;
  bad.source = "a";
  bad.tags = {std::string(70000, 't')};
  const std::string bytes = EncodeManifestUnchecked(bad);
  const Id id = SnapshotIdOf(r.keys(), bytes);
  ASSERT_TRUE(r.backend()
                  ->Put({FileKind::kSnapshot, id.Hex()}, SealSnapshot(r.keys(), id, bytes),
                        PutMode::kCreateExclusive)
                  .ok());
  ASSERT_TRUE(ReadSnapshot(r, id).status().IsCorruption());

  EXPECT_TRUE(ForgetDamagedSnapshot(r, ids[0].Hex()).status().IsRefused());  // reads fine
  auto gone = ForgetDamagedSnapshot(r, id.Hex().substr(0, 12));
  ASSERT_TRUE(gone.ok()) << gone.status().ToString();
  EXPECT_EQ(gone->id, id);
  EXPECT_NE(gone->problem.find("tag"), std::string::npos) << gone->problem;
  EXPECT_TRUE(ReadSnapshot(r, id).status().IsNotFound());
  EXPECT_TRUE(ReadSnapshot(r, ids[0]).ok());
  EXPECT_TRUE(ForgetDamagedSnapshot(r, id.Hex()).status().IsNotFound());
}

}  // namespace
}  // namespace tidemark
