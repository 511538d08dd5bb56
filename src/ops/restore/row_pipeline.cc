#include "ops/restore/row_pipeline.h"

#include <condition_variable>
#include <deque>
#include <mutex>
#include <system_error>
#include <thread>
#include <vector>

namespace tidemark {

size_t RowBytes(const SourceRow& row) {
  size_t n = sizeof(SourceRow) + (row.key.size() + row.record.size()) * sizeof(Value);
  for (const Value& v : row.key) n += v.bytes().size();
  for (const Value& v : row.record) n += v.bytes().size();
  return n;
}

namespace {

using Consume = std::function<Status(std::span<const SourceRow>)>;

struct Batch {
  std::vector<SourceRow> rows;  // [0, size) filled; the rest kept for reuse
  size_t size = 0;
  size_t bytes = 0;
};

// The queue between the two sides. The producer owns cur_; everything else
// is guarded by mu_.
class Channel final : public RowSink {
 public:
  // With `inline_consume`, a full batch is consumed at once on the
  // producer's thread (PipelineWorker::kNone).
  Channel(const RowPipelineBudget& budget, const Consume* inline_consume)
      : budget_(budget), inline_(inline_consume) {}

  SourceRow* Next() override {
    if (cur_.size == cur_.rows.size()) cur_.rows.emplace_back();
    return &cur_.rows[cur_.size];
  }

  Status Commit() override {
    cur_.bytes += RowBytes(cur_.rows[cur_.size]);
    cur_.size++;
    if (cur_.bytes < budget_.batch_bytes && cur_.size < budget_.batch_rows) return Status::OK();
    return Hand();
  }

  // Producer: hands the current batch over (waits while the consumer is
  // behind by the budget).
  Status Hand() {
    if (cur_.size == 0) return Status::OK();
    if (inline_ != nullptr) {
      Status s = (*inline_)(std::span<const SourceRow>(cur_.rows.data(), cur_.size));
      Recycle(&cur_);
      if (!s.ok()) consumer_status_ = s;
      return s.ok() ? Status::OK() : Stopped();
    }
    std::unique_lock lock(mu_);
    cv_.wait(lock, [&] { return stopped_ || full_.empty() || queued_ < budget_.queued_bytes; });
    if (stopped_) return Stopped();
    queued_ += cur_.bytes;
    full_.push_back(std::move(cur_));
    cur_ = Batch{};
    if (!free_.empty()) {
      cur_ = std::move(free_.back());
      free_.pop_back();
    }
    cv_.notify_all();
    return Status::OK();
  }

  // Producer: the end, with what produce returned.
  void Close(Status s) {
    if (s.ok()) s = Hand();
    std::lock_guard lock(mu_);
    closed_ = true;
    producer_status_ = s;
    cv_.notify_all();
  }

  // Consumer: every batch in order until the producer closes (or fails) or
  // `consume` fails. Returns the consumer's error only.
  Status Drain(const Consume& consume) {
    for (;;) {
      Batch b;
      {
        std::unique_lock lock(mu_);
        cv_.wait(lock, [&] { return !full_.empty() || closed_; });
        if (!producer_status_.ok() || full_.empty()) return Status::OK();
        b = std::move(full_.front());
        full_.pop_front();
        queued_ -= b.bytes;
        cv_.notify_all();
      }
      Status s = consume(std::span<const SourceRow>(b.rows.data(), b.size));
      std::lock_guard lock(mu_);
      Recycle(&b);
      free_.push_back(std::move(b));
      if (!s.ok()) {
        stopped_ = true;
        cv_.notify_all();
        return s;
      }
    }
  }

  Status producer_status() {
    std::lock_guard lock(mu_);
    return producer_status_;
  }
  const Status& inline_consumer_status() const { return consumer_status_; }

 private:
  static Status Stopped() { return Status::Internal("row pipeline: the consumer stopped"); }

  // Empties a batch for reuse; one that held far more than a batch (large
  // values) gives its memory back instead.
  void Recycle(Batch* b) const {
    if (b->bytes > 4 * budget_.batch_bytes) {
      *b = Batch{};
    } else {
      b->size = 0;
      b->bytes = 0;
    }
  }

  const RowPipelineBudget budget_;
  const Consume* const inline_;
  Batch cur_;
  Status consumer_status_;  // kNone only: the producer's thread is the consumer's
  std::mutex mu_;
  std::condition_variable cv_;
  std::deque<Batch> full_;
  std::vector<Batch> free_;
  size_t queued_ = 0;
  bool closed_ = false;   // the producer returned
  bool stopped_ = false;  // the consumer failed
  Status producer_status_;
};

Status ThreadError(const std::system_error& e) {
  return Status::IOError(std::string("cannot start a second thread for the restore: ") + e.what() +
                         " (the process may have reached its thread or memory limit)");
}

}  // namespace

Status RunRowPipeline(const std::function<Status(RowSink*)>& produce, const Consume& consume,
                      PipelineWorker worker, const RowPipelineBudget& budget) {
  if (worker == PipelineWorker::kNone) {
    Channel ch(budget, &consume);
    Status p = produce(&ch);
    if (p.ok()) p = ch.Hand();
    return ch.inline_consumer_status().ok() ? p : ch.inline_consumer_status();
  }
  Channel ch(budget, nullptr);
  Status consumer;
  std::thread thread;
  try {
    if (worker == PipelineWorker::kProducer) {
      thread = std::thread([&] { ch.Close(produce(&ch)); });
    } else {
      thread = std::thread([&] { consumer = ch.Drain(consume); });
    }
  } catch (const std::system_error& e) {
    return ThreadError(e);
  }
  if (worker == PipelineWorker::kProducer) {
    consumer = ch.Drain(consume);
  } else {
    ch.Close(produce(&ch));
  }
  thread.join();
  return consumer.ok() ? ch.producer_status() : consumer;
}

}  // namespace tidemark
