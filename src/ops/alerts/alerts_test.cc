// Alerts: ids, which anomalies are open, acknowledgements in the ledger, and
// what is posted where, delivered through the real webhook transport
// (server/webhook.h) to a listener on 127.0.0.1.
#include "ops/alerts/alerts.h"

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <httplib.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstdlib>
#include <thread>

#include "base/json_parse.h"
#include "ledger/ledger.h"
#include "server/webhook.h"
#include "storage/local_backend.h"
#include "storage/temp_dir_testlib.h"

namespace tidemark {
namespace {

// PostWebhook behind the interface; the pauses between attempts are counted,
// not slept.
class RealTransport : public AlertTransport {
 public:
  AlertDelivery Post(const std::string& url, const std::string& json, int retries,
                     uint64_t timeout_us) override {
    WebhookResult r = PostWebhook(url, json, retries, timeout_us, [this](uint64_t) { pauses++; });
    posts++;
    return {r.delivered, r.attempts, r.http_status, r.error, ""};
  }
  int posts = 0, pauses = 0;
};

// A real HTTP server on 127.0.0.1 that answers 204 and keeps the last body.
// The socket listens from bind on, so a post queues until the loop runs.
class Listener {
 public:
  Listener() {
    server_.Post("/hook", [this](const httplib::Request& req, httplib::Response& res) {
      body_ = req.body;
      res.status = 204;
    });
    port_ = server_.bind_to_any_port("127.0.0.1");
    thread_ = std::thread([this] { server_.listen_after_bind(); });
  }
  ~Listener() {
    server_.stop();
    thread_.join();
  }
  std::string url() const { return "http://127.0.0.1:" + std::to_string(port_) + "/hook"; }
  std::string body_;

 private:
  httplib::Server server_;
  int port_ = 0;
  std::thread thread_;
};

// A port on 127.0.0.1 where nothing listens (bound once, then closed).
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

SnapshotInfo Snap(uint8_t first_byte, const std::string& source, size_t anomalies) {
  SnapshotInfo s;
  std::string bytes(32, '\0');
  bytes[0] = static_cast<char>(first_byte);
  s.id = Id::FromBytes(bytes);
  s.manifest.source = source;
  s.manifest.time_us = 1'700'000'000'000'000;
  s.manifest.host = "db1";
  for (size_t i = 0; i < anomalies; ++i) {
    s.manifest.anomalies.push_back({"deleted", "customers", "", 90 + i, 100, "90 of 100 deleted"});
  }
  return s;
}

class AlertsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    setenv("TIDEMARK_CACHE_DIR", (dir_.path() + "/cache").c_str(), 1);
    ASSERT_TRUE(LocalBackend::Create(dir_.path() + "/repo").ok());
    auto b = LocalBackend::Open(dir_.path() + "/repo");
    ASSERT_TRUE(b.ok());
    backend_ = std::move(*b);
    InitOptions opts;
    opts.kdf = KdfParams{1, 8192};
    auto r = Repository::Init(backend_.get(), "pw", opts);
    ASSERT_TRUE(r.ok()) << r.status().ToString();
    repo_ = std::move(*r);
  }
  // Every entry's "action/outcome", in order.
  std::vector<std::string> Entries() const {
    std::vector<std::string> out;
    EXPECT_TRUE(Ledger(repo_.get())
                    .ForEach(1,
                             [&](const LedgerEntry& e) {
                               out.push_back(e.record.action + "/" + e.record.outcome);
                               return Status::OK();
                             })
                    .ok());
    return out;
  }

  ScopedTempDir dir_;
  std::unique_ptr<Backend> backend_;
  std::unique_ptr<Repository> repo_;
};

TEST(AlertIdTest, ShortSnapshotIdAndOneBasedPlace) {
  const SnapshotInfo s = Snap(0xab, "crm", 1);
  EXPECT_EQ(AlertId(s.id, 0), s.id.Hex().substr(0, 12) + "/1");
  EXPECT_EQ(AlertId(s.id, 2), s.id.Hex().substr(0, 12) + "/3");
}

TEST(OpenAlertsTest, SkipsAcknowledgedAndOtherSources) {
  const std::vector<SnapshotInfo> all = {Snap(1, "crm", 2), Snap(2, "shop", 1)};
  const std::set<std::string> acked = {AlertId(all[0].id, 0)};
  std::vector<OpenAlert> open = OpenAlerts(all, acked);
  ASSERT_EQ(open.size(), 2u);
  EXPECT_EQ(open[0].id, AlertId(all[0].id, 1));
  EXPECT_EQ(open[0].anomaly, &all[0].manifest.anomalies[1]);
  EXPECT_EQ(open[1].snapshot, &all[1]);
  open = OpenAlerts(all, {}, "shop");
  ASSERT_EQ(open.size(), 1u);
  EXPECT_EQ(open[0].id, AlertId(all[1].id, 0));
}

