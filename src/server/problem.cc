#include "server/problem.h"

#include "base/json.h"

namespace tidemark {
namespace {

struct Kind {
  int status;
  const char* slug;
  const char* title;
};

Kind KindFor(const Status& s) {
  switch (s.code()) {
    case Status::Code::kOk:
      return {200, "ok", "OK"};
    case Status::Code::kInvalidArgument:
      return {400, "bad-request", "Bad request"};
    case Status::Code::kPermissionDenied:
      return {403, "forbidden", "Forbidden"};
    case Status::Code::kNotFound:
      return {404, "not-found", "Not found"};
    case Status::Code::kRefused:
    case Status::Code::kAlreadyExists:
      return {409, "conflict", "Refused or conflict"};
    case Status::Code::kCorruption:
      return {500, "integrity", "Damaged data found"};
    case Status::Code::kUnsupported:
      return {501, "unsupported", "Not supported"};
    case Status::Code::kIOError:
      return {503, "unavailable", "Storage or source unavailable"};
    case Status::Code::kInternal:
      return {500, "internal", "Internal error"};
    case Status::Code::kCancelled:
      return {409, "cancelled", "Cancelled"};
  }
  return {500, "internal", "Internal error"};
}

}  // namespace

ApiResponse Problem(int status, std::string_view slug, std::string_view title,
                    std::string_view detail, ErrorClass cls) {
  JsonWriter w;
  w.BeginObject().Field("type", std::string(kProblemTypePrefix) + std::string(slug));
  w.Field("title", title).Field("status", status).Field("detail", detail);
  w.Field("class", ErrorClassName(cls)).EndObject();
  ApiResponse r;
  r.status = status;
  r.content_type = "application/problem+json";
  r.body = w.str();
  return r;
}

int HttpStatusFor(const Status& status) { return KindFor(status).status; }

ApiResponse ProblemFor(const Status& status) {
  const Kind k = KindFor(status);
  return Problem(k.status, k.slug, k.title, status.message(), ErrorClassOf(status));
}

ApiResponse Unauthorized(std::string_view detail) {
  ApiResponse r = Problem(401, "unauthorized", "Unauthorized", detail, ErrorClass::kPermission);
  r.headers.emplace_back("WWW-Authenticate", "Bearer realm=\"tidemark\"");
  return r;
}

ApiResponse Forbidden(std::string_view detail) {
  return Problem(403, "forbidden", "Forbidden", detail, ErrorClass::kPermission);
}

}  // namespace tidemark
