// The files: connector's read side, documents, restore and probe
// (sources/files/), on the Node-RED fixture (tests/fixtures/node-red).
#include <gtest/gtest.h>

#include <filesystem>

#include "base/json_parse.h"
#include "records/schema.h"
#include "sources/files/files_connector.h"
#include "sources/files/files_folder.h"
#include "sources/files/files_json.h"
#include "sources/files/files_testlib.h"
#include "sources/probe.h"

namespace tidemark::files {
namespace {

std::vector<std::string> TableNames(const SourceSchema& s) {
  std::vector<std::string> out;
  for (const TableSchema& t : s.tables) out.push_back(t.name);
  return out;
}

class FilesTest : public ::testing::Test {
 protected:
  void SetUp() override { CopyNodeRedFixture(dir()); }
  std::string dir() const { return scratch_.path() + "/ud"; }
  ScratchDir scratch_;
};

TEST_F(FilesTest, NodeRedUserdirReadsAsTables) {
  Result<FolderState> st = ReadFolder(dir());
  ASSERT_TRUE(st.ok()) << st.status().ToString();
  EXPECT_EQ(TableNames(st->schema), (std::vector<std::string>{".sessions.json", "context", "flows",
                                                              "flows_cred.json", "settings.js"}));
  const Document* flows = st->Find("flows");
  ASSERT_NE(flows, nullptr);
  EXPECT_EQ(flows->format.kind, DocKind::kJsonArray);
  EXPECT_EQ(flows->format.indent, 4);
  EXPECT_EQ(flows->schema.sql, "files json-array indent=4 newline=0 path=flows.json");
  EXPECT_EQ(flows->rows.size(), 11u);
  const SourceRow& n2 = flows->rows.at(KeyBytes({Value::Text("n2")}));
  EXPECT_EQ(n2.record[1], Value::Text("n1"));  // after
  EXPECT_EQ(n2.record[2], Value::Text("http request"));
  EXPECT_EQ(n2.record[3], Value::Text("t1"));  // z: its tab
  EXPECT_EQ(n2.record[5].type(), ValueType::kJson);
  EXPECT_EQ(n2.record[5].bytes(), R"([["n3","n4"]])");
  const SourceRow& t1 = flows->rows.at(KeyBytes({Value::Text("t1")}));
  EXPECT_TRUE(t1.record[1].is_null());                                             // first
  EXPECT_EQ(t1.record[4], Value::Text("Orders"));                                  // a tab's label
  EXPECT_TRUE(flows->rows.at(KeyBytes({Value::Text("b1")})).record[3].is_null());  // a config node
  const Document* ctx = st->Find("context");
  ASSERT_NE(ctx, nullptr);
  EXPECT_EQ(ctx->format.kind, DocKind::kFolder);
  ASSERT_EQ(ctx->rows.size(), 1u);
  EXPECT_EQ(ctx->rows.begin()->second.record[0], Value::Text("global/global.json"));
  EXPECT_EQ(ctx->rows.begin()->second.record[1].type(), ValueType::kBlob);
  const Document* cred = st->Find("flows_cred.json");
  ASSERT_NE(cred, nullptr);
  EXPECT_EQ(cred->format.kind, DocKind::kFile);
  EXPECT_EQ(cred->rows.begin()->second.record[1].bytes(), ReadBytes(dir() + "/flows_cred.json"));
}

TEST_F(FilesTest, JsonArrayWritesBackByteForByte) {
  Result<FolderState> st = ReadFolder(dir());
  ASSERT_TRUE(st.ok());
  Result<std::string> bytes = WriteStructured(*st->Find("flows"));
  ASSERT_TRUE(bytes.ok()) << bytes.status().ToString();
  EXPECT_EQ(*bytes, ReadBytes(dir() + "/flows.json"));
  // Compact, with a final newline and escapes as JSON.stringify writes them.
  const std::string compact =
      "[{\"id\":\"a\",\"s\":\"tab\\there \\u0001 \\\"q\\\" é\",\"n\":1.50},"
      "{\"id\":\"b\",\"e\":[],\"o\":{}}]\n";
  WriteBytes(dir() + "/list.json", compact);
  st = ReadFolder(dir());
  ASSERT_TRUE(st.ok());
  ASSERT_EQ(st->Find("list")->format.kind, DocKind::kJsonArray);
  EXPECT_EQ(*WriteStructured(*st->Find("list")), compact);
}

TEST_F(FilesTest, OrderFollowsTheAfterChain) {
  Result<FolderState> st = ReadFolder(dir());
  ASSERT_TRUE(st.ok());
  Document flows = *st->Find("flows");
  // Remove a2: a3 now follows a missing id and starts a run of its own,
  // after the chain from the first object.
  flows.rows.erase(KeyBytes({Value::Text("a2")}));
  Result<std::string> bytes = WriteStructured(flows);
  ASSERT_TRUE(bytes.ok());
  Result<JsonValue> v = ParseJson(*bytes);
  ASSERT_TRUE(v.ok());
  std::vector<std::string> ids;
  for (const JsonValue& e : v->array()) ids.push_back(e.Find("id")->string_value());
  EXPECT_EQ(ids,
            (std::vector<std::string>{"t1", "t2", "n1", "n2", "n3", "n4", "n5", "a1", "a3", "b1"}));
}

TEST_F(FilesTest, WhatIsNotAListOfRecordsIsKeptAsAFile) {
  WriteBytes(dir() + "/dups.json", R"([{"id":"a"},{"id":"a"}])");
  WriteBytes(dir() + "/broken.json", "[{\"id\":");
  WriteBytes(dir() + "/empty.json", "[]");
  WriteBytes(dir() + "/data.csv", "id,name\n1,\"Smith, J\"\n2,\"say \"\"hi\"\"\"\n");
  WriteBytes(dir() + "/odd.csv", "id,name\n1, \"x\"\n");  // would not write back the same
  WriteBytes(dir() + "/events.ndjson", "{\"a\": 1}\n{\"b\":[2]}\n");
  Result<FolderState> st = ReadFolder(dir());
  ASSERT_TRUE(st.ok());
  EXPECT_EQ(st->Find("dups.json")->format.kind, DocKind::kFile);
  EXPECT_EQ(st->Find("broken.json")->format.kind, DocKind::kFile);
  EXPECT_EQ(st->Find("odd.csv")->format.kind, DocKind::kFile);
  const Document* empty = st->Find("empty");  // flows.json once every flow is deleted
  ASSERT_NE(empty, nullptr);
  EXPECT_EQ(empty->format.kind, DocKind::kJsonArray);
  EXPECT_TRUE(empty->rows.empty());
  EXPECT_EQ(*WriteStructured(*empty), "[]");
  const Document* csv = st->Find("data");
  ASSERT_NE(csv, nullptr);
  ASSERT_EQ(csv->format.kind, DocKind::kCsv);
  EXPECT_EQ(csv->schema.columns.size(), 3u);  // line, id, name
  EXPECT_EQ(csv->rows.begin()->second.record[2], Value::Text("Smith, J"));
  EXPECT_EQ(*WriteStructured(*csv), ReadBytes(dir() + "/data.csv"));
  const Document* nd = st->Find("events");
  ASSERT_NE(nd, nullptr);
  ASSERT_EQ(nd->format.kind, DocKind::kNdjson);
  EXPECT_EQ(nd->rows.begin()->second.record[1].bytes(), "{\"a\": 1}");  // as written
  EXPECT_EQ(*WriteStructured(*nd), ReadBytes(dir() + "/events.ndjson"));
  // The reader reports the JSON file that does not parse.
  auto reader = NewFilesConnector()->OpenReader(dir(), 0);
  ASSERT_TRUE(reader.ok());
  auto problems = (*reader)->IntegrityProblems();
  ASSERT_TRUE(problems.ok());
  ASSERT_EQ(problems->size(), 1u);
  EXPECT_NE((*problems)[0].find("broken.json: JSON: line 1"), std::string::npos) << (*problems)[0];
}

TEST_F(FilesTest, ReadRetriesAFileThatChangesAndRefusesOneThatNeverSettles) {
  int calls = 0;
  FileStamp stamp;
  const std::string path = dir() + "/settings.js";
  Result<std::string> got = ReadStable(path, &stamp, [&](const std::string& p, int attempt) {
    calls++;
    if (attempt == 1) WriteBytes(p, "module.exports = {}; // a longer file now\n");
  });
  ASSERT_TRUE(got.ok()) << got.status().ToString();
  EXPECT_EQ(*got, "module.exports = {}; // a longer file now\n");
  EXPECT_GE(calls, 2);
  int n = 0;
  got = ReadStable(path, &stamp, [&](const std::string& p, int) {
    WriteBytes(p, std::string(size_t(++n), 'x'));
  });
  ASSERT_TRUE(got.status().IsRefused());
  EXPECT_NE(got.status().message().find("kept changing while it was read (5 attempts)"),
            std::string::npos);
  EXPECT_EQ(n, kReadAttempts);
  EXPECT_TRUE(ReadFolder(dir() + "/none").status().IsNotFound());
}

TEST_F(FilesTest, RestoreWritesANewFolderInOneStep) {
  auto c = NewFilesConnector();
  auto reader = c->OpenReader(dir(), 0);
  ASSERT_TRUE(reader.ok());
  const SourceSchema& schema = (*reader)->schema();
  auto restore = [&](const std::string& to, bool replace) -> Status {
    RestoreTargetOptions o;
    o.replace = replace;
    TM_ASSIGN_OR_RETURN(auto target, c->CreateRestoreTarget(to, schema, o));
    for (const TableSchema& t : schema.tables) {
      TM_RETURN_IF_ERROR(target->BeginTable(t));
      TM_RETURN_IF_ERROR((*reader)->Scan(t, [&](const SourceRow& r) { return target->Insert(r); }));
      TM_RETURN_IF_ERROR(target->EndTable());
    }
    TM_RETURN_IF_ERROR(target->Finish());
    TM_ASSIGN_OR_RETURN(auto staged, target->OpenStaged());
    if (staged->schema().tables.size() != schema.tables.size()) return Status::Internal("staged");
    return target->Publish();
  };
  const std::string to = scratch_.path() + "/copy";
  ASSERT_TRUE(restore(to, false).ok());
  EXPECT_EQ(CompareTrees(dir(), to), "");
  EXPECT_TRUE(restore(to, false).IsAlreadyExists());
  WriteBytes(to + "/extra.txt", "left over");
  ASSERT_TRUE(restore(to, true).ok());  // replaced whole: extra.txt is gone
  EXPECT_EQ(CompareTrees(dir(), to), "");
  for (const auto& e : std::filesystem::directory_iterator(scratch_.path())) {
    EXPECT_FALSE(IsStagingName(e.path().filename().string())) << e.path();
  }
}

// Every write step of a restore fails in turn: the location then holds
// nothing or the whole copy, and no staging folder is left.
TEST_F(FilesTest, RestoreThatFailsLeavesNothingAtTheLocation) {
  auto c = NewFilesConnector();
  auto reader = c->OpenReader(dir(), 0);
  ASSERT_TRUE(reader.ok());
  const SourceSchema& schema = (*reader)->schema();
  const std::string to = scratch_.path() + "/copy";
  for (int n = 1;; n++) {
    ASSERT_LT(n, 200);
    SetWriteFaultForTesting(n);
    Status s = [&]() -> Status {
      TM_ASSIGN_OR_RETURN(auto target, c->CreateRestoreTarget(to, schema, {}));
      for (const TableSchema& t : schema.tables) {
        TM_RETURN_IF_ERROR(target->BeginTable(t));
        TM_RETURN_IF_ERROR(
            (*reader)->Scan(t, [&](const SourceRow& r) { return target->Insert(r); }));
        TM_RETURN_IF_ERROR(target->EndTable());
      }
      TM_RETURN_IF_ERROR(target->Finish());
      return target->Publish();
    }();
    SetWriteFaultForTesting(0);
    if (s.ok()) {
      EXPECT_EQ(CompareTrees(dir(), to), "");
      break;
    }
    EXPECT_NE(s.message().find("injected failure"), std::string::npos) << s.ToString();
    // Nothing, or (the folder's fsync after the rename failed) all of it.
    if (std::filesystem::exists(to)) {
      EXPECT_EQ(CompareTrees(dir(), to), "") << "step " << n;
      std::filesystem::remove_all(to);
    }
    for (const auto& e : std::filesystem::directory_iterator(scratch_.path())) {
      EXPECT_FALSE(IsStagingName(e.path().filename().string())) << e.path() << " step " << n;
    }
  }
}

TEST_F(FilesTest, ProbeChecksJsonAndFindsOrphans) {
  WriteBytes(dir() + "/context/global/global.json", "{\"half\": ");
  auto probe = NewFilesConnector()->OpenProbe(dir());
  ASSERT_TRUE(probe.ok());
  auto problems = (*probe)->IntegrityProblems(10);
  ASSERT_TRUE(problems.ok());
  ASSERT_EQ(problems->size(), 1u);
  EXPECT_EQ((*problems)[0].rfind("context/global/global.json: JSON:", 0), 0u) << (*problems)[0];
  auto objects = (*probe)->SchemaObjects();
  ASSERT_TRUE(objects.ok());
  EXPECT_EQ(objects->size(), 5u);
  auto orphans = (*probe)->FindOrphans(Relation{"flows", "z", "flows", "id"}, 10);
  ASSERT_TRUE(orphans.ok());
  EXPECT_TRUE(orphans->found.empty());
  auto dups = (*probe)->FindDuplicates("flows", {"z"}, 10);
  ASSERT_TRUE(dups.ok());
  ASSERT_EQ(dups->found.size(), 2u);  // the nodes of each tab
  EXPECT_EQ(dups->found[0].values, std::vector<std::string>{"t1"});
  EXPECT_EQ(dups->found[0].rows, 5u);
}

TEST_F(FilesTest, CanonicalIsAbsoluteAlsoForAFolderNotThereYet) {
  auto c = NewFilesConnector();
  EXPECT_EQ(c->scheme(), "files");
  EXPECT_EQ(c->Canonical(dir() + "/"), std::filesystem::canonical(dir()).string());
  EXPECT_EQ(c->Canonical(dir() + "/../new"),
            std::filesystem::canonical(scratch_.path()).string() + "/new");
}

}  // namespace
}  // namespace tidemark::files
