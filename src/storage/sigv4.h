// AWS Signature Version 4 for S3 requests (header-based authentication).
// https://docs.aws.amazon.com/AmazonS3/latest/API/sig-v4-header-based-auth.html
//
// The signer sorts query parameters by encoded name, signs a parameter with no
// value as "name=" and always signs x-amz-content-sha256 (the three known gaps
// of libcurl's CURLOPT_AWS_SIGV4), so every S3 request this project sends goes
// through this one function.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace tidemark {

struct SigV4Credentials {
  std::string access_key_id;
  std::string secret_access_key;
  std::string session_token;  // "" unless temporary credentials
};

using HeaderList = std::vector<std::pair<std::string, std::string>>;

struct SigV4Request {
  std::string method;          // "GET", "PUT", …
  std::string host;            // the Host header exactly as sent ("h:9000" with a port)
  std::string path;            // URI-encoded absolute path, e.g. "/bucket/data/ab/abcd"
  HeaderList query;            // decoded name/value pairs; a value may be ""
  HeaderList headers;          // further headers to sign (any case), e.g. range, if-none-match
  std::string payload_sha256;  // lowercase hex of the body's SHA-256, or "UNSIGNED-PAYLOAD"
};

struct SigV4Result {
  // Headers to send besides the request's own: x-amz-date,
  // x-amz-content-sha256, x-amz-security-token (with a session token) and
  // Authorization.
  HeaderList headers;
  std::string canonical_request;  // for tests and --debug diagnostics (no secret in it)
  std::string string_to_sign;
  std::string signature;  // lowercase hex
};

// Signs `req` at `amz_date` ("20130524T000000Z", UTC) for `region` and
// `service` ("s3").
SigV4Result SignV4(const SigV4Request& req, const SigV4Credentials& creds,
                   const std::string& region, const std::string& amz_date,
                   const std::string& service = "s3");

// "20130524T000000Z" for `micros` since the Unix epoch.
std::string AmzDate(int64_t micros);

// Lowercase hex SHA-256 of `data`.
std::string Sha256Hex(std::string_view data);

}  // namespace tidemark
