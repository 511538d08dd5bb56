// The S3 backend: the conformance suite on the real test server (signatures
// verified) and on the in-process fake (with and without conditional puts),
// then what only the fake can show: retries, error messages, locations.
#include "storage/s3_backend.h"

#include <gtest/gtest.h>

#include "storage/faulty_backend.h"
#include "storage/s3_testlib.h"
#include "storage/s3_xml.h"

namespace tidemark {
namespace {

INSTANTIATE_TEST_SUITE_P(S3, BackendConformanceTest,
                         ::testing::Values(S3rverBackendFactory(), FaultyOverS3rverBackendFactory(),
                                           S3FakeConditionalBackendFactory(),
                                           S3FakeClaimsBackendFactory()),
                         BackendFactoryName);

struct FakeBackend {
  std::shared_ptr<FakeS3Transport::State> state = std::make_shared<FakeS3Transport::State>();
  std::vector<int64_t> waits;
  std::unique_ptr<S3Backend> backend;

  explicit FakeBackend(S3Options o = FakeS3Options()) {
    auto b = S3Backend::Open(o, std::make_unique<FakeS3Transport>(state),
                             [this](int64_t us) { waits.push_back(us); });
    EXPECT_TRUE(b.ok()) << b.status().ToString();
    if (b.ok()) backend = std::move(b).value();
  }
};

HttpResponse Reset() { return HttpResponse{0, {}, "", "Connection reset by peer", true}; }

TEST(S3BackendTest, RetriesServerErrorsSlowDownAndResets) {
  FakeBackend f;
  ASSERT_NE(f.backend, nullptr);
  f.state->faults = {FakeS3Transport::Error(503, "SlowDown", "Please reduce your request rate."),
                     FakeS3Transport::Error(500, "InternalError"), Reset(),
                     FakeS3Transport::Error(429, "TooManyRequests"),
                     FakeS3Transport::Error(400, "RequestTimeout")};
  const FileHandle h{FileKind::kSnapshot, "s1"};
  ASSERT_TRUE(f.backend->Put(h, "data", PutMode::kOverwrite).ok());
  EXPECT_EQ(f.backend->retries(), 5u);
  ASSERT_EQ(f.waits.size(), 5u);
  for (size_t i = 0; i < f.waits.size(); ++i) {
    const int64_t cap = std::min<int64_t>(100000LL << i, 10000000);  // base 100 ms, doubling
    EXPECT_GE(f.waits[i], cap / 10) << i;
    EXPECT_LE(f.waits[i], cap) << i;
  }
  EXPECT_EQ(*f.backend->Get(h), "data");
}

TEST(S3BackendTest, RetriesAreBounded) {
  S3Options o = FakeS3Options();
  o.max_attempts = 4;
  o.max_backoff_ms = 300;
  FakeBackend f(o);
  ASSERT_NE(f.backend, nullptr);
  for (int i = 0; i < 10; ++i) f.state->faults.push_back(FakeS3Transport::Error(503, "SlowDown"));
  Status s = f.backend->Put(FileHandle{FileKind::kKey, "k"}, "x", PutMode::kOverwrite);
  EXPECT_TRUE((s.code() == Status::Code::kIOError)) << s.ToString();
  EXPECT_NE(s.message().find("HTTP 503 SlowDown"), std::string::npos) << s.ToString();
  EXPECT_EQ(f.waits.size(), 3u);  // 4 tries, 3 waits
  for (int64_t w : f.waits) EXPECT_LE(w, 300000);
  f.state->faults.clear();
  for (int i = 0; i < 4; ++i) f.state->faults.push_back(Reset());
  s = f.backend->Stat(FileHandle{FileKind::kKey, "k"}).status();
  EXPECT_TRUE((s.code() == Status::Code::kIOError)) << s.ToString();
  EXPECT_NE(s.message().find("no answer from 127.0.0.1 after 4 tries (Connection reset by peer)"),
            std::string::npos)
      << s.ToString();
}

TEST(S3BackendTest, ClientErrorsAreNotRetried) {
  FakeBackend f;
  ASSERT_NE(f.backend, nullptr);
  f.state->faults = {FakeS3Transport::Error(403, "SignatureDoesNotMatch")};
  Status s = f.backend->Put(FileHandle{FileKind::kKey, "k"}, "x", PutMode::kOverwrite);
  EXPECT_TRUE(s.IsPermissionDenied()) << s.ToString();
  EXPECT_NE(s.message().find("the secret access key is wrong"), std::string::npos);
  EXPECT_NE(s.message().find("AWS_SECRET_ACCESS_KEY"), std::string::npos);
  EXPECT_NE(s.message().find("AKIAFAKE"), std::string::npos);
  EXPECT_EQ(s.message().find("fake-secret"), std::string::npos);  // never the secret
  EXPECT_EQ(f.backend->retries(), 0u);
}

TEST(S3BackendTest, ErrorMessagesSayWhatToDo) {
  struct Case {
    HttpResponse response;
    Status::Code code;
    const char* says;
  };
  const Case cases[] = {
      {FakeS3Transport::Error(403, "InvalidAccessKeyId"), Status::Code::kPermissionDenied,
       "check the access key ID from AWS_ACCESS_KEY_ID"},
      {FakeS3Transport::Error(403, "AccessDenied"), Status::Code::kPermissionDenied,
       "bucket policy"},
      {FakeS3Transport::Error(403, "RequestTimeTooSkewed"), Status::Code::kPermissionDenied,
       "set the clock"},
      {FakeS3Transport::Error(400, "ExpiredToken"), Status::Code::kPermissionDenied,
       "refresh AWS_SESSION_TOKEN"},
      {FakeS3Transport::Error(404, "NoSuchBucket"), Status::Code::kNotFound,
       "bucket bucket does not exist on 127.0.0.1: create it first"},
      {FakeS3Transport::Error(400, "AuthorizationHeaderMalformed"), Status::Code::kInvalidArgument,
       "set the region"},
  };
  for (const Case& c : cases) {
    FakeBackend f;
    ASSERT_NE(f.backend, nullptr);
    f.state->faults = {c.response};
    Status s = f.backend->Get(FileHandle{FileKind::kKey, "k"}).status();
    EXPECT_EQ(s.code(), c.code) << s.ToString();
    EXPECT_NE(s.message().find(c.says), std::string::npos) << s.ToString();
  }
}

TEST(S3BackendTest, OpenChecksTheBucket) {
  auto state = std::make_shared<FakeS3Transport::State>();
  state->faults = {FakeS3Transport::Error(404, "NoSuchBucket")};
  auto b = S3Backend::Open(FakeS3Options(), std::make_unique<FakeS3Transport>(state));
  EXPECT_TRUE(b.status().IsNotFound()) << b.status().ToString();
  S3Options no_creds = FakeS3Options();
  no_creds.credentials = {};
  b = S3Backend::Open(no_creds, std::make_unique<FakeS3Transport>(state));
  EXPECT_TRUE(b.status().IsPermissionDenied()) << b.status().ToString();
  EXPECT_NE(b.status().message().find("AWS_PROFILE"), std::string::npos);
}

TEST(S3BackendTest, ConditionalPutProbe) {
  FakeBackend with;
  ASSERT_NE(with.backend, nullptr);
  EXPECT_TRUE(*with.backend->ConditionalPutSupported());
  FakeBackend without;
  without.state->conditional_put = false;
  ASSERT_NE(without.backend, nullptr);
  EXPECT_FALSE(*without.backend->ConditionalPutSupported());
  EXPECT_TRUE(without.state->objects.empty()) << "the probe cleans up";
  // Claims leave nothing behind either.
  ASSERT_TRUE(without.backend->Put(FileHandle{FileKind::kLock, "l"}, "x").ok());
  EXPECT_TRUE(without.backend->Put(FileHandle{FileKind::kLock, "l"}, "y").IsAlreadyExists());
  EXPECT_EQ(without.state->objects.size(), 1u);
  EXPECT_EQ(without.state->objects.begin()->first, "locks/l");
}

// A conditional put whose first answer was lost, though it was stored: the
// retry gets 412, and the object is ours, so the put succeeded.
TEST(S3BackendTest, ConditionalPutRetriedAfterLostAnswer) {
  FakeBackend f;
  ASSERT_NE(f.backend, nullptr);
  ASSERT_TRUE(*f.backend->ConditionalPutSupported());
  const FileHandle h{FileKind::kLedger, "0007"};
  f.state->objects["ledger/0007"] = "entry";  // stored, but the answer was lost:
  f.state->faults = {Reset()};
  EXPECT_TRUE(f.backend->Put(h, "entry").ok());
  f.state->faults = {Reset()};
  EXPECT_TRUE(f.backend->Put(h, "other entry").IsAlreadyExists());
}

TEST(S3BackendTest, StaleClaimsOfDeadWritersAreIgnored) {
  FakeBackend f;
  f.state->conditional_put = false;
  ASSERT_NE(f.backend, nullptr);
  f.state->objects["claims/locks/l/0000000000000001-dead"] = "";  // from 1970
  ASSERT_TRUE(f.backend->Put(FileHandle{FileKind::kLock, "l"}, "x").ok());
  EXPECT_EQ(f.state->objects.count("claims/locks/l/0000000000000001-dead"), 0u);
}

TEST(S3BackendTest, PrefixKeepsRepositoriesApart) {
  S3Options o = FakeS3Options();
  o.prefix = "team/repo1";
  FakeBackend f(o);
  ASSERT_NE(f.backend, nullptr);
  ASSERT_TRUE(f.backend->Put(FileHandle{FileKind::kPack, "abcdef"}, "p").ok());
  ASSERT_TRUE(f.backend->Put(FileHandle{FileKind::kConfig, ""}, "c").ok());
  f.state->objects["team/repo10/keys/k"] = "another repository";
  f.state->objects["team/repo1/data/ab/.tmp-x"] = "not a pack";
  f.state->objects["team/repo1/data/cd/abcd"] = "in the wrong folder";
  EXPECT_EQ(f.state->objects.count("team/repo1/data/ab/abcdef"), 1u);
  EXPECT_EQ(f.state->objects.count("team/repo1/config"), 1u);
  std::vector<std::string> packs, keys;
  ASSERT_TRUE(f.backend
                  ->List(FileKind::kPack,
                         [&](const FileInfo& i) {
                           packs.push_back(i.handle.name);
                           return Status::OK();
                         })
                  .ok());
  ASSERT_TRUE(f.backend
                  ->List(FileKind::kKey,
                         [&](const FileInfo& i) {
                           keys.push_back(i.handle.name);
                           return Status::OK();
                         })
                  .ok());
  EXPECT_EQ(packs, std::vector<std::string>{"abcdef"});
  EXPECT_TRUE(keys.empty());
  EXPECT_EQ(f.backend->Location(), "s3:http://127.0.0.1:1/bucket/team/repo1");
}

// A pack read piece by piece is fetched whole at the second read, then
// served from memory.
TEST(S3BackendTest, PackReadPieceByPieceIsFetchedOnce) {
  FakeBackend f;
  ASSERT_NE(f.backend, nullptr);
  std::string data(100000, 'p');
  for (size_t i = 0; i < data.size(); ++i) data[i] = static_cast<char>(i * 7);
  const FileHandle h{FileKind::kPack, "abcdef"};
  ASSERT_TRUE(f.backend->Put(h, data, PutMode::kOverwrite).ok());
  const uint64_t before = f.backend->requests();
  for (uint64_t off = 0; off < data.size(); off += 1000) {
    Result<std::string> r = f.backend->Get(h, off, 1000);
    ASSERT_TRUE(r.ok()) << r.status().ToString();
    ASSERT_TRUE(*r == data.substr(off, 1000)) << off;
  }
  EXPECT_EQ(f.backend->requests() - before, 2u);  // one ranged read, then the whole pack
  EXPECT_TRUE(f.backend->Get(h, data.size() + 1, 1).status().IsInvalidArgument());
  EXPECT_EQ(*f.backend->Get(h, data.size(), 5), "");
}

TEST(S3LocationTest, Parses) {
  S3Options o;
  ASSERT_TRUE(ParseS3Location("s3:https://s3.example.com/my-bucket/a/b/", false, &o).ok());
  EXPECT_EQ(o.scheme, "https");
  EXPECT_EQ(o.host, "s3.example.com");
  EXPECT_EQ(o.port, 443);
  EXPECT_FALSE(o.port_given);
  EXPECT_EQ(o.bucket, "my-bucket");
  EXPECT_EQ(o.prefix, "a/b");
  EXPECT_FALSE(o.virtual_hosted);
  ASSERT_TRUE(ParseS3Location("s3:https://s3.eu-west-1.amazonaws.com:8443/b12", false, &o).ok());
  EXPECT_EQ(o.port, 8443);
  EXPECT_TRUE(o.port_given);
  EXPECT_EQ(o.prefix, "");
  EXPECT_TRUE(o.virtual_hosted);
  EXPECT_TRUE(ParseS3Location("s3:http://127.0.0.1:9000/bkt", false, &o).ok());
  EXPECT_TRUE(ParseS3Location("s3:http://localhost:9000/bkt", false, &o).ok());
  EXPECT_TRUE(ParseS3Location("s3:http://[::1]:9000/bkt", false, &o).ok());
  EXPECT_EQ(o.host, "[::1]");
}

TEST(S3LocationTest, RefusesPlainHttpOffLoopbackAndBadLocations) {
  S3Options o;
  Status s = ParseS3Location("s3:http://s3.example.com/bkt", false, &o);
  EXPECT_TRUE(s.IsInvalidArgument());
  EXPECT_NE(s.message().find("--s3-allow-http"), std::string::npos) << s.ToString();
  EXPECT_TRUE(ParseS3Location("s3:http://s3.example.com/bkt", true, &o).ok());
  for (const char* bad : {"s3:ftp://h/bkt", "s3:https://h", "s3:https://h/", "s3:https://h:0/bkt",
                          "s3:https://h:x/bkt", "s3:https://h/B_UPPER", "s3:https://h/bkt/../x",
                          "s3:https:///bkt", "s3://bkt"}) {
    EXPECT_TRUE(ParseS3Location(bad, false, &o).IsInvalidArgument()) << bad;
  }
}

TEST(S3XmlTest, TextAndEach) {
  const std::string xml =
      "<R><Contents><Key>a&amp;b</Key><Size>3</Size></Contents><Contents><Key>c&#47;d</Key>"
      "</Contents><IsTruncated>false</IsTruncated><Empty/></R>";
  std::vector<std::string> keys;
  XmlEach(xml, "Contents", [&](std::string_view in) { keys.push_back(XmlText(in, "Key")); });
  EXPECT_EQ(keys, (std::vector<std::string>{"a&b", "c/d"}));
  EXPECT_EQ(XmlText(xml, "IsTruncated"), "false");
  EXPECT_EQ(XmlText(xml, "Missing"), "");
}

// On the real server, which verifies signatures: a wrong secret and a
// missing bucket fail at open with what to do.
TEST(S3rverTest, WrongSecretAndMissingBucket) {
  S3TestServer* server = S3TestServer::Shared();
  ASSERT_NE(server, nullptr);
  S3Options o = server->Options(FreshS3Prefix());
  o.credentials.secret_access_key = "not-the-secret";
  o.credential_source = "profile 'ci' of ~/.aws/credentials";
  auto b = S3Backend::Open(o);
  ASSERT_TRUE(b.status().IsPermissionDenied()) << b.status().ToString();
  EXPECT_NE(b.status().message().find("secret access key is wrong; check the secret from "
                                      "profile 'ci' of ~/.aws/credentials"),
            std::string::npos)
      << b.status().ToString();
  EXPECT_EQ(b.status().message().find("not-the-secret"), std::string::npos);
  S3Options nb = server->Options("");
  nb.bucket = "no-such-bucket";
  b = S3Backend::Open(nb);
  EXPECT_TRUE(b.status().IsNotFound()) << b.status().ToString();
  EXPECT_NE(b.status().message().find("bucket no-such-bucket does not exist"), std::string::npos)
      << b.status().ToString();
}

TEST(S3rverTest, ServerIgnoresIfNoneMatchSoClaimsAreUsed) {
  S3TestServer* server = S3TestServer::Shared();
  ASSERT_NE(server, nullptr);
  auto b = S3Backend::Open(server->Options(FreshS3Prefix()));
  ASSERT_TRUE(b.ok()) << b.status().ToString();
  Result<bool> cond = (*b)->ConditionalPutSupported();
  ASSERT_TRUE(cond.ok()) << cond.status().ToString();
  EXPECT_FALSE(*cond);
}

}  // namespace
}  // namespace tidemark
