#include "snapshot/manifest.h"

#include <gtest/gtest.h>

#include <functional>
#include <vector>

namespace tidemark {
namespace {

Manifest Sample() {
  Manifest m;
  m.source = "crm";
  m.source_uri = "sqlite:/srv/crm.db";
  m.time_us = 1'700'000'000'000'000;
  m.labels = {{"domain", "sales"}, {"owner", "ops"}};
  return m;
}

TEST(ManifestTest, WithoutAnomaliesStaysVersion1) {
  const std::string bytes = *EncodeManifest(Sample());
  ASSERT_FALSE(bytes.empty());
  EXPECT_EQ(bytes[0], 1);
}

TEST(ManifestTest, AnomaliesRoundTripAsVersion2) {
  Manifest m = Sample();
  m.anomalies.push_back({"deleted", "customers", "", 100, 500, "customers: 100 of 500"});
  m.anomalies.push_back({"nulled", "orders", "total", 9, 10, "orders.total"});
  const std::string bytes = *EncodeManifest(m);
  EXPECT_EQ(bytes[0], 2);
  auto back = DecodeManifest(bytes, "m");
  ASSERT_TRUE(back.ok()) << back.status().ToString();
  EXPECT_EQ(back->anomalies, m.anomalies);
  EXPECT_EQ(*EncodeManifest(*back), bytes);
}

// Version 3: the schema's annotations; the anomaly list may be empty. A
// manifest without annotations keeps its version 1 or 2 bytes.
TEST(ManifestTest, AnnotationsRoundTripAsVersion3) {
  Manifest m = Sample();
  const std::string v1 = *EncodeManifest(m);
  m.objects.annotations.profile = "generic";  // a profile with nothing to say
  EXPECT_EQ(*EncodeManifest(m), v1);
  m.objects.annotations.tables = {{"", "nc_views", TableRole::kMetadata, "", {}}};
  m.objects.annotations.relations = {{"orders", "customer_ref", "customers", "id"}};
  const std::string bytes = *EncodeManifest(m);
  EXPECT_EQ(bytes[0], 3);
  // Version 1's bytes, an empty anomaly list, then the annotations.
  EXPECT_EQ(bytes.substr(1, v1.size() - 1), v1.substr(1));
  EXPECT_EQ(bytes[v1.size()], 0);
  auto back = DecodeManifest(bytes, "m");
  ASSERT_TRUE(back.ok()) << back.status().ToString();
  EXPECT_EQ(back->objects.annotations, m.objects.annotations);
  EXPECT_EQ(back->FullSchema().annotations, m.objects.annotations);
  EXPECT_EQ(RelationsOf(back->FullSchema()).size(), 1u);
  EXPECT_EQ(*EncodeManifest(*back), bytes);
  m.anomalies.push_back({"deleted", "customers", "", 100, 500, "customers: 100 of 500"});
  const std::string with = *EncodeManifest(m);
  EXPECT_EQ(with[0], 3);
  back = DecodeManifest(with, "m");
  ASSERT_TRUE(back.ok()) << back.status().ToString();
  EXPECT_EQ(back->anomalies, m.anomalies);
  EXPECT_EQ(back->objects.annotations, m.objects.annotations);
  for (size_t cut = v1.size(); cut < with.size(); cut++) {
    EXPECT_FALSE(DecodeManifest(with.substr(0, cut), "m").ok()) << cut;
  }
}

TEST(ManifestTest, Version3RefusesEmptyAnnotations) {
  // Version 3 with an empty anomaly list and annotations that say nothing.
  const std::string v1 = *EncodeManifest(Sample());
  std::string empty;
  EncodeAnnotations(SchemaAnnotations{"generic", {}, {}}, &empty);
  std::string v3 = "\x03" + v1.substr(1) + std::string(1, '\0');
  v3 += static_cast<char>(empty.size());
  v3 += empty;
  auto m = DecodeManifest(v3, "snapshot abcd");
  ASSERT_TRUE(m.status().IsCorruption()) << m.status().ToString();
  EXPECT_NE(m.status().message().find("annotations"), std::string::npos);
  // An old manifest reads as "no annotations".
  auto old = DecodeManifest(v1, "m");
  ASSERT_TRUE(old.ok());
  EXPECT_TRUE(old->objects.annotations.empty());
  // The encoder refuses what the decoder would refuse.
  Manifest bad = Sample();
  bad.objects.annotations.profile = std::string(300, 'p');
  bad.objects.annotations.relations = {{"a", "b", "c", "d"}};
  EXPECT_TRUE(EncodeManifest(bad).status().IsInvalidArgument());
}

TEST(ManifestTest, TheLimitRoundTripsAndOneMoreIsRefused) {
  Manifest m = Sample();
  m.anomalies.assign(kMaxManifestAnomalies, Anomaly{"dropped", "t", "", 1, 1, "view v dropped"});
  auto back = DecodeManifest(*EncodeManifest(m), "m");
  ASSERT_TRUE(back.ok()) << back.status().ToString();
  EXPECT_EQ(back->anomalies.size(), kMaxManifestAnomalies);
  // The backup caps the list (ops/backup.cc); a manifest past the cap is
  // refused by the decoder, naming the field.
  m.anomalies.push_back(m.anomalies.back());
  EXPECT_TRUE(EncodeManifest(m).status().IsInvalidArgument());
  auto over = DecodeManifest(EncodeManifestUnchecked(m), "m");
  ASSERT_TRUE(over.status().IsCorruption());
  EXPECT_NE(over.status().message().find("anomaly_count"), std::string::npos);
}

// Every field at its limit round-trips; one byte (or item) past any limit is
// refused by the encoder, naming the field, and by the decoder.
struct Edit {
  const char* field;
  std::function<void(Manifest*, size_t extra)> apply;
};

std::vector<Edit> Edits() {
  auto text = [](size_t extra) { return std::string(kMaxManifestText + extra, 'x'); };
  return {
      {"source", [=](Manifest* m, size_t e) { m->source = text(e); }},
      {"source_uri", [=](Manifest* m, size_t e) { m->source_uri = text(e); }},
      {"tool_version", [=](Manifest* m, size_t e) { m->tool_version = text(e); }},
      {"host", [=](Manifest* m, size_t e) { m->host = text(e); }},
      {"actor", [=](Manifest* m, size_t e) { m->actor = text(e); }},
      {"tag", [=](Manifest* m, size_t e) { m->tags = {text(e)}; }},
      {"tag_count", [](Manifest* m, size_t e) { m->tags.assign(kMaxManifestTags + e, "t"); }},
      {"label.name",
       [=](Manifest* m, size_t e) {
         m->labels = {{text(e), "v"}};
       }},
      {"label env",
       [=](Manifest* m, size_t e) {
         m->labels = {{"env", text(e)}};
       }},
      {"label_count",
       [](Manifest* m, size_t e) {
         m->labels.assign(kMaxManifestTags + e, {"k", "v"});
       }},
      {"anomaly.kind",
       [](Manifest* m, size_t e) {
         m->anomalies = {Anomaly{std::string(64 + e, 'k'), "t", "", 1, 1, "d"}};
       }},
      {"anomaly.table",
       [=](Manifest* m, size_t e) {
         m->anomalies = {Anomaly{"k", text(e), "", 1, 1, "d"}};
       }},
      {"anomaly.column",
       [=](Manifest* m, size_t e) {
         m->anomalies = {Anomaly{"k", "t", text(e), 1, 1, "d"}};
       }},
      {"anomaly.detail",
       [](Manifest* m, size_t e) {
         m->anomalies = {Anomaly{"k", "t", "", 1, 1, std::string(4096 + e, 'd')}};
       }},
  };
}

TEST(ManifestTest, EveryLimitRoundTripsAndOnePastIsRefusedByTheEncoder) {
  for (const Edit& edit : Edits()) {
    SCOPED_TRACE(edit.field);
    Manifest at = Sample();
    edit.apply(&at, 0);
    auto bytes = EncodeManifest(at);
    ASSERT_TRUE(bytes.ok()) << bytes.status().ToString();
    auto back = DecodeManifest(*bytes, "m");
    ASSERT_TRUE(back.ok()) << back.status().ToString();
    EXPECT_EQ(*EncodeManifest(*back), *bytes);

    Manifest past = Sample();
    edit.apply(&past, 1);
    auto refused = EncodeManifest(past);
    ASSERT_TRUE(refused.status().IsInvalidArgument());
    EXPECT_NE(refused.status().message().find(edit.field), std::string::npos)
        << refused.status().message();
    EXPECT_FALSE(DecodeManifest(EncodeManifestUnchecked(past), "m").ok());
  }
}

}  // namespace
}  // namespace tidemark
