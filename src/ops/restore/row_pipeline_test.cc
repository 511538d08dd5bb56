// The two-thread row pipeline of restore: rows arrive whole and in order,
// an error on either side stops the other and is the one returned, and the
// rows in flight stay within the byte budget.
#include "ops/restore/row_pipeline.h"

#include <gtest/gtest.h>

#include <atomic>
#include <string>
#include <vector>

namespace tidemark {
namespace {

const PipelineWorker kSides[] = {PipelineWorker::kProducer, PipelineWorker::kConsumer,
                                 PipelineWorker::kNone};

std::string SideName(PipelineWorker w) {
  return w == PipelineWorker::kProducer   ? "producer on the worker"
         : w == PipelineWorker::kConsumer ? "consumer on the worker"
                                          : "one thread";
}

// Produces rows 0..n-1: key i, record (i, "row i" padded to `pad` bytes).
std::function<Status(RowSink*)> Rows(int n, size_t pad, std::atomic<int>* produced) {
  return [=](RowSink* sink) -> Status {
    for (int i = 0; i < n; i++) {
      SourceRow* row = sink->Next();
      row->key.assign(1, Value::Integer(i));
      std::string text = "row " + std::to_string(i);
      text.resize(std::max(text.size(), pad), '.');
      row->record.assign({Value::Integer(i), Value::Text(text)});
      TM_RETURN_IF_ERROR(sink->Commit());
      produced->fetch_add(1);
    }
    return Status::OK();
  };
}

TEST(RowPipelineTest, EveryRowArrivesOnceInOrder) {
  for (PipelineWorker side : kSides) {
    SCOPED_TRACE(SideName(side));
    std::atomic<int> produced{0};
    int next = 0;
    size_t batches = 0;
    RowPipelineBudget budget;
    budget.batch_rows = 7;  // many batches, and a short last one
    Status s = RunRowPipeline(
        Rows(1000, 0, &produced),
        [&](std::span<const SourceRow> rows) -> Status {
          batches++;
          EXPECT_LE(rows.size(), 7u);
          for (const SourceRow& row : rows) {
            EXPECT_EQ(row.key[0].integer(), next);
            EXPECT_EQ(row.record[1].bytes(), "row " + std::to_string(next));
            next++;
          }
          return Status::OK();
        },
        side, budget);
    ASSERT_TRUE(s.ok()) << s.ToString();
    EXPECT_EQ(next, 1000);
    EXPECT_EQ(batches, 143u);  // 142 of 7, then 6
  }
}

TEST(RowPipelineTest, NothingProducedCallsNoConsumer) {
  for (PipelineWorker side : kSides) {
    SCOPED_TRACE(SideName(side));
    bool called = false;
    Status s = RunRowPipeline([](RowSink*) { return Status::OK(); },
                              [&](std::span<const SourceRow>) {
                                called = true;
                                return Status::OK();
                              },
                              side);
    EXPECT_TRUE(s.ok()) << s.ToString();
    EXPECT_FALSE(called);
  }
}

TEST(RowPipelineTest, AProducerErrorIsReturnedAndEndsTheConsumer) {
  for (PipelineWorker side : kSides) {
    SCOPED_TRACE(SideName(side));
    std::atomic<int> produced{0};
    auto rows = Rows(50, 0, &produced);
    int consumed = 0;
    RowPipelineBudget budget;
    budget.batch_rows = 10;
    Status s = RunRowPipeline(
        [&](RowSink* sink) -> Status {
          TM_RETURN_IF_ERROR(rows(sink));  // five full batches
          sink->Next()->key.assign(1, Value::Integer(99));
          return Status::Corruption("tree node 1234: bad");  // a half-filled row stays behind
        },
        [&](std::span<const SourceRow> batch) {
          for (const SourceRow& row : batch) EXPECT_EQ(row.key[0].integer(), consumed++);
          return Status::OK();
        },
        side, budget);
    EXPECT_TRUE(s.IsCorruption()) << s.ToString();
    EXPECT_EQ(s.message(), "tree node 1234: bad");
    EXPECT_LE(consumed, 50);  // never the unfinished row
  }
}

TEST(RowPipelineTest, AConsumerErrorStopsTheProducerAndWins) {
  for (PipelineWorker side : kSides) {
    SCOPED_TRACE(SideName(side));
    std::atomic<int> produced{0};
    int batches = 0;
    RowPipelineBudget budget;
    budget.batch_rows = 10;
    budget.queued_bytes = 1;  // the producer is at most one batch ahead
    Status s = RunRowPipeline(
        Rows(1000000, 0, &produced),
        [&](std::span<const SourceRow>) {
          return ++batches == 3 ? Status::Corruption("constraint failed") : Status::OK();
        },
        side, budget);
    EXPECT_TRUE(s.IsCorruption()) << s.ToString();
    EXPECT_EQ(s.message(), "constraint failed");
    EXPECT_EQ(batches, 3);  // not called again
    // The producer stopped within a few batches of the failure.
    EXPECT_LT(produced.load(), 60) << "the producer did not stop";
  }
}

TEST(RowPipelineTest, RowsInFlightStayWithinTheByteBudget) {
  for (PipelineWorker side : {PipelineWorker::kProducer, PipelineWorker::kConsumer}) {
    SCOPED_TRACE(SideName(side));
    std::atomic<int> produced{0};
    int consumed = 0;
    size_t row_bytes = 0;
    int most_ahead = 0;
    RowPipelineBudget budget;
    budget.batch_bytes = 64u << 10;
    budget.queued_bytes = 256u << 10;
    Status s = RunRowPipeline(
        Rows(5000, 1000, &produced),  // rows of about 1.1 KB
        [&](std::span<const SourceRow> rows) {
          row_bytes = RowBytes(rows[0]);
          // What the producer has committed beyond this batch is queued or
          // in its current batch: at most the queue's budget plus two batches.
          most_ahead = std::max(most_ahead, produced.load() - consumed);
          consumed += static_cast<int>(rows.size());
          return Status::OK();
        },
        side, budget);
    ASSERT_TRUE(s.ok()) << s.ToString();
    EXPECT_EQ(consumed, 5000);
    ASSERT_GT(row_bytes, 1000u);
    const size_t bound = (budget.queued_bytes + 3 * budget.batch_bytes) / row_bytes + 3;
    EXPECT_LE(static_cast<size_t>(most_ahead), bound);
  }
}

TEST(RowPipelineTest, RowBytesCountsValuesAndTheirBytes) {
  SourceRow row;
  const size_t empty = RowBytes(row);
  row.key = {Value::Integer(1)};
  row.record = {Value::Text(std::string(500, 'x')), Value::Null()};
  EXPECT_EQ(RowBytes(row), empty + 3 * sizeof(Value) + 500);
}

}  // namespace
}  // namespace tidemark
