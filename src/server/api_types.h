// A request and a response as the API core sees them: plain data, with no
// HTTP library in sight (server/http_server.cc converts from cpp-httplib),
// so the router and every handler are tested without a socket. (Not
// HttpRequest: that is the S3 client's, storage/http_transport.h, and one
// program may hold only one type of a name.)
#pragma once

#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace tidemark {

struct ApiRequest {
  std::string method;                                        // "GET", "POST", ...
  std::string path;                                          // percent-decoded, without the query
  std::vector<std::pair<std::string, std::string>> query;    // decoded, in order
  std::vector<std::pair<std::string, std::string>> headers;  // names lower-case
  std::string body;
  std::string remote;  // "127.0.0.1:53412", for logs

  // The first value of a header (name lower-case) or query parameter; null when absent.
  const std::string* Header(std::string_view name) const;
  const std::string* Query(std::string_view name) const;
};

struct ApiResponse {
  int status = 200;
  std::string content_type = "application/json";
  std::string body;
  std::vector<std::pair<std::string, std::string>> headers;
  std::string account;  // who asked ("" = anonymous), for the log line only
};

}  // namespace tidemark
