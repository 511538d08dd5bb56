// GET /api/v1/openapi.json: an OpenAPI 3 document made from the route
// table (api.cc), so it lists every endpoint there is.
#include <algorithm>
#include <map>

#include "base/json.h"
#include "server/api_handlers.h"
#include "server/request.h"

namespace tidemark::api {
namespace {

const char* QueryDescription(const std::string& name) {
  if (name == "limit") return "items per page, 1-1000 (default 100)";
  if (name == "after") return "the next_after of the previous page";
  if (name == "source") return "only this source";
  if (name == "tag") return "only snapshots with this tag";
  if (name == "all") return "true: acknowledged alerts too";
  return "";
}

void Parameters(JsonWriter* w, const ApiRoute& r) {
  w->Key("parameters").BeginArray();
  auto segs = SplitPath(r.pattern);
  for (const std::string& s : segs.ok() ? *segs : std::vector<std::string>{}) {
    if (s.empty() || s.front() != '{') continue;
    std::string name = s.substr(1, s.size() - 2);
    if (!name.empty() && name.back() == '*') name.pop_back();  // the rest of the path
    w->BeginObject().Field("name", name).Field("in", "path");
    w->Field("required", true).Key("schema").BeginObject().Field("type", "string").EndObject();
    w->EndObject();
  }
  std::string q = r.query;
  size_t i = 0;
  while (i < q.size()) {
    const size_t comma = std::min(q.find(',', i), q.size());
    const std::string name = q.substr(i, comma - i);
    w->BeginObject().Field("name", name).Field("in", "query").Field("required", false);
    w->Field("description", QueryDescription(name));
    w->Key("schema").BeginObject().Field("type", "string").EndObject().EndObject();
    i = comma + 1;
  }
  w->EndArray();
}

void Operation(JsonWriter* w, const ApiRoute& r) {
  w->Key(r.method == std::string("GET") ? "get" : "post").BeginObject();
  w->Field("summary", r.summary);
  w->Field("x-tidemark-action", ActionName(r.action));
  w->Field("x-tidemark-least-role", r.is_public ? "none" : RoleName(MinimumRole(r.action)));
  if (r.is_public) w->Key("security").BeginArray().EndArray();
  Parameters(w, r);
  w->Key("responses").BeginObject();
  w->Key("200").BeginObject().Field("description", "OK").EndObject();
  w->Key("default").BeginObject().Field("description", "a problem document (docs/api.md#errors)");
  w->Key("content").BeginObject().Key("application/problem+json").BeginObject();
  w->Key("schema").BeginObject().Field("$ref", "#/components/schemas/Problem").EndObject();
  w->EndObject().EndObject().EndObject().EndObject().EndObject();
}

void Components(JsonWriter* w) {
  w->Key("components").BeginObject().Key("securitySchemes").BeginObject();
  w->Key("bearer").BeginObject().Field("type", "http").Field("scheme", "bearer").EndObject();
  w->EndObject().Key("schemas").BeginObject().Key("Problem").BeginObject();
  w->Field("type", "object").Key("properties").BeginObject();
  for (const char* f : {"type", "title", "detail", "class"}) {
    w->Key(f).BeginObject().Field("type", "string").EndObject();
  }
  w->Key("status").BeginObject().Field("type", "integer").EndObject();
  w->EndObject().EndObject().EndObject().EndObject();
}

}  // namespace

Result<ApiResponse> GetOpenApi(ApiCore& core, const ApiCall& call) {
  JsonWriter w;
  w.BeginObject().Field("openapi", "3.0.3").Key("info").BeginObject();
  w.Field("title", "tidemark").Field("version", core.settings().version);
  w.Field("description", "The REST API of `tidemark serve` (docs/api.md).").EndObject();
  w.Key("security").BeginArray().BeginObject().Key("bearer").BeginArray().EndArray();
  w.EndObject().EndArray();
  w.Key("paths").BeginObject();
  std::vector<std::string> order;
  std::map<std::string, std::vector<const ApiRoute*>> by_path;
  for (const ApiRoute& r : ApiRoutes()) {
    if (by_path[r.pattern].empty()) order.push_back(r.pattern);
    by_path[r.pattern].push_back(&r);
  }
  for (const std::string& p : order) {
    std::string path = p;  // {key*} is {key} in OpenAPI
    for (size_t star; (star = path.find("*}")) != std::string::npos;) path.erase(star, 1);
    w.Key(path).BeginObject();
    for (const ApiRoute* r : by_path[p]) Operation(&w, *r);
    w.EndObject();
  }
  w.EndObject();
  Components(&w);
  w.EndObject();
  return Json(w.str());
}

}  // namespace tidemark::api
