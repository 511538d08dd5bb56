// TimedBackend: forwards every call to another Backend and adds up the wall
// time spent in Put and Get, so the benchmark can say how much of a BlobStore
// pass was storage (write, fsync, rename, folder fsync; open, pread) and how
// much was the store's own CPU work (HMAC, zstd, AEAD, index). Thread-safe
// like the backend it wraps. Header-only (the bench target is one file).
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>

#include "storage/backend.h"

namespace tidemark::bench {

struct BackendTimes {
  uint64_t put_calls = 0;
  uint64_t put_bytes = 0;
  double put_seconds = 0;
  uint64_t get_calls = 0;
  uint64_t get_bytes = 0;
  double get_seconds = 0;
};

class TimedBackend : public Backend {
 public:
  // `inner` must outlive this object.
  explicit TimedBackend(Backend* inner) : inner_(inner) {}

  Status Put(const FileHandle& h, std::string_view data,
             PutMode mode = PutMode::kCreateExclusive) override {
    const auto t0 = Clock::now();
    Status s = inner_->Put(h, data, mode);
    Add(&put_ns_, t0);
    put_calls_++;
    put_bytes_ += data.size();
    return s;
  }
  Result<std::string> Get(const FileHandle& h, uint64_t offset = 0, uint64_t length = 0) override {
    const auto t0 = Clock::now();
    Result<std::string> r = inner_->Get(h, offset, length);
    Add(&get_ns_, t0);
    get_calls_++;
    if (r.ok()) get_bytes_ += r->size();
    return r;
  }
  Result<FileInfo> Stat(const FileHandle& h) override { return inner_->Stat(h); }
  Status List(FileKind kind, const std::function<Status(const FileInfo&)>& fn) override {
    return inner_->List(kind, fn);
  }
  Status Remove(const FileHandle& h) override { return inner_->Remove(h); }
  std::string Location() const override { return inner_->Location(); }
  Status EnableObjectLock(LockMode mode, int days) override {
    return inner_->EnableObjectLock(mode, days);
  }
  Status ExtendRetention(const FileHandle& h, int64_t until_us) override {
    return inner_->ExtendRetention(h, until_us);
  }
  Result<WormProbe> ProbeWorm() override { return inner_->ProbeWorm(); }

  BackendTimes times() const {
    BackendTimes t;
    t.put_calls = put_calls_;
    t.put_bytes = put_bytes_;
    t.put_seconds = static_cast<double>(put_ns_.load()) * 1e-9;
    t.get_calls = get_calls_;
    t.get_bytes = get_bytes_;
    t.get_seconds = static_cast<double>(get_ns_.load()) * 1e-9;
    return t;
  }

 private:
  using Clock = std::chrono::steady_clock;
  static void Add(std::atomic<uint64_t>* total, Clock::time_point t0) {
    const auto ns = std::chrono::duration_cast<std::chrono::nanoseconds>(Clock::now() - t0);
    *total += static_cast<uint64_t>(ns.count());
  }

  Backend* const inner_;
  std::atomic<uint64_t> put_calls_{0}, put_bytes_{0}, put_ns_{0};
  std::atomic<uint64_t> get_calls_{0}, get_bytes_{0}, get_ns_{0};
};

}  // namespace tidemark::bench
