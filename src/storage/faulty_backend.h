// FaultyBackend: wraps another Backend and fails, corrupts or drops calls on
// demand, so that tests of the layers above can check every write path's
// failure handling (see STYLE.md: fail the Nth call for N = 1, 2, … until no
// fault fires, then check the repository).
//
// Every method is thread-safe. Faults are checked in this order: a crash,
// FailNthCall, FailMethod; a call failed by a fault never reaches the wrapped
// backend.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <utility>

#include "storage/backend.h"

namespace tidemark {

class FaultyBackend : public Backend {
 public:
  enum class Method { kPut, kGet, kStat, kList, kRemove };

  // Does not take ownership: `inner` must outlive this object.
  explicit FaultyBackend(Backend* inner) : inner_(inner) {}
  FaultyBackend(const FaultyBackend&) = delete;
  FaultyBackend& operator=(const FaultyBackend&) = delete;

  // The n-th call (1-based; every Put/Get/Stat/List/Remove since the last
  // Reset counts, including failed ones) returns `s`. n == 0 disables. A new
  // call replaces the previous setting.
  void FailNthCall(uint64_t n, Status s = Status::IOError("injected fault"));
  // Every call of `m` fails with `s`, except the first `after` calls of `m`
  // made from now on that no earlier fault check failed. Replaces the
  // previous setting for `m`.
  void FailMethod(Method m, Status s, uint64_t after = 0);
  // While on, Put stores the data in the wrapped backend (or the held
  // overlay) and then returns IOError: a lost acknowledgement.
  void FailPutAfterWrite(bool on);
  // Get results of files for which match(h) is true have the byte at file
  // offset `file_offset` XORed with 0x01, if that offset lies inside the
  // returned range. `match` is called without internal locks held.
  void CorruptReads(std::function<bool(const FileHandle&)> match, uint64_t file_offset);

  // While on, Put and Remove are acknowledged but kept in a pending overlay
  // that Get/Stat/List see (like the OS page cache) and that only Sync()
  // writes to the wrapped backend. Turning it off applies pending changes
  // first, as Sync(); if that fails holding stays on.
  Status HoldWrites(bool on);
  // Applies pending changes to the wrapped backend (Put kOverwrite / Remove).
  // On error the changes not yet applied stay pending.
  Status Sync();
  // Discards pending changes (they were never synced) and makes every call
  // fail with IOError("backend crashed") until Reset().
  void Crash();
  // Clears every fault, the crash, holding (discarding pending changes, as a
  // crash would) and the counters.
  void Reset();

  // Calls counted since the last Reset (see FailNthCall).
  uint64_t calls() const;
  // True once an injected fault (FailNthCall, FailMethod, FailPutAfterWrite,
  // or a CorruptReads flip) took effect since the last Reset. A crash's
  // failures do not count.
  bool fault_fired() const;
  // Number of files with held, unsynced changes.
  size_t pending_writes() const;

  Status Put(const FileHandle& h, std::string_view data,
             PutMode mode = PutMode::kCreateExclusive) override;
  Result<std::string> Get(const FileHandle& h, uint64_t offset = 0, uint64_t length = 0) override;
  Result<FileInfo> Stat(const FileHandle& h) override;
  Status List(FileKind kind, const std::function<Status(const FileInfo&)>& fn) override;
  Status Remove(const FileHandle& h) override;
  std::string Location() const override { return "faulty:" + inner_->Location(); }
  Status EnableObjectLock(LockMode mode, int days) override {
    return inner_->EnableObjectLock(mode, days);
  }
  Status ExtendRetention(const FileHandle& h, int64_t until_us) override {
    return inner_->ExtendRetention(h, until_us);
  }
  Result<WormProbe> ProbeWorm() override { return inner_->ProbeWorm(); }

 private:
  using Key = std::pair<FileKind, std::string>;
  // A pending change: the new content, or nullopt for a removal.
  using Pending = std::optional<std::string>;

  struct MethodFault {
    bool on = false;
    Status status;
    uint64_t after = 0;
    uint64_t passed = 0;  // calls let through since FailMethod
  };

  // Counts a call of m and returns the injected failure, if any.
  Status Admit(Method m);
  // REQUIRES: mu_ held.
  Status PutHeldLocked(const FileHandle& h, std::string_view data, PutMode mode);
  Status RemoveHeldLocked(const FileHandle& h);
  Status SyncLocked();
  Status ListMergedLocked(FileKind kind, std::map<std::string, uint64_t>* out);
  // Applies CorruptReads to data read from h at offset.
  void MaybeCorrupt(const FileHandle& h, uint64_t offset, std::string* data);

  Backend* const inner_;

  mutable std::mutex mu_;
  uint64_t calls_ = 0;                                    // GUARDED_BY(mu_)
  bool fault_fired_ = false;                              // GUARDED_BY(mu_)
  uint64_t fail_nth_ = 0;                                 // GUARDED_BY(mu_)
  Status fail_nth_status_;                                // GUARDED_BY(mu_)
  MethodFault method_faults_[5];                          // GUARDED_BY(mu_); indexed by Method
  bool put_after_write_ = false;                          // GUARDED_BY(mu_)
  std::function<bool(const FileHandle&)> corrupt_match_;  // GUARDED_BY(mu_)
  uint64_t corrupt_offset_ = 0;                           // GUARDED_BY(mu_)
  bool hold_ = false;                                     // GUARDED_BY(mu_)
  std::map<Key, Pending> pending_;                        // GUARDED_BY(mu_); empty unless hold_
  bool crashed_ = false;                                  // GUARDED_BY(mu_)
};

}  // namespace tidemark
