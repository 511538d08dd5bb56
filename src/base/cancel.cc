#include "base/cancel.h"

namespace tidemark {

const char* CancelReasonName(CancelReason reason) {
  switch (reason) {
    case CancelReason::kNone:
      return "not cancelled";
    case CancelReason::kRequested:
      return "requested";
    case CancelReason::kSignal:
      return "signal";
    case CancelReason::kShutdown:
      return "shutdown";
  }
  return "unknown";
}

void CancelToken::Cancel(CancelReason reason) noexcept {
  int expected = 0;
  const int r = reason == CancelReason::kNone ? static_cast<int>(CancelReason::kRequested)
                                              : static_cast<int>(reason);
  reason_.compare_exchange_strong(expected, r, std::memory_order_acq_rel);
}

Status CancelToken::Check(const char* point) const {
  if (hook_) hook_(point, checks_);
  checks_++;
  if (!cancelled()) return Status::OK();
  return Status::Cancelled(std::string("cancelled (") + CancelReasonName(reason()) + ") at " +
                           point);
}

}  // namespace tidemark
