// The API core of `tidemark serve` (docs/api.md): routes each request to
// one use case of ops/ after authentication (a bearer token) and
// authorization (server/roles.h), and answers JSON or a problem document.
// No HTTP library here: http_server.cc feeds it plain requests.
#pragma once

#include <atomic>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "config/config.h"
#include "repo/repository.h"
#include "server/account_cache.h"
#include "server/api_types.h"
#include "server/roles.h"

namespace tidemark {

struct ApiSettings {
  bool anonymous_metrics = false;  // GET /metrics without a token
  std::string host;                // this machine, for ledger actors ("NAME@HOST (api)")
  std::string version;             // of tidemark, for openapi.json
  int64_t accounts_refresh_ms = 1000;
  std::function<int64_t()> now_ms;  // monotonic; empty: std::chrono::steady_clock
};

class ApiCore;

// What a handler gets: the request, the values of the route's {params}, and
// the authenticated account (null on a public route).
struct ApiCall {
  const ApiRequest& req;
  std::vector<std::string> params;
  const Account* account;
};

struct ApiRoute {
  const char* method;
  const char* pattern;  // "/api/v1/snapshots/{id}"
  Action action;        // the least the account must be allowed (role check)
  bool is_public;       // no token needed (openapi.json)
  Result<ApiResponse> (*handler)(ApiCore& core, const ApiCall& call);  // an error: its problem
  const char* summary;                                                 // one line, for openapi.json
  const char* query;  // its query parameters, "limit,after" ("" = none)
};

// Every route, in the order docs/api.md lists them.
const std::vector<ApiRoute>& ApiRoutes();

class ApiCore {
 public:
  // `repo` and `config` must outlive the core.
  ApiCore(Repository* repo, const ConfigFile* config, ApiSettings settings);

  // Reads the accounts (fails when they do not verify).
  Status Start();

  // Answers one request. Thread-safe; never throws.
  ApiResponse Handle(const ApiRequest& req);

  // Counts a response by status code for tidemark_http_requests_total
  // (the HTTP layer calls it for every response it sends, also its own).
  void CountResponse(int status);
  std::map<int, uint64_t> ResponseCounts() const;

  Repository* repo() const { return repo_; }
  const ConfigFile& config() const { return *config_; }
  const ApiSettings& settings() const { return settings_; }
  // The ledger actor of a request by `account`: "NAME@HOST (api)".
  std::string Actor(const Account& account) const;

 private:
  ApiResponse Route(const ApiRequest& req, const std::vector<std::string>& segs);
  ApiResponse Authenticated(const ApiRoute& route, ApiCall call);

  Repository* const repo_;
  const ConfigFile* const config_;
  ApiSettings settings_;
  std::unique_ptr<AccountCache> accounts_;
  mutable std::mutex counts_mu_;
  std::map<int, uint64_t> counts_;  // guarded by counts_mu_
};

}  // namespace tidemark
