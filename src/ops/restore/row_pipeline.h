// Two sides of one stream of rows, run at once on two threads: a restore
// decodes tree nodes on one while the other inserts into the target, and
// its verification reads the staged copy on one while the other computes
// the digest (docs/architecture.md, "Restore").
//
// Rows travel in batches, in the order the producer filled them. The rows
// in flight are bounded in bytes of decoded size (RowBytes), not in rows,
// so memory stays flat whatever the table and its values. Row objects are
// reused from batch to batch: their vectors and strings keep their capacity.
#pragma once

#include <cstddef>
#include <functional>
#include <span>

#include "base/status.h"
#include "sources/connector.h"

namespace tidemark {

// Decoded size of a row: what its values take in memory.
size_t RowBytes(const SourceRow& row);

struct RowPipelineBudget {
  size_t batch_bytes = 256u << 10;  // a batch is handed over when it holds this much
  size_t batch_rows = 4096;         // ... or this many rows
  size_t queued_bytes = 8u << 20;   // the producer waits while this much is queued
};

// Which side runs on the new thread; the other runs on the caller's.
// kNone runs both on the caller's thread, one batch at a time (small
// tables, where a thread would cost more than it saves).
enum class PipelineWorker { kProducer, kConsumer, kNone };

// What the producer fills. Next() gives a row to fill (a reused one: set
// every field); Commit() hands it over and may block while the consumer is
// behind by the budget. Commit fails once the consumer has stopped: the
// producer then returns that error (it is not reported; the consumer's is).
class RowSink {
 public:
  virtual ~RowSink() = default;
  virtual SourceRow* Next() = 0;
  virtual Status Commit() = 0;
};

// Runs `produce` (which fills rows into the sink and returns) and `consume`
// (called with each batch in order, on one thread) at once. Returns OK when
// both finished; otherwise the first error: the consumer's (the producer is
// then stopped at its next Commit) or the producer's (the consumer then gets
// no more batches, not even the ones already queued). Both sides have
// returned, and the thread is joined, when this returns. IOError when no
// thread can be started.
Status RunRowPipeline(const std::function<Status(RowSink*)>& produce,
                      const std::function<Status(std::span<const SourceRow>)>& consume,
                      PipelineWorker worker, const RowPipelineBudget& budget = {});

}  // namespace tidemark
