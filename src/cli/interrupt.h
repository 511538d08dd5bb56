// SIGINT and SIGTERM during a long command (today: backup): the handler only
// cancels a CancelToken (base/cancel.h); the use case stops at its next
// check point and the command exits 130 (docs/exit-codes.md). A second
// signal ends the process at once, as the default action would (the
// repository stays valid, as after any kill).
#pragma once

#include <signal.h>

#include "base/cancel.h"
#include "base/result.h"

namespace tidemark::cli {

// Installs the handlers for its lifetime, cancelling `token` with
// CancelReason::kSignal; restores the previous handlers when destroyed.
// One at a time per process.
class ScopedInterrupt {
 public:
  explicit ScopedInterrupt(CancelToken* token);
  ~ScopedInterrupt();
  ScopedInterrupt(const ScopedInterrupt&) = delete;
  ScopedInterrupt& operator=(const ScopedInterrupt&) = delete;

 private:
  struct sigaction old_int_ {
  }, old_term_{};
};

// The test hook TIDEMARK_TEST_PAUSE_AT=POINT[#K] (docs/guide/debugging.md):
// at the Kth check point named POINT (default the first) the command writes
// its pid to the file TIDEMARK_TEST_PAUSE_FILE and waits there until the
// token is cancelled (at most 60 s), so that a test sends its signal at a
// known step instead of racing the clock. Unset: nothing. InvalidArgument
// for a malformed value or a missing file variable.
Status InstallPauseHookFromEnvironment(CancelToken* token);

}  // namespace tidemark::cli
