#include "server/webhook.h"

#include <gtest/gtest.h>
#include <httplib.h>

#include <atomic>
#include <chrono>
#include <functional>
#include <thread>
#include <vector>

namespace tidemark {
namespace {

// A real HTTP server on 127.0.0.1 that answers the first `failures` posts
// with `fail_status` and the rest with 204, recording what it received.
class Listener {
 public:
  Listener(int failures, int fail_status) {
    server_.Post("/hook", [this, failures, fail_status](const httplib::Request& req,
                                                        httplib::Response& res) {
      const int n = ++posts_;
      body_ = req.body;
      content_type_ = req.get_header_value("Content-Type");
      res.status = n <= failures ? fail_status : 204;
    });
    port_ = server_.bind_to_any_port("127.0.0.1");
    thread_ = std::thread([this] { server_.listen_after_bind(); });
    while (!server_.is_running()) std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  ~Listener() {
    server_.stop();
    thread_.join();
  }
  std::string url() const { return "http://127.0.0.1:" + std::to_string(port_) + "/hook"; }
  int posts() const { return posts_; }
  std::string body_, content_type_;

 private:
  httplib::Server server_;
  int port_ = 0;
  std::atomic<int> posts_{0};
  std::thread thread_;
};

// Records the pauses between attempts instead of sleeping through them.
struct Pauses {
  std::vector<uint64_t> waits;
  std::function<void(uint64_t)> Fn() {
    return [this](uint64_t us) { waits.push_back(us); };
  }
};

TEST(WebhookTest, DeliversJson) {
  Listener l(0, 0);
  WebhookResult r = PostWebhook(l.url(), R"({"event":"anomalies"})", 3, 2'000'000);
  EXPECT_TRUE(r.delivered) << r.error;
  EXPECT_EQ(r.attempts, 1);
  EXPECT_EQ(r.http_status, 204);
  EXPECT_EQ(l.body_, R"({"event":"anomalies"})");
  EXPECT_EQ(l.content_type_, "application/json");
}

TEST(WebhookTest, RetriesServerErrorsThenDelivers) {
  Listener l(2, 503);
  Pauses p;
  WebhookResult r = PostWebhook(l.url(), "{}", 3, 2'000'000, p.Fn());
  EXPECT_TRUE(r.delivered) << r.error;
  EXPECT_EQ(r.attempts, 3);
  EXPECT_EQ(l.posts(), 3);
  EXPECT_EQ(p.waits, (std::vector<uint64_t>{500'000, 1'000'000}));  // 0.5 s, then doubled
}

TEST(WebhookTest, GivesUpAfterBoundedRetries) {
  Listener l(100, 500);
  Pauses p;
  WebhookResult r = PostWebhook(l.url(), "{}", 1, 2'000'000, p.Fn());
  EXPECT_FALSE(r.delivered);
  EXPECT_EQ(r.attempts, 2);
  EXPECT_EQ(r.http_status, 500);
  EXPECT_EQ(r.error, "HTTP 500");
  EXPECT_EQ(p.waits, (std::vector<uint64_t>{500'000}));
}

TEST(WebhookTest, TooManyRequestsIsRetried) {
  Listener l(1, 429);
  Pauses p;
  WebhookResult r = PostWebhook(l.url(), "{}", 2, 2'000'000, p.Fn());
  EXPECT_TRUE(r.delivered) << r.error;
  EXPECT_EQ(r.attempts, 2);
  EXPECT_EQ(p.waits.size(), 1u);
}

TEST(WebhookTest, ClientErrorIsFinal) {
  Listener l(100, 404);
  Pauses p;
  WebhookResult r = PostWebhook(l.url(), "{}", 3, 2'000'000, p.Fn());
  EXPECT_FALSE(r.delivered);
  EXPECT_EQ(r.attempts, 1);
  EXPECT_EQ(l.posts(), 1);
  EXPECT_TRUE(p.waits.empty());
}

TEST(WebhookTest, UnreachableIsReportedNotThrown) {
  int port = 0;
  {
    Listener l(0, 0);  // a port that was just free, now closed
    port = std::stoi(l.url().substr(17, l.url().find('/', 17) - 17));
  }
  Pauses p;
  WebhookResult r =
      PostWebhook("http://127.0.0.1:" + std::to_string(port) + "/x", "{}", 1, 500'000, p.Fn());
  EXPECT_FALSE(r.delivered);
  EXPECT_EQ(r.attempts, 2);
  EXPECT_EQ(r.http_status, 0);
  EXPECT_NE(r.error.find("no response"), std::string::npos) << r.error;
  EXPECT_FALSE(PostWebhook("not a url", "{}", 0, 1000).delivered);
}

}  // namespace
}  // namespace tidemark