TEST(AnomalyAlertBodyTest, OnlyWithAWebhookAndAnomalies) {
  const SnapshotInfo none = Snap(1, "crm", 0), some = Snap(2, "crm", 2);
  AlertPolicy policy;
  EXPECT_FALSE(AnomalyAlertBody(policy, some.id, some.manifest));
  policy.webhook = "http://127.0.0.1:1/hook";
  EXPECT_FALSE(AnomalyAlertBody(policy, none.id, none.manifest));
  auto body = AnomalyAlertBody(policy, some.id, some.manifest);
  ASSERT_TRUE(body);
  auto doc = ParseJson(*body);
  ASSERT_TRUE(doc.ok()) << doc.status().ToString();
  EXPECT_EQ(doc->Find("event")->string_value(), "anomalies");
  EXPECT_EQ(doc->Find("source")->string_value(), "crm");
  EXPECT_EQ(doc->Find("snapshot")->string_value(), some.id.Hex());
  EXPECT_EQ(doc->Find("host")->string_value(), "db1");
  ASSERT_EQ(doc->Find("anomalies")->array().size(), 2u);
  EXPECT_EQ(doc->Find("anomalies")->array()[1].Find("id")->string_value(), AlertId(some.id, 1));
}

TEST_F(AlertsTest, NoWebhookPostsNothing) {
  RealTransport t;
  EXPECT_FALSE(DeliverAlert({}, &t, ActionLog(repo_.get(), "test"), "{}", "snapshot x"));
  EXPECT_EQ(t.posts, 0);
  EXPECT_TRUE(Entries().empty());
}

TEST_F(AlertsTest, DeliveredPostLeavesNoEntry) {
  Listener l;
  RealTransport t;
  auto sent = DeliverAlert({l.url(), 2, 2'000'000}, &t, ActionLog(repo_.get(), "test"),
                           R"({"event":"anomalies"})", "snapshot x");
  ASSERT_TRUE(sent);
  EXPECT_TRUE(sent->delivered) << sent->error;
  EXPECT_EQ(sent->attempts, 1);
  EXPECT_EQ(sent->http_status, 204);
  EXPECT_EQ(sent->problem, "");
  EXPECT_EQ(l.body_, R"({"event":"anomalies"})");
  EXPECT_TRUE(Entries().empty());
}

TEST_F(AlertsTest, UnreachableWebhookIsRecordedNotAnError) {
  RealTransport t;
  const std::string url = "http://127.0.0.1:" + std::to_string(ClosedPort()) + "/hook";
  auto sent =
      DeliverAlert({url, 1, 1'000'000}, &t, ActionLog(repo_.get(), "test"), "{}", "snapshot x");
  ASSERT_TRUE(sent);
  EXPECT_FALSE(sent->delivered);
  EXPECT_EQ(sent->attempts, 2);
  EXPECT_EQ(t.pauses, 1);
  EXPECT_EQ(sent->problem.rfind("webhook " + url + " not reached after 2 attempts: ", 0), 0u)
      << sent->problem;
  EXPECT_EQ(Entries(), std::vector<std::string>{"alert/not-delivered"});
  std::vector<std::string> targets;
  ASSERT_TRUE(Ledger(repo_.get())
                  .ForEach(1,
                           [&](const LedgerEntry& e) {
                             targets = e.record.targets;
                             return Status::OK();
                           })
                  .ok());
  EXPECT_EQ(targets, std::vector<std::string>{"snapshot x"});
}

TEST_F(AlertsTest, AcknowledgedAlertsComeFromTheLedger) {
  const ActionLog log(repo_.get(), "test");
  ASSERT_TRUE(log.Record("alert", "acknowledged", {"alert aaa/1", "alert bbb/2"}, {}, "ok").ok());
  ASSERT_TRUE(log.Record("alert", "not-delivered", {"alert ccc/1"}, {}).ok());
  auto acked = AcknowledgedAlerts(repo_.get());
  ASSERT_TRUE(acked.ok()) << acked.status().ToString();
  EXPECT_EQ(*acked, (std::set<std::string>{"aaa/1", "bbb/2"}));
}

TEST_F(AlertsTest, AcknowledgingAnUnknownIdRecordsNothing) {
  auto r = AcknowledgeAlerts(repo_.get(), ActionLog(repo_.get(), "test"), {"abc/1"}, "why");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), Status::Code::kNotFound);
  EXPECT_TRUE(Entries().empty());
}

}  // namespace
}  // namespace tidemark
