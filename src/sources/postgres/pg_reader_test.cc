#include "sources/postgres/pg_reader.h"

#include <gtest/gtest.h>
#include <sys/resource.h>

#include <algorithm>
#include <atomic>
#include <thread>

#if defined(__SANITIZE_ADDRESS__)
// The sanitizer runtime's (sanitizer/allocator_interface.h, which this
// compiler's packages do not install).
extern "C" size_t __sanitizer_get_current_allocated_bytes();
#endif

#include "records/encoding.h"
#include "sources/postgres/pg_testlib.h"

namespace tidemark::pg {
namespace {

class PgReaderTest : public PgDatabaseTest {
 protected:
  std::unique_ptr<SourceReader> Open(int lock_wait_ms = 5000) {
    auto r = OpenPgReader(server_->Location(db_), PgAuth{}, lock_wait_ms);
    EXPECT_TRUE(r.ok()) << r.status().ToString();
    return r.ok() ? std::move(*r) : nullptr;
  }
  // Every row of `table` as its key's display text and the record's.
  std::vector<std::string> Rows(SourceReader* r, const std::string& ns, const std::string& table,
                                Status* status = nullptr) {
    std::vector<std::string> out;
    const TableSchema* t = r->schema().FindTable(ns, table);
    EXPECT_NE(t, nullptr) << table;
    if (t == nullptr) return out;
    std::string prev_key;
    Status s = r->Scan(*t, [&](const SourceRow& row) {
      std::string key;
      EncodeKey(row.key, &key);
      EXPECT_LT(prev_key, key) << "keys must ascend in " << table;
      prev_key = key;
      std::string line;
      for (const Value& v : row.record) line += (line.empty() ? "" : "|") + ValueToDisplay(v);
      out.push_back(line);
      return Status::OK();
    });
    if (status != nullptr) {
      *status = s;
    } else {
      EXPECT_TRUE(s.ok()) << s.ToString();
    }
    return out;
  }
};

TEST_F(PgReaderTest, ScansInKeyOrderWithTheirKinds) {
  ASSERT_TRUE(server_->Exec(db_, R"SQL(
CREATE TYPE mood AS ENUM ('sad', 'ok', 'happy');
CREATE TABLE "Mixed Ünï" (name text PRIMARY KEY, n numeric, at timestamptz, ok boolean,
  tags text[], doc jsonb, p point, m mood, b bytea, f float8);
INSERT INTO "Mixed Ünï" VALUES
  ('b', 1.50, '2024-05-01 12:30:00+02', true, '{x,NULL}', '{"a": 1}', '(1,2)', 'happy', '\x00ff', 'NaN'),
  ('B', NULL, 'infinity', false, '{}', 'null', NULL, 'sad', '', '-Infinity'),
  ('ä', -2, NULL, NULL, NULL, NULL, NULL, NULL, NULL, 0.5),
  ('ab', 0, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL);
CREATE TABLE by_enum (m mood PRIMARY KEY, d date);
INSERT INTO by_enum VALUES ('sad', '2024-01-01'), ('ok', '-infinity'), ('happy', NULL);
)SQL"));
  auto r = Open();
  ASSERT_NE(r, nullptr);
  // Text keys by their bytes (COLLATE "C"), whatever the database's collation.
  EXPECT_EQ(Rows(r.get(), "public", "Mixed Ünï"),
            (std::vector<std::string>{
                "B|NULL|infinity|0|{}|null|NULL|sad|x''|-Infinity",
                "ab|0|NULL|NULL|NULL|NULL|NULL|NULL|NULL|NULL",
                "b|1.50|2024-05-01T10:30:00Z|1|{x,NULL}|{\"a\": 1}|(1,2)|happy|x'00ff'|NaN",
                "ä|-2|NULL|NULL|NULL|NULL|NULL|NULL|NULL|0.5"}));
  // Enum keys by label bytes, not by the enum's declared order.
  EXPECT_EQ(Rows(r.get(), "public", "by_enum"),
            (std::vector<std::string>{"happy|NULL", "ok|-infinity", "sad|2024-01-01"}));
}

TEST_F(PgReaderTest, TableWithoutKeyIsKeyedByItsWholeRowAndRefusesDuplicates) {
  ASSERT_TRUE(server_->Exec(db_, R"SQL(
CREATE TABLE log (at int, msg text);
INSERT INTO log VALUES (2, 'b'), (1, NULL), (1, 'a');
CREATE TABLE dup (v int);
INSERT INTO dup VALUES (1), (2), (2);
)SQL"));
  auto r = Open();
  ASSERT_NE(r, nullptr);
  const TableSchema* log = r->schema().FindTable("public", "log");
  ASSERT_NE(log, nullptr);
  EXPECT_EQ(log->KeyNames(), (std::vector<std::string>{"at", "msg"}));
  // NULL first: it orders before every value in keys.
  EXPECT_EQ(Rows(r.get(), "public", "log"), (std::vector<std::string>{"1|NULL", "1|a", "2|b"}));
  Status s;
  Rows(r.get(), "public", "dup", &s);
  EXPECT_EQ(s.code(), Status::Code::kUnsupported) << s.ToString();
  EXPECT_NE(s.message().find("public.dup"), std::string::npos) << s.ToString();
  EXPECT_NE(s.message().find("add a primary key"), std::string::npos) << s.ToString();
}

TEST_F(PgReaderTest, PartitionsHoldTheRowsAndTheParentIsADefinition) {
  ASSERT_TRUE(server_->Exec(db_, R"SQL(
CREATE TABLE ev (id int, at date, PRIMARY KEY (id, at)) PARTITION BY RANGE (at);
CREATE TABLE ev_a PARTITION OF ev FOR VALUES FROM ('2024-01-01') TO ('2025-01-01');
CREATE TABLE ev_b PARTITION OF ev FOR VALUES FROM ('2025-01-01') TO ('2026-01-01');
INSERT INTO ev VALUES (1, '2024-03-01'), (1, '2025-03-01'), (2, '2024-02-01');
)SQL"));
  auto r = Open();
  ASSERT_NE(r, nullptr);
  EXPECT_FALSE(r->schema().FindTable("public", "ev")->has_records());
  EXPECT_EQ(Rows(r.get(), "public", "ev_a"),
            (std::vector<std::string>{"1|2024-03-01", "2|2024-02-01"}));
  EXPECT_EQ(Rows(r.get(), "public", "ev_b"), (std::vector<std::string>{"1|2025-03-01"}));
}

// A writer commits transfers between accounts while readers read: each
// reader sees one state, in which the balances add up and agree with the
// transfer log, although the writer commits between the two scans.
TEST_F(PgReaderTest, EverySnapshotKeepsTheSumWhileAWriterCommits) {
  ASSERT_TRUE(server_->Exec(db_, R"SQL(
CREATE TABLE accounts (id int PRIMARY KEY, balance bigint NOT NULL);
INSERT INTO accounts SELECT g, 1000 FROM generate_series(1, 50) g;
CREATE TABLE transfers (id bigserial PRIMARY KEY, src int, dst int, amount bigint);
)SQL"));
  std::atomic<bool> stop{false};
  std::atomic<uint64_t> committed{0};
  std::thread writer([&] {
    auto c = server_->Connect(db_);
    if (!c) return;
    for (uint64_t i = 0; !stop; ++i) {
      const int src = int(i % 50) + 1, dst = int((i * 7 + 3) % 50) + 1;
      const std::string amount = std::to_string(i % 13 + 1);
      Status s = c->Run(
          "BEGIN; UPDATE accounts SET balance = balance - " + amount +
              " WHERE id = " + std::to_string(src) + "; UPDATE accounts SET balance = balance + " +
              amount + " WHERE id = " + std::to_string(dst) +
              "; INSERT INTO transfers (src, dst, amount) VALUES (" + std::to_string(src) + ", " +
              std::to_string(dst) + ", " + amount + "); COMMIT",
          "a transfer");
      if (!s.ok()) {
        ADD_FAILURE() << s.ToString();
        return;
      }
      ++committed;
    }
  });
  for (int round = 0; round < 5; ++round) {
    auto r = Open();
    ASSERT_NE(r, nullptr);
    const uint64_t at_open = committed.load();
    std::map<int64_t, int64_t> balance;
    int64_t sum = 0;
    ASSERT_TRUE(r->Scan(*r->schema().FindTable("public", "accounts"), [&](const SourceRow& row) {
                   balance[row.record[0].integer()] = row.record[1].integer();
                   sum += row.record[1].integer();
                   return Status::OK();
                 }).ok());
    EXPECT_EQ(sum, 50 * 1000) << "round " << round;
    // Let the writer commit more before the second table is read.
    while (committed.load() < at_open + 5) std::this_thread::yield();
    std::map<int64_t, int64_t> expected;
    for (int i = 1; i <= 50; ++i) expected[i] = 1000;
    ASSERT_TRUE(r->Scan(*r->schema().FindTable("public", "transfers"), [&](const SourceRow& row) {
                   expected[row.record[1].integer()] -= row.record[3].integer();
                   expected[row.record[2].integer()] += row.record[3].integer();
                   return Status::OK();
                 }).ok());
    EXPECT_EQ(balance, expected) << "round " << round;
  }
  stop = true;
  writer.join();
  EXPECT_GT(committed.load(), 25u);
}

TEST_F(PgReaderTest, ALockedTableIsRefusedAfterTheWait) {
  ASSERT_TRUE(server_->Exec(db_, "CREATE TABLE busy (id int PRIMARY KEY)"));
  auto locker = server_->Connect(db_);
  ASSERT_NE(locker, nullptr);
  ASSERT_TRUE(locker->Run("BEGIN; LOCK TABLE busy IN ACCESS EXCLUSIVE MODE", "test").ok());
  auto r = OpenPgReader(server_->Location(db_), PgAuth{}, 200);
  ASSERT_FALSE(r.ok());
  EXPECT_TRUE(r.status().IsRefused()) << r.status().ToString();
  EXPECT_NE(r.status().message().find("lock"), std::string::npos) << r.status().ToString();
}

TEST_F(PgReaderTest, AReaderInsideTheCallersTransaction) {
  auto c = server_->Connect(db_);
  ASSERT_NE(c, nullptr);
  ASSERT_TRUE(c->Run("BEGIN; CREATE TABLE staged (id int PRIMARY KEY, v text);"
                     " INSERT INTO staged VALUES (2, 'b'), (1, 'a')",
                     "test")
                  .ok());
  auto r = OpenPgReaderOn(c.get());
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_TRUE((*r)->schema().objects.empty());
  EXPECT_EQ(Rows(r->get(), "public", "staged"), (std::vector<std::string>{"1|a", "2|b"}));
  r->reset();
  ASSERT_TRUE(c->Run("ROLLBACK", "test").ok());
}

// The memory a scan holds, in KiB: the peak RSS; under AddressSanitizer,
// whose quarantine keeps freed blocks resident (RSS then grows with what was
// freed, not with what is held), the heap in use, sampled during the scan.
long MemoryKib() {
#if defined(__SANITIZE_ADDRESS__)
  return static_cast<long>(__sanitizer_get_current_allocated_bytes() / 1024);
#else
  rusage u{};
  getrusage(RUSAGE_SELF, &u);
  return u.ru_maxrss;
#endif
}

// A scan streams: the memory held after scanning 400,000 rows (~60 MB of
// values) is what it was after scanning 4,000, give or take a few MiB.
TEST_F(PgReaderTest, AScanOfALargeTableKeepsMemoryFlat) {
  ASSERT_TRUE(server_->Exec(db_, R"SQL(
CREATE TABLE small (id int PRIMARY KEY, v text);
INSERT INTO small SELECT g, repeat(md5(g::text), 4) FROM generate_series(1, 4000) g;
CREATE TABLE big (id int PRIMARY KEY, v text);
INSERT INTO big SELECT g, repeat(md5(g::text), 4) FROM generate_series(1, 400000) g;
)SQL"));
  auto r = Open();
  ASSERT_NE(r, nullptr);
  uint64_t rows = 0, bytes = 0;
  long peak = 0;
  auto count = [&](const SourceRow& row) {
    if (++rows % 1000 == 0) peak = std::max(peak, MemoryKib());
    bytes += row.record[1].bytes().size();
    return Status::OK();
  };
  ASSERT_TRUE(r->Scan(*r->schema().FindTable("public", "small"), count).ok());
  const long after_small = std::max(peak, MemoryKib());
  ASSERT_TRUE(r->Scan(*r->schema().FindTable("public", "big"), count).ok());
  const long after_big = std::max(peak, MemoryKib());
  EXPECT_EQ(rows, 404000u);
  std::printf(
      "memory after 4,000 rows: %ld KiB; after 400,000 more (%llu bytes of text): %ld KiB\n",
      after_small, static_cast<unsigned long long>(bytes), after_big);
  EXPECT_LT(after_big - after_small, 8 * 1024) << "KiB of growth";
}

}  // namespace
}  // namespace tidemark::pg
