// The files: connector's live target (rollback writes): lookups, one-file
// commits, refusals, and the write path under injected failures.
#include <gtest/gtest.h>

#include <filesystem>

#include "base/json_parse.h"
#include "sources/files/files_connector.h"
#include "sources/files/files_folder.h"
#include "sources/files/files_json.h"
#include "sources/files/files_testlib.h"

namespace tidemark::files {
namespace {

class FilesLiveTest : public ::testing::Test {
 protected:
  void SetUp() override {
    CopyNodeRedFixture(dir());
    Result<FolderState> st = ReadFolder(dir());
    ASSERT_TRUE(st.ok());
    state_ = std::move(*st);
  }
  std::string dir() const { return scratch_.path() + "/ud"; }
  const TableSchema& Table(const std::string& name) { return state_.Find(name)->schema; }
  SourceRow Row(const std::string& table, const Value& key) {
    return state_.Find(table)->rows.at(KeyBytes({key}));
  }
  std::unique_ptr<LiveTarget> Begin() {
    auto live = NewFilesConnector()->OpenLive(dir());
    EXPECT_TRUE(live.ok()) << live.status().ToString();
    int64_t waited = -1;
    Status s = (*live)->BeginWrite(1000, &waited);
    EXPECT_TRUE(s.ok()) << s.ToString();
    EXPECT_GE(waited, 0);
    return std::move(*live);
  }
  // n2 with another url, and the doc as flows.json would hold it.
  SourceRow ChangedN2() {
    SourceRow r = Row("flows", Value::Text("n2"));
    std::string doc = r.record[6].bytes();
    doc.replace(doc.find("https://shop.example/api/orders"), 31, "https://evil.example/");
    r.record[6] = Value::FromPayload(ValueType::kJson, doc);
    return r;
  }
  ScratchDir scratch_;
  FolderState state_;
};

TEST_F(FilesLiveTest, CommitWritesTheChangedFileWhole) {
  const std::string before = ReadBytes(dir() + "/flows.json");
  auto live = Begin();
  EXPECT_TRUE(live->capabilities().atomic_transaction);
  EXPECT_FALSE(live->capabilities().suspendable_triggers);
  const SourceRow n2 = Row("flows", Value::Text("n2"));
  ASSERT_TRUE(live->Update(Table("flows"), n2, ChangedN2()).ok());
  for (const char* id : {"a1", "a2", "a3"}) {
    ASSERT_TRUE(live->Delete(Table("flows"), Row("flows", Value::Text(id))).ok());
  }
  // Lookups see the transaction's own writes.
  SourceRow got;
  EXPECT_FALSE(*live->lookup()->Get(Table("flows"), {Value::Text("a1")}, &got));
  EXPECT_FALSE(*live->lookup()->AnyWhere(Table("flows"), {"z"}, {Value::Text("t2")}));
  int children = 0;
  ASSERT_TRUE(live->lookup()
                  ->ForEachWhere(Table("flows"), {"z"}, {Value::Text("t1")},
                                 [&](const SourceRow&) { return children++, Status::OK(); })
                  .ok());
  EXPECT_EQ(children, 5);
  EXPECT_EQ(ReadBytes(dir() + "/flows.json"), before);  // nothing written before Commit
  ASSERT_TRUE(live->Commit().ok());
  const std::string after = ReadBytes(dir() + "/flows.json");
  EXPECT_NE(after.find("\"url\": \"https://evil.example/\""), std::string::npos);
  EXPECT_EQ(after.find("\"id\": \"a1\""), std::string::npos);
  Result<JsonValue> v = ParseJson(after);
  ASSERT_TRUE(v.ok());
  EXPECT_EQ(v->array().size(), 8u);
  EXPECT_EQ(after.substr(0, 10), "[\n    {\n  ");  // Node-RED's formatting kept
}

TEST_F(FilesLiveTest, InsertRecreatesARemovedFileAndDeleteRemovesOne) {
  const std::string settings = ReadBytes(dir() + "/settings.js");
  std::filesystem::remove(dir() + "/settings.js");
  auto live = Begin();
  SourceRow row = Row("settings.js", Value::Text("settings.js"));
  ASSERT_TRUE(live->Insert(Table("settings.js"), row).ok());
  ASSERT_TRUE(live->Commit().ok());
  EXPECT_EQ(ReadBytes(dir() + "/settings.js"), settings);
  live = Begin();
  ASSERT_TRUE(
      live->Delete(Table("context"), Row("context", Value::Text("global/global.json"))).ok());
  ASSERT_TRUE(live->Commit().ok());
  EXPECT_FALSE(std::filesystem::exists(dir() + "/context/global/global.json"));
}

TEST_F(FilesLiveTest, RefusesToChangeTwoFilesOrAFileTheAppChanged) {
  const std::string before = ReadBytes(dir() + "/flows.json");
  auto live = Begin();
  ASSERT_TRUE(live->Update(Table("flows"), Row("flows", Value::Text("n2")), ChangedN2()).ok());
  SourceRow cred = Row("flows_cred.json", Value::Text("flows_cred.json"));
  SourceRow other = cred;
  other.record[1] = Value::Blob("{}");
  ASSERT_TRUE(live->Update(Table("flows_cred.json"), cred, other).ok());
  Status s = live->Commit();
  ASSERT_TRUE(s.IsRefused()) << s.ToString();
  EXPECT_NE(s.message().find("would change 2 files (flows.json, flows_cred.json)"),
            std::string::npos)
      << s.message();
  EXPECT_EQ(ReadBytes(dir() + "/flows.json"), before);

  live = Begin();
  ASSERT_TRUE(live->Update(Table("flows"), Row("flows", Value::Text("n2")), ChangedN2()).ok());
  WriteBytes(dir() + "/flows.json", before + " ");  // the app saves meanwhile
  s = live->Commit();
  ASSERT_TRUE(s.IsRefused()) << s.ToString();
  EXPECT_NE(s.message().find("flows.json changed while the rollback ran"), std::string::npos);
  EXPECT_EQ(ReadBytes(dir() + "/flows.json"), before + " ");
}

TEST_F(FilesLiveTest, RefusesARowThatDoesNotFitItsDocument) {
  auto live = Begin();
  SourceRow bad = Row("flows", Value::Text("n2"));
  bad.record[6] = Value::FromPayload(ValueType::kJson, R"({"id":"other"})");
  Status s = live->Update(Table("flows"), Row("flows", Value::Text("n2")), bad);
  ASSERT_TRUE(s.IsRefused()) << s.ToString();
  EXPECT_NE(s.message().find("doc's \"id\" is not the row's key"), std::string::npos);
  SourceRow escape = Row("context", Value::Text("global/global.json"));
  escape.key = {Value::Text("../../etc/x")};
  escape.record[0] = escape.key[0];
  EXPECT_TRUE(live->Insert(Table("context"), escape).IsRefused());
  EXPECT_TRUE(live->Rollback().ok());
}

TEST_F(FilesLiveTest, SecondWriterWaitsThenIsRefused) {
  auto first = Begin();
  auto second = NewFilesConnector()->OpenLive(dir());
  ASSERT_TRUE(second.ok());
  int64_t waited = 0;
  Status s = (*second)->BeginWrite(30, &waited);
  ASSERT_TRUE(s.IsRefused()) << s.ToString();
  EXPECT_NE(s.message().find("another tidemark is writing"), std::string::npos);
  ASSERT_TRUE(first->Rollback().ok());
  EXPECT_TRUE((*second)->BeginWrite(30, &waited).ok());
}

// Every write step in turn fails: flows.json is then the old file or the
// new one, never a part, and no temp file is left behind.
TEST_F(FilesLiveTest, AFailedWriteStepLeavesTheOldFileOrTheNew) {
  const std::string before = ReadBytes(dir() + "/flows.json");
  std::string want;
  for (int n = 1;; n++) {
    ASSERT_LT(n, 50);
    auto live = Begin();
    ASSERT_TRUE(live->Update(Table("flows"), Row("flows", Value::Text("n2")), ChangedN2()).ok());
    SetWriteFaultForTesting(n);
    Status s = live->Commit();
    const int steps = SetWriteFaultForTesting(0);
    const std::string now = ReadBytes(dir() + "/flows.json");
    for (const auto& e : std::filesystem::directory_iterator(dir())) {
      EXPECT_FALSE(IsStagingName(e.path().filename().string())) << e.path() << " step " << n;
    }
    if (s.ok()) {
      EXPECT_LT(steps, n);  // no step failed
      EXPECT_NE(now, before);
      break;
    }
    EXPECT_NE(s.message().find("injected failure"), std::string::npos) << s.ToString();
    // A failure after the rename (the folder's fsync) leaves the new file.
    if (now != before) {
      EXPECT_NE(now.find("https://evil.example/"), std::string::npos) << "step " << n;
      WriteBytes(dir() + "/flows.json", before);
    }
  }
}

}  // namespace
}  // namespace tidemark::files
