#include "snapshot/manifest.h"

#include <gtest/gtest.h>

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
  const std::string bytes = EncodeManifest(Sample());
  ASSERT_FALSE(bytes.empty());
  EXPECT_EQ(bytes[0], 1);
}

TEST(ManifestTest, AnomaliesRoundTripAsVersion2) {
  Manifest m = Sample();
  m.anomalies.push_back({"deleted", "customers", "", 100, 500, "customers: 100 of 500"});
  m.anomalies.push_back({"nulled", "orders", "total", 9, 10, "orders.total"});
  const std::string bytes = EncodeManifest(m);
  EXPECT_EQ(bytes[0], 2);
  auto back = DecodeManifest(bytes, "m");
  ASSERT_TRUE(back.ok()) << back.status().ToString();
  EXPECT_EQ(back->anomalies, m.anomalies);
  EXPECT_EQ(EncodeManifest(*back), bytes);
}

TEST(ManifestTest, TheLimitRoundTripsAndOneMoreIsRefused) {
  Manifest m = Sample();
  m.anomalies.assign(kMaxManifestAnomalies, Anomaly{"dropped", "t", "", 1, 1, "view v dropped"});
  auto back = DecodeManifest(EncodeManifest(m), "m");
  ASSERT_TRUE(back.ok()) << back.status().ToString();
  EXPECT_EQ(back->anomalies.size(), kMaxManifestAnomalies);
  // The backup caps the list (ops/backup.cc); a manifest past the cap is
  // refused by the decoder, naming the field.
  m.anomalies.push_back(m.anomalies.back());
  auto over = DecodeManifest(EncodeManifest(m), "m");
  ASSERT_TRUE(over.status().IsCorruption());
  EXPECT_NE(over.status().message().find("anomaly_count"), std::string::npos);
}

}  // namespace
}  // namespace tidemark
