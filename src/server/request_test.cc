// Reading requests: listen addresses, paths (traversal, odd bytes), paging,
// bearer tokens, JSON bodies; and problem documents.
#include "server/request.h"

#include <gtest/gtest.h>

#include "server/problem.h"

namespace tidemark {
namespace {

TEST(RequestTest, ParseListen) {
  auto a = ParseListen("127.0.0.1:8470");
  ASSERT_TRUE(a.ok());
  EXPECT_EQ(a->host, "127.0.0.1");
  EXPECT_EQ(a->port, 8470);
  EXPECT_TRUE(a->loopback);
  a = ParseListen("[::1]:0");
  ASSERT_TRUE(a.ok());
  EXPECT_EQ(a->host, "::1");
  EXPECT_TRUE(a->loopback);
  EXPECT_EQ(a->ToString(), "[::1]:0");
  EXPECT_TRUE(ParseListen("localhost:1")->loopback);
  EXPECT_TRUE(ParseListen("127.10.0.3:1")->loopback);
  EXPECT_FALSE(ParseListen("0.0.0.0:8470")->loopback);
  EXPECT_FALSE(ParseListen("127.example.com:1")->loopback);
  EXPECT_FALSE(ParseListen("[::]:8470")->loopback);
  for (const char* bad :
       {"", "8470", ":8470", "host:", "host:x", "host:65536", "::1:80", "[::1]80", "host:123456"}) {
    EXPECT_TRUE(ParseListen(bad).status().IsInvalidArgument()) << bad;
  }
}

TEST(RequestTest, SplitPath) {
  EXPECT_EQ(*SplitPath("/api/v1/status"), (std::vector<std::string>{"api", "v1", "status"}));
  EXPECT_EQ(*SplitPath("/api/v1/"), (std::vector<std::string>{"api", "v1"}));
  EXPECT_TRUE(SplitPath("/")->empty());
  EXPECT_EQ((*SplitPath("/a/b c/\xc3\xa9"))[1], "b c");
  for (const char* bad : {"", "api", "//api", "/api//v1", "/api/../etc", "/api/./v1", "/..",
                          "/a/b\x01", "/a/\xff", "/a/\xc3"}) {
    EXPECT_TRUE(SplitPath(bad).status().IsInvalidArgument()) << bad;
  }
  EXPECT_TRUE(SplitPath("/" + std::string(1025, 'a')).status().IsInvalidArgument());
}

TEST(RequestTest, Page) {
  ApiRequest req;
  auto p = ParsePage(req);
  ASSERT_TRUE(p.ok());
  EXPECT_EQ(p->limit, kDefaultPageLimit);
  req.query = {{"limit", "1000"}, {"after", "abc"}};
  EXPECT_EQ(ParsePage(req)->limit, 1000u);
  EXPECT_EQ(ParsePage(req)->after, "abc");
  for (const char* bad : {"0", "1001", "-1", "x", "", "99999"}) {
    req.query = {{"limit", bad}};
    EXPECT_TRUE(ParsePage(req).status().IsInvalidArgument()) << bad;
  }
  req.query = {{"after", "a\nb"}};
  EXPECT_TRUE(ParsePage(req).status().IsInvalidArgument());
}

TEST(RequestTest, BearerToken) {
  ApiRequest req;
  EXPECT_TRUE(BearerToken(req).status().IsNotFound());
  req.headers = {{"authorization", "Bearer tm_abc"}};
  EXPECT_EQ(*BearerToken(req), "tm_abc");
  for (const char* bad : {"Basic dXNlcjpwdw==", "Bearer", "Bearer ", "bearer x", "tm_abc"}) {
    req.headers = {{"authorization", bad}};
    EXPECT_TRUE(BearerToken(req).status().IsInvalidArgument()) << bad;
  }
}

TEST(RequestTest, JsonBody) {
  ApiRequest req;
  ASSERT_TRUE(JsonBody(req).ok());  // empty: {}
  req.body = R"({"reason": "planned", "n": 1})";
  auto v = JsonBody(req);
  ASSERT_TRUE(v.ok());
  EXPECT_EQ(*StringMember(*v, "reason", 100), "planned");
  EXPECT_EQ(*StringMember(*v, "absent", 100), "");
  EXPECT_TRUE(StringMember(*v, "n", 100).status().IsInvalidArgument());
  EXPECT_TRUE(StringMember(*v, "reason", 3).status().IsInvalidArgument());
  for (const char* bad : {"{", "[1]", "\"x\"", "{\"a\":1,}", "{\"a\":1}{"}) {
    req.body = bad;
    EXPECT_TRUE(JsonBody(req).status().IsInvalidArgument()) << bad;
  }
}

TEST(ProblemTest, DocumentsCarryTheExitCodeClass) {
  struct Case {
    Status s;
    int http;
    const char* cls;
  } cases[] = {
      {Status::InvalidArgument("x"), 400, "usage"},
      {Status::NotFound("x"), 404, "error"},
      {Status::PermissionDenied("x"), 403, "permission"},
      {Status::Refused("x"), 409, "refused"},
      {Status::AlreadyExists("x"), 409, "refused"},
      {Status::Corruption("x"), 500, "integrity"},
      {Status::IOError("x"), 503, "error"},
      {Status::Unsupported("x"), 501, "error"},
      {Status::Internal("x"), 500, "error"},
  };
  for (const Case& c : cases) {
    ApiResponse r = ProblemFor(c.s);
    EXPECT_EQ(r.status, c.http) << c.s.ToString();
    EXPECT_EQ(r.content_type, "application/problem+json");
    auto doc = ParseJson(r.body);
    ASSERT_TRUE(doc.ok()) << r.body;
    EXPECT_EQ(doc->Find("class")->string_value(), c.cls) << c.s.ToString();
    EXPECT_EQ(doc->Find("status")->int_value(), c.http);
    EXPECT_EQ(doc->Find("detail")->string_value(), "x");
    EXPECT_EQ(doc->Find("type")->string_value().rfind("urn:tidemark:problem:", 0), 0u);
    EXPECT_FALSE(doc->Find("title")->string_value().empty());
  }
  ApiResponse u = Unauthorized("no token");
  EXPECT_EQ(u.status, 401);
  ASSERT_EQ(u.headers.size(), 1u);
  EXPECT_EQ(u.headers[0].first, "WWW-Authenticate");
}

}  // namespace
}  // namespace tidemark
