// The API core without a socket: authentication, roles and scope, routing
// errors, problem documents, the OpenAPI document and the ledger entry of a
// state change. tests/serve_cli_test.sh runs the same over HTTP with data.
#include "server/api.h"

#include <gtest/gtest.h>

#include <cstdlib>

#include "base/json_parse.h"
#include "ledger/ledger.h"
#include "server/account_ops.h"
#include "storage/mem_backend.h"
#include "storage/temp_dir_testlib.h"

namespace tidemark {
namespace {

class ApiTest : public ::testing::Test {
 protected:
  void SetUp() override {
    setenv("TIDEMARK_CACHE_DIR", (dir_.path() + "/cache").c_str(), 1);
    InitOptions opts;
    opts.kdf = KdfParams{1, 8192};
    auto r = Repository::Init(&mem_, "pw", opts);
    ASSERT_TRUE(r.ok()) << r.status().ToString();
    repo_ = std::move(*r);
    admin_ = Token("root", {Role::kAdmin, {}});
    viewer_ = Token("eve", {Role::kViewer, {"crm"}});
    op_ = Token("olga", {Role::kOperator, {}});
    ApiSettings s;
    s.host = "h";
    s.version = "0.test";
    s.now_ms = [] { return int64_t{0}; };
    core_ = std::make_unique<ApiCore>(repo_.get(), &cfg_, s);
    ASSERT_TRUE(core_->Start().ok());
  }
  std::string Token(const std::string& name, const Grant& g) {
    const ActionLog log(repo_.get(), "test");
    EXPECT_TRUE(AddUser(*repo_, log, name, g).ok());
    return CreateToken(*repo_, log, name)->token;
  }
  ApiResponse Call(const std::string& method, const std::string& path, const std::string& token,
                   std::string body = "") {
    ApiRequest req;
    req.method = method;
    const size_t q = path.find('?');
    req.path = path.substr(0, q);
    if (q != std::string::npos) {
      const std::string query = path.substr(q + 1);
      const size_t eq = query.find('=');
      req.query.emplace_back(query.substr(0, eq), query.substr(eq + 1));
    }
    if (!token.empty()) req.headers.emplace_back("authorization", "Bearer " + token);
    req.body = std::move(body);
    return core_->Handle(req);
  }
  std::string ClassOf(const ApiResponse& r) {
    auto doc = ParseJson(r.body);
    return doc.ok() && doc->Find("class") ? doc->Find("class")->string_value() : "";
  }
  ScopedTempDir dir_;
  MemBackend mem_;
  std::unique_ptr<Repository> repo_;
  ConfigFile cfg_;
  std::unique_ptr<ApiCore> core_;
  std::string admin_, viewer_, op_;
};

TEST_F(ApiTest, Authentication) {
  ApiResponse r = Call("GET", "/api/v1/status", "");
  EXPECT_EQ(r.status, 401);
  EXPECT_EQ(r.content_type, "application/problem+json");
  EXPECT_EQ(ClassOf(r), "permission");
  EXPECT_EQ(Call("GET", "/api/v1/status", "tm_" + std::string(64, 'a')).status, 401);
  EXPECT_EQ(Call("GET", "/api/v1/status", "garbage").status, 401);
  EXPECT_EQ(Call("GET", "/api/v1/status", admin_).status, 200);
  EXPECT_EQ(Call("GET", "/api/v1/status", viewer_).status, 200);
  EXPECT_EQ(Call("GET", "/metrics", "").status, 401);
  EXPECT_EQ(Call("GET", "/api/v1/openapi.json", "").status, 200);
}

TEST_F(ApiTest, RoutingErrors) {
  EXPECT_EQ(Call("GET", "/api/v1/nothing", admin_).status, 404);
  EXPECT_EQ(Call("DELETE", "/api/v1/status", admin_).status, 405);
  EXPECT_EQ(Call("GET", "/api/v1/snapshots/../../etc", admin_).status, 400);
  EXPECT_EQ(Call("GET", "/api/v1/snapshots/a\x01", admin_).status, 400);
  ApiResponse r = Call("GET", "/api/v1/snapshots/ffff", admin_);
  EXPECT_EQ(r.status, 404);
  EXPECT_EQ(ClassOf(r), "error");
  EXPECT_EQ(Call("GET", "/api/v1/snapshots?limit=0", admin_).status, 400);
  EXPECT_EQ(Call("GET", "/api/v1/snapshots?after=nope", admin_).status, 400);
}

TEST_F(ApiTest, RolesAndScope) {
  // The ledger needs a grant on every source.
  EXPECT_EQ(Call("GET", "/api/v1/ledger", viewer_).status, 403);
  EXPECT_EQ(Call("GET", "/api/v1/ledger", op_).status, 200);
  // A source filter outside the grant is refused, inside it is answered.
  EXPECT_EQ(Call("GET", "/api/v1/snapshots?source=hr", viewer_).status, 403);
  EXPECT_EQ(Call("GET", "/api/v1/snapshots?source=crm", viewer_).status, 200);
  // Acknowledging needs an operator; the body is read before the alert is looked up.
  EXPECT_EQ(Call("POST", "/api/v1/alerts/ab/1/ack", viewer_, R"({"reason":"x"})").status, 403);
  EXPECT_EQ(Call("POST", "/api/v1/alerts/ab/1/ack", op_, "{not json").status, 400);
  EXPECT_EQ(Call("POST", "/api/v1/alerts/ab/1/ack", op_, R"({})").status, 400);
  EXPECT_EQ(Call("POST", "/api/v1/alerts/ab/1/ack", op_, R"({"reason":"x"})").status, 404);
}

TEST_F(ApiTest, OpenApiListsEveryRoute) {
  ApiResponse r = Call("GET", "/api/v1/openapi.json", "");
  auto doc = ParseJson(r.body);
  ASSERT_TRUE(doc.ok()) << r.body;
  EXPECT_EQ(doc->Find("openapi")->string_value(), "3.0.3");
  const JsonValue* paths = doc->Find("paths");
  ASSERT_NE(paths, nullptr);
  for (const ApiRoute& route : ApiRoutes()) {
    std::string path = route.pattern;
    if (path.find("*}") != std::string::npos) path.erase(path.find("*}"), 1);
    const JsonValue* p = paths->Find(path);
    ASSERT_NE(p, nullptr) << route.pattern;
    EXPECT_NE(p->Find(route.method == std::string("GET") ? "get" : "post"), nullptr);
  }
}

TEST_F(ApiTest, MetricsCountResponses) {
  core_->CountResponse(200);
  core_->CountResponse(200);
  core_->CountResponse(401);
  ApiResponse r = Call("GET", "/metrics", admin_);
  ASSERT_EQ(r.status, 200);
  EXPECT_EQ(r.content_type.rfind("text/plain; version=0.0.4", 0), 0u);
  EXPECT_NE(r.body.find("tidemark_http_requests_total{code=\"200\"} 2\n"), std::string::npos);
  EXPECT_NE(r.body.find("tidemark_http_requests_total{code=\"401\"} 1\n"), std::string::npos);
  // A scoped account sees no repository or server series.
  EXPECT_EQ(Call("GET", "/metrics", viewer_).body.find("tidemark_http_requests_total"),
            std::string::npos);
}

}  // namespace
}  // namespace tidemark
