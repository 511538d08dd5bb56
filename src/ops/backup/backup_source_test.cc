// The backup use case: the ledger entries of a backup and of its anomalies,
// a failure recorded, a held lock refused with nothing recorded, and the
// anomaly alert posted through the real webhook transport (to a port on
// 127.0.0.1 where nothing listens: a failed post is recorded, never fatal).
#include "ops/backup/backup_source.h"

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include "ledger/ledger.h"
#include "ops/testing/sqlite_testlib.h"
#include "repo/lock.h"
#include "server/webhook.h"
#include "storage/mem_backend.h"
#include "storage/temp_dir_testlib.h"

namespace tidemark {
namespace {

class WebhookTransport : public AlertTransport {
 public:
  AlertDelivery Post(const std::string& url, const std::string& json, int retries,
                     uint64_t timeout_us) override {
    WebhookResult r = PostWebhook(url, json, retries, timeout_us, [](uint64_t) {});
    posts++;
    return {r.delivered, r.attempts, r.http_status, r.error, ""};
  }
  int posts = 0;
};

int ClosedPort() {
  const int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof a;
  EXPECT_EQ(bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a), 0);
  EXPECT_EQ(getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len), 0);
  close(fd);
  return ntohs(a.sin_port);
}

class BackupSourceTest : public ::testing::Test {
 protected:
  void SetUp() override {
    setenv("TIDEMARK_CACHE_DIR", (dir_.path() + "/cache").c_str(), 1);
    repo_ = TestRepo::Create(&mem_);
    ASSERT_NE(repo_, nullptr);
    db_ = dir_.path() + "/crm.db";
    TestDb db(db_);
    db.Exec("CREATE TABLE customers(id INTEGER PRIMARY KEY, name TEXT);");
    for (int i = 0; i < 100; i++) {
      db.Exec("INSERT INTO customers(name) VALUES ('c" + std::to_string(i) + "');");
    }
  }
  // Options for the next backup (a minute later, so snapshots order by time).
  BackupOptions Options() {
    repo_->clock()->Advance(60'000'000);
    BackupOptions o;
    o.source = SqliteSourceRef(db_);
    o.name = "crm";
    o.host = "testhost";
    o.anomalies = &rules_;
    return o;
  }
  // Every entry as "action/outcome", in order, and the last one's targets.
  std::vector<std::string> Entries(std::vector<std::string>* last_targets = nullptr) const {
    std::vector<std::string> out;
    EXPECT_TRUE(Ledger(repo_->repo())
                    .ForEach(1,
                             [&](const LedgerEntry& e) {
                               out.push_back(e.record.action + "/" + e.record.outcome);
                               if (last_targets) *last_targets = e.record.targets;
                               return Status::OK();
                             })
                    .ok());
    return out;
  }

  ScopedTempDir dir_;
  MemBackend mem_;
  std::unique_ptr<TestRepo> repo_;
  std::string db_;
  const AnomalyRules rules_;
};

TEST_F(BackupSourceTest, RecordsTheBackupThenItsAnomaliesThenPostsThem) {
  const ActionLog log(repo_->repo(), "test backup");
  WebhookTransport transport;
  const BackupAlerts alerts{
      {"http://127.0.0.1:" + std::to_string(ClosedPort()) + "/hook", 0, 1'000'000}, &transport};
  auto first = BackupSource(repo_->repo(), log, Options(), alerts);
  ASSERT_TRUE(first.ok()) << first.status().ToString();
  EXPECT_FALSE(first->alert);  // no anomalies: nothing posted
  EXPECT_EQ(transport.posts, 0);
  EXPECT_EQ(Entries(), std::vector<std::string>{"backup/ok"});

  TestDb(db_).Exec("DELETE FROM customers WHERE id > 10;");
  std::vector<std::string> seen_at_saved;
  auto second = BackupSource(repo_->repo(), log, Options(), alerts, [&](const BackupResult& r) {
    EXPECT_FALSE(r.manifest.anomalies.empty());
    seen_at_saved = Entries();
    EXPECT_EQ(transport.posts, 0);  // saved comes before the post
  });
  ASSERT_TRUE(second.ok()) << second.status().ToString();
  const BackupResult& r = second->result;
  ASSERT_FALSE(r.manifest.anomalies.empty());
  EXPECT_EQ(seen_at_saved, (std::vector<std::string>{"backup/ok", "backup/ok", "anomaly/open"}));
  ASSERT_TRUE(second->alert);
  EXPECT_FALSE(second->alert->delivered);
  EXPECT_EQ(second->alert->attempts, 1);
  EXPECT_EQ(transport.posts, 1);
  std::vector<std::string> targets;
  EXPECT_EQ(Entries(&targets), (std::vector<std::string>{"backup/ok", "backup/ok", "anomaly/open",
                                                         "alert/not-delivered"}));
  EXPECT_EQ(targets, std::vector<std::string>{"snapshot " + r.snapshot.Hex()});
}

TEST_F(BackupSourceTest, AnomalyEntryNamesSnapshotSourceAndAlerts) {
  const ActionLog log(repo_->repo(), "test backup");
  ASSERT_TRUE(BackupSource(repo_->repo(), log, Options(), {}).ok());
  TestDb(db_).Exec("DELETE FROM customers WHERE id > 10;");
  auto r = BackupSource(repo_->repo(), log, Options(), {});
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_FALSE(r->alert);  // no webhook
  std::vector<std::string> targets;
  EXPECT_EQ(Entries(&targets).back(), "anomaly/open");
  ASSERT_GE(targets.size(), 3u);
  EXPECT_EQ(targets[0], "snapshot " + r->result.snapshot.Hex());
  EXPECT_EQ(targets[1], "source crm");
  EXPECT_EQ(targets[2], "alert " + AlertId(r->result.snapshot, 0));
}

TEST_F(BackupSourceTest, AFailedBackupIsRecorded) {
  BackupOptions o = Options();
  o.source = SqliteSourceRef(dir_.path() + "/missing.db");
  auto r = BackupSource(repo_->repo(), ActionLog(repo_->repo(), "test"), o, {});
  ASSERT_FALSE(r.ok());
  std::vector<std::string> targets;
  EXPECT_EQ(Entries(&targets), std::vector<std::string>{"backup/failed"});
  EXPECT_EQ(targets, std::vector<std::string>{"source crm"});
}

TEST_F(BackupSourceTest, AHeldExclusiveLockRefusesAndRecordsNothing) {
  auto held = RepoLock::Acquire(repo_->repo(), true, "prune");
  ASSERT_TRUE(held.ok()) << held.status().ToString();
  auto r = BackupSource(repo_->repo(), ActionLog(repo_->repo(), "test"), Options(), {});
  ASSERT_FALSE(r.ok());
  EXPECT_TRUE(r.status().IsRefused()) << r.status().ToString();
  EXPECT_TRUE(Entries().empty());
  EXPECT_TRUE(repo_->Snapshots().empty());
}

TEST(BackupDueTest, NeverBackedUpOrOlderThanItsRpo) {
  SnapshotInfo last;
  last.manifest.time_us = 1'000'000'000;
  EXPECT_TRUE(BackupDue(nullptr, std::nullopt, 0));
  EXPECT_FALSE(BackupDue(&last, std::nullopt, 9'000'000'000));
  EXPECT_FALSE(BackupDue(&last, 60'000'000, 1'059'999'999));
  EXPECT_TRUE(BackupDue(&last, 60'000'000, 1'060'000'000));
}

}  // namespace
}  // namespace tidemark
