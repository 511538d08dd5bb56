// MaskSecrets (snapshot/record_diff.h).
#include <gtest/gtest.h>

#include "snapshot/record_diff.h"

namespace tidemark {
namespace {

TEST(MaskSecretsTest, MasksMarkedColumnsButNotNulls) {
  TableSchema t;
  t.name = "nc_api_tokens";
  for (const char* c : {"id", "token", "description"})
    t.columns.push_back({c, "", "", "", false, 0, 0});
  SchemaAnnotations notes;
  notes.tables = {{"", "nc_api_tokens", TableRole::kMetadata, "", {{"token", "", true}}}};
  Record r = {Value::Integer(1), Value::Text("A6ows"), Value::Text("ci")};
  EXPECT_EQ(MaskSecrets(notes, t, &r), 1u);
  EXPECT_EQ(r[1], Value::Text(kMaskedSecret));
  EXPECT_EQ(r[2], Value::Text("ci"));
  Record unset = {Value::Integer(2), Value::Null(), Value::Text("x")};
  EXPECT_EQ(MaskSecrets(notes, t, &unset), 0u);
  EXPECT_TRUE(unset[1].is_null());
  Record plain = {Value::Integer(1), Value::Text("A6ows"), Value::Text("ci")};
  EXPECT_EQ(MaskSecrets(SchemaAnnotations{}, t, &plain), 0u);  // no annotations: as before
  EXPECT_EQ(plain[1], Value::Text("A6ows"));
}

}  // namespace
}  // namespace tidemark
