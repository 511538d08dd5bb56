#include "server/api.h"

#include <chrono>

#include "base/json.h"
#include "server/api_handlers.h"
#include "server/problem.h"
#include "server/request.h"

namespace tidemark {
namespace {

int64_t SteadyMs() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

// The route's {params} when `segs` matches its pattern. A last parameter
// written {name*} takes the rest of the path, joined by '/' (alert ids and
// record keys may hold a '/', sent as such or as %2F).
bool Match(const char* pattern, const std::vector<std::string>& segs,
           std::vector<std::string>* params) {
  auto pat = SplitPath(pattern);
  if (!pat.ok()) return false;
  const bool greedy =
      !pat->empty() && pat->back().size() > 2 && pat->back()[pat->back().size() - 2] == '*';
  if (greedy ? segs.size() < pat->size() : segs.size() != pat->size()) return false;
  params->clear();
  for (size_t i = 0; i < pat->size(); ++i) {
    const std::string& p = (*pat)[i];
    if (greedy && i + 1 == pat->size()) {
      std::string rest = segs[i];
      for (size_t k = i + 1; k < segs.size(); ++k) rest += "/" + segs[k];
      params->push_back(std::move(rest));
    } else if (!p.empty() && p.front() == '{') {
      params->push_back(segs[i]);
    } else if (p != segs[i]) {
      return false;
    }
  }
  return true;
}

}  // namespace

const std::vector<ApiRoute>& ApiRoutes() {
  using namespace api;
  static const std::vector<ApiRoute> routes = {
      {"GET", "/api/v1/status", Action::kView, false, GetStatus,
       "every source against its policy: the document of `tidemark status --json`", ""},
      {"GET", "/api/v1/sources", Action::kView, false, GetSources,
       "the sources of the catalog (tidemark.toml), paginated", "limit,after"},
      {"GET", "/api/v1/snapshots", Action::kView, false, GetSnapshots,
       "snapshots, oldest first, paginated; ?source= and ?tag= filter", "limit,after,source,tag"},
      {"GET", "/api/v1/snapshots/{id}", Action::kView, false, GetSnapshot,
       "one snapshot's manifest (`tidemark show`); id, prefix, latest, SOURCE@latest, SOURCE@TIME",
       ""},
      {"GET", "/api/v1/snapshots/{id}/tables/{table}/records", Action::kView, false, GetRecords,
       "a table's records in key order (`tidemark ls SNAP TABLE`), paginated by key",
       "limit,after"},
      {"GET", "/api/v1/snapshots/{id}/tables/{table}/records/{key*}", Action::kView, false,
       GetRecord, "one record (`tidemark cat SNAP TABLE KEY`)", ""},
      {"GET", "/api/v1/alerts", Action::kView, false, GetAlerts,
       "open anomalies (?all=true: acknowledged ones too), paginated", "limit,after,source,all"},
      {"POST", "/api/v1/alerts/{snapshot}/{index}/ack", Action::kAckAlert, false, AckAlert,
       "acknowledge one anomaly; body {\"reason\": TEXT}; a ledger entry", ""},
      {"GET", "/api/v1/ledger", Action::kView, false, GetLedger,
       "ledger entries by sequence number, paginated; needs a grant on every source",
       "limit,after"},
      {"GET", "/api/v1/holds", Action::kView, false, GetHolds, "legal holds, paginated",
       "limit,after"},
      {"GET", "/api/v1/openapi.json", Action::kView, true, GetOpenApi,
       "this API as an OpenAPI 3 document", ""},
      {"GET", "/metrics", Action::kView, false, GetMetrics, "Prometheus metrics (text format)", ""},
  };
  return routes;
}

ApiCore::ApiCore(Repository* repo, const ConfigFile* config, ApiSettings settings)
    : repo_(repo), config_(config), settings_(std::move(settings)) {
  if (!settings_.now_ms) settings_.now_ms = SteadyMs;
  accounts_ =
      std::make_unique<AccountCache>(repo_, settings_.accounts_refresh_ms, settings_.now_ms);
}

Status ApiCore::Start() { return accounts_->Load(); }

std::string ApiCore::Actor(const Account& account) const {
  return account.name + "@" + settings_.host + " (api)";
}

ApiResponse ApiCore::Handle(const ApiRequest& req) {
  auto segs = SplitPath(req.path);
  if (!segs.ok()) return ProblemFor(segs.status());
  return Route(req, *segs);
}

ApiResponse ApiCore::Route(const ApiRequest& req, const std::vector<std::string>& segs) {
  std::vector<std::string> params;
  bool path_known = false;
  for (const ApiRoute& r : ApiRoutes()) {
    if (!Match(r.pattern, segs, &params)) continue;
    path_known = true;
    if (req.method != r.method) continue;
    ApiCall call{req, params, nullptr};
    const bool anonymous =
        r.is_public || (r.handler == api::GetMetrics && settings_.anonymous_metrics);
    if (anonymous) {
      auto res = r.handler(*this, call);
      return res.ok() ? *res : ProblemFor(res.status());
    }
    return Authenticated(r, std::move(call));
  }
  if (path_known) {
    ApiResponse res = Problem(405, "method-not-allowed", "Method not allowed",
                              req.method + " is not allowed on " + req.path, ErrorClass::kUsage);
    return res;
  }
  return Problem(404, "not-found", "Not found",
                 "no endpoint " + req.path + "; GET /api/v1/openapi.json lists them",
                 ErrorClass::kError);
}

ApiResponse ApiCore::Authenticated(const ApiRoute& route, ApiCall call) {
  auto token = BearerToken(call.req);
  if (!token.ok()) {
    return Unauthorized(token.status().IsNotFound()
                            ? "send `Authorization: Bearer TOKEN` (`tidemark token create NAME`)"
                            : token.status().message());
  }
  auto account = accounts_->Authenticate(*token);
  if (!account.ok()) {
    if (account.status().IsNotFound()) return Unauthorized("unknown or revoked token");
    return ProblemFor(account.status());
  }
  const Decision d = Authorize(account->grant, route.action, Target::Listing());
  if (d != Decision::kAllow) {
    ApiResponse res = Forbidden(std::string("account ") + account->name + " is a " +
                                RoleName(account->grant.role) + "; " + ActionName(route.action) +
                                " needs " + RoleName(MinimumRole(route.action)));
    res.account = account->name;
    return res;
  }
  call.account = &*account;
  auto res = route.handler(*this, call);
  ApiResponse out = res.ok() ? std::move(*res) : ProblemFor(res.status());
  out.account = account->name;
  return out;
}

void ApiCore::CountResponse(int status) {
  std::lock_guard<std::mutex> lock(counts_mu_);
  counts_[status]++;
}

std::map<int, uint64_t> ApiCore::ResponseCounts() const {
  std::lock_guard<std::mutex> lock(counts_mu_);
  return counts_;
}

}  // namespace tidemark
