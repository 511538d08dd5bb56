#include "storage/sigv4.h"

#include <algorithm>
#include <cctype>
#include <ctime>

#include "base/hex.h"
#include "crypto/crypto.h"

namespace tidemark {

namespace {

std::string Lower(std::string s) {
  for (char& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

// Trims surrounding blanks and folds inner runs of blanks to one space.
std::string TrimValue(const std::string& v) {
  std::string out;
  bool space = false;
  for (char c : v) {
    if (c == ' ' || c == '\t') {
      space = !out.empty();
      continue;
    }
    if (space) out += ' ';
    space = false;
    out += c;
  }
  return out;
}

std::string CanonicalQuery(const HeaderList& query) {
  std::vector<std::pair<std::string, std::string>> enc;
  for (const auto& [k, v] : query)
    enc.emplace_back(PercentEncode(k, false), PercentEncode(v, false));
  std::sort(enc.begin(), enc.end());
  std::string out;
  for (const auto& [k, v] : enc) {
    if (!out.empty()) out += '&';
    out += k + "=" + v;
  }
  return out;
}

}  // namespace

std::string AmzDate(int64_t micros) {
  const time_t t = static_cast<time_t>(micros / 1000000);
  struct tm tm;
  gmtime_r(&t, &tm);
  char buf[32];
  strftime(buf, sizeof(buf), "%Y%m%dT%H%M%SZ", &tm);
  return buf;
}

std::string Sha256Hex(std::string_view data) { return HexEncode(Sha256(data)); }

SigV4Result SignV4(const SigV4Request& req, const SigV4Credentials& creds,
                   const std::string& region, const std::string& amz_date,
                   const std::string& service) {
  SigV4Result r;
  r.headers = {{"x-amz-date", amz_date}, {"x-amz-content-sha256", req.payload_sha256}};
  if (!creds.session_token.empty()) {
    r.headers.emplace_back("x-amz-security-token", creds.session_token);
  }
  std::vector<std::pair<std::string, std::string>> signed_headers = {{"host", req.host}};
  for (const auto& [k, v] : req.headers) signed_headers.emplace_back(Lower(k), TrimValue(v));
  for (const auto& [k, v] : r.headers) signed_headers.emplace_back(k, v);
  std::sort(signed_headers.begin(), signed_headers.end());

  std::string canonical_headers, names;
  for (const auto& [k, v] : signed_headers) {
    canonical_headers += k + ":" + v + "\n";
    if (!names.empty()) names += ';';
    names += k;
  }
  r.canonical_request = req.method + "\n" + req.path + "\n" + CanonicalQuery(req.query) + "\n" +
                        canonical_headers + "\n" + names + "\n" + req.payload_sha256;
  const std::string day = amz_date.substr(0, 8);
  const std::string scope = day + "/" + region + "/" + service + "/aws4_request";
  r.string_to_sign =
      "AWS4-HMAC-SHA256\n" + amz_date + "\n" + scope + "\n" + Sha256Hex(r.canonical_request);
  std::string key = HmacSha256("AWS4" + creds.secret_access_key, day);
  key = HmacSha256(key, region);
  key = HmacSha256(key, service);
  key = HmacSha256(key, "aws4_request");
  r.signature = HexEncode(HmacSha256(key, r.string_to_sign));
  r.headers.emplace_back("Authorization", "AWS4-HMAC-SHA256 Credential=" + creds.access_key_id +
                                              "/" + scope + ",SignedHeaders=" + names +
                                              ",Signature=" + r.signature);
  return r;
}

}  // namespace tidemark
