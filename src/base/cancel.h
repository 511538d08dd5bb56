// Cancellation of long work (docs/architecture.md#cancellation): a job of
// `tidemark serve` that an operator cancels, a backup that SIGINT or SIGTERM
// interrupts. The owner of the work holds a CancelToken; the use case asks
// it at safe points (between tables, every few batches) and, once it is
// cancelled, stops there and returns Status::Cancelled, leaving nothing
// half-written (what was stored is unreferenced data that prune removes).
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <string>
#include <utility>

#include "base/status.h"

namespace tidemark {

// Why work was cancelled, for messages and the ledger.
enum class CancelReason : int {
  kNone = 0,
  kRequested,  // an operator asked (a job's cancel)
  kSignal,     // SIGINT or SIGTERM
  kShutdown,   // the server is stopping and its grace period ended
};
const char* CancelReasonName(CancelReason reason);  // "requested", "signal", ...

class CancelToken {
 public:
  CancelToken() = default;
  CancelToken(const CancelToken&) = delete;
  CancelToken& operator=(const CancelToken&) = delete;

  // Asks the work to stop at its next check point. The first reason given
  // sticks. Async-signal-safe (one compare-and-swap on a lock-free atomic),
  // so a signal handler may call it; thread-safe.
  void Cancel(CancelReason reason = CancelReason::kRequested) noexcept;
  // Cheap: one relaxed load. Thread-safe.
  bool cancelled() const noexcept { return reason_.load(std::memory_order_relaxed) != 0; }
  CancelReason reason() const noexcept {
    return static_cast<CancelReason>(reason_.load(std::memory_order_acquire));
  }

  // A check point named `point` ("backup-table"): runs the test hook (if
  // any), then returns Cancelled ("POINT: cancelled (REASON)") when the
  // token is cancelled, else OK. Called by the one thread that runs the work.
  Status Check(const char* point) const;

  // A hook that runs at every Check before the flag is read, with the point
  // and how many checks came before (0, 1, ...): a test cancels at the Nth
  // check point without threads or timing. Set before the work starts.
  using CheckHook = std::function<void(const char* point, uint64_t n)>;
  void SetCheckHook(CheckHook hook) { hook_ = std::move(hook); }

 private:
  static_assert(std::atomic<int>::is_always_lock_free, "a signal handler sets it");
  std::atomic<int> reason_{0};
  CheckHook hook_;
  mutable uint64_t checks_ = 0;  // the working thread's own count
};

// Check on a token that may be null (no cancellation): OK when it is.
inline Status CheckCancel(const CancelToken* token, const char* point) {
  return token == nullptr ? Status::OK() : token->Check(point);
}

}  // namespace tidemark
