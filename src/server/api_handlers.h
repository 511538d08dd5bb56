// The handlers of the API routes (api.cc lists them), and what they share.
// Internal to server/.
#pragma once

#include <string>
#include <utility>
#include <vector>

#include "base/result.h"
#include "server/api.h"
#include "server/request.h"
#include "snapshot/catalog.h"

namespace tidemark::api {

// 200 (or `status`) with a JSON body.
ApiResponse Json(std::string body, int status = 200);

// {"items": [...], "next_after": KEY} of `items` (key, JSON) in their order:
// up to page.limit items after the one whose key is page.after;
// next_after, present when more follow, is the last key shown.
// InvalidArgument when page.after names no item.
Result<ApiResponse> Page(const std::vector<std::pair<std::string, std::string>>& items,
                         const PageParams& page);

// PermissionDenied (403) unless the account may take `action` on `target`.
Status Require(const Account& account, Action action, const Target& target);

// The snapshots the account may see (its sources'), oldest first.
Result<std::vector<SnapshotInfo>> VisibleSnapshots(ApiCore& core, const Account& account,
                                                   const std::string& source = "");

// Handlers (api_browse.cc).
Result<ApiResponse> GetStatus(ApiCore& core, const ApiCall& call);
Result<ApiResponse> GetSources(ApiCore& core, const ApiCall& call);
Result<ApiResponse> GetSnapshots(ApiCore& core, const ApiCall& call);
Result<ApiResponse> GetSnapshot(ApiCore& core, const ApiCall& call);
Result<ApiResponse> GetRecords(ApiCore& core, const ApiCall& call);
Result<ApiResponse> GetRecord(ApiCore& core, const ApiCall& call);
// api_audit.cc
Result<ApiResponse> GetAlerts(ApiCore& core, const ApiCall& call);
Result<ApiResponse> AckAlert(ApiCore& core, const ApiCall& call);
Result<ApiResponse> GetLedger(ApiCore& core, const ApiCall& call);
Result<ApiResponse> GetHolds(ApiCore& core, const ApiCall& call);
// api_metrics.cc
Result<ApiResponse> GetMetrics(ApiCore& core, const ApiCall& call);
// api_openapi.cc
Result<ApiResponse> GetOpenApi(ApiCore& core, const ApiCall& call);

}  // namespace tidemark::api
