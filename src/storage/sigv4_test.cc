// The signer against AWS's documented examples (sig-v4-header-based-auth.html,
// "Example signature calculations"), all for examplebucket in us-east-1 at
// 20130524T000000Z with the documentation's example key.
#include "storage/sigv4.h"

#include <gtest/gtest.h>

#include "base/hex.h"
#include "crypto/crypto.h"

namespace tidemark {
namespace {

const SigV4Credentials kExampleKey{"AKIAIOSFODNN7EXAMPLE",
                                   "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY", ""};
const char kEmptySha[] = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";

std::string HeaderOf(const SigV4Result& r, const std::string& name) {
  for (const auto& [k, v] : r.headers) {
    if (k == name) return v;
  }
  return "";
}

TEST(SigV4Test, AwsGetObjectExample) {
  ASSERT_TRUE(CryptoInit().ok());
  SigV4Request req;
  req.method = "GET";
  req.host = "examplebucket.s3.amazonaws.com";
  req.path = "/test.txt";
  req.headers = {{"Range", "bytes=0-9"}};
  req.payload_sha256 = kEmptySha;
  const SigV4Result r = SignV4(req, kExampleKey, "us-east-1", "20130524T000000Z");
  EXPECT_EQ(r.canonical_request,
            "GET\n/test.txt\n\nhost:examplebucket.s3.amazonaws.com\nrange:bytes=0-9\n"
            "x-amz-content-sha256:" +
                std::string(kEmptySha) +
                "\nx-amz-date:20130524T000000Z\n\nhost;range;x-amz-content-sha256;x-amz-date\n" +
                kEmptySha);
  EXPECT_EQ(r.string_to_sign,
            "AWS4-HMAC-SHA256\n20130524T000000Z\n20130524/us-east-1/s3/aws4_request\n"
            "7344ae5b7ee6c3e7e6b0fe0640412a37625d1fbfff95c48bbb2dc43964946972");
  EXPECT_EQ(r.signature, "f0e8bdb87c964420e857bd35b5d6ed310bd44f0170aba48dd91039c6036bdb41");
  EXPECT_EQ(HeaderOf(r, "Authorization"),
            "AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE/20130524/us-east-1/s3/aws4_request,"
            "SignedHeaders=host;range;x-amz-content-sha256;x-amz-date,"
            "Signature=f0e8bdb87c964420e857bd35b5d6ed310bd44f0170aba48dd91039c6036bdb41");
  EXPECT_EQ(HeaderOf(r, "x-amz-content-sha256"), kEmptySha);
  EXPECT_EQ(HeaderOf(r, "x-amz-security-token"), "");
}

// A parameter without a value is signed as "lifecycle=" (curl#8107).
TEST(SigV4Test, AwsGetBucketLifecycleExample) {
  ASSERT_TRUE(CryptoInit().ok());
  SigV4Request req{"GET",    "examplebucket.s3.amazonaws.com", "/", {{"lifecycle", ""}}, {},
                   kEmptySha};
  const SigV4Result r = SignV4(req, kExampleKey, "us-east-1", "20130524T000000Z");
  EXPECT_NE(r.canonical_request.find("\nlifecycle=\n"), std::string::npos) << r.canonical_request;
  EXPECT_EQ(r.signature, "fea454ca298b7da1c68078a5d1bdbfbbe0d65c699e0f91ac7a200a0136783543");
}

// Parameters are signed sorted, whatever order they are sent in (curl#9717).
TEST(SigV4Test, AwsListObjectsExampleSortsQuery) {
  ASSERT_TRUE(CryptoInit().ok());
  SigV4Request req{"GET", "examplebucket.s3.amazonaws.com",
                   "/",   {{"prefix", "J"}, {"max-keys", "2"}},
                   {},    kEmptySha};
  const SigV4Result r = SignV4(req, kExampleKey, "us-east-1", "20130524T000000Z");
  EXPECT_NE(r.canonical_request.find("\nmax-keys=2&prefix=J\n"), std::string::npos)
      << r.canonical_request;
  EXPECT_EQ(r.signature, "34b48302e7b5fa45bde8084f4b7868a86f0a534bc59db6670ed5711ef69dc6f7");
}

TEST(SigV4Test, AwsPutObjectExample) {
  ASSERT_TRUE(CryptoInit().ok());
  const std::string body = "Welcome to Amazon S3.";
  SigV4Request req{
      "PUT",
      "examplebucket.s3.amazonaws.com",
      "/" + PercentEncode("test$file.text", true),
      {},
      {{"Date", "Fri, 24 May 2013 00:00:00 GMT"}, {"x-amz-storage-class", "REDUCED_REDUNDANCY"}},
      Sha256Hex(body)};
  EXPECT_EQ(req.payload_sha256, "44ce7dd67c959e0d3524ffac1771dfbba87d2b6b4b4e99e42034a8b803f8b072");
  const SigV4Result r = SignV4(req, kExampleKey, "us-east-1", "20130524T000000Z");
  EXPECT_EQ(r.signature, "98ad721746da40c64f1a55b78f14c238d841ea1380cd77a1b5971af0ece108bd");
}

TEST(SigV4Test, SessionTokenIsSigned) {
  ASSERT_TRUE(CryptoInit().ok());
  SigV4Credentials creds = kExampleKey;
  creds.session_token = "token/with+chars";
  SigV4Request req{"GET", "h", "/b/k", {}, {}, kEmptySha};
  const SigV4Result r = SignV4(req, creds, "us-east-1", "20130524T000000Z");
  EXPECT_EQ(HeaderOf(r, "x-amz-security-token"), "token/with+chars");
  EXPECT_NE(HeaderOf(r, "Authorization").find("x-amz-date;x-amz-security-token"),
            std::string::npos);
  EXPECT_EQ(r.canonical_request.find(creds.secret_access_key), std::string::npos);
}

TEST(SigV4Test, UriEncode) {
  EXPECT_EQ(PercentEncode("a b/c~d", false), "a%20b%2Fc~d");
  EXPECT_EQ(PercentEncode("a b/c", true), "a%20b/c");
  EXPECT_EQ(PercentEncode("1/2+3=", false), "1%2F2%2B3%3D");
  EXPECT_EQ(AmzDate(1369353600LL * 1000000), "20130524T000000Z");
}

}  // namespace
}  // namespace tidemark
