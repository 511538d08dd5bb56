#include "cli/interrupt.h"

#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <string>
#include <thread>

namespace tidemark::cli {
namespace {

std::atomic<CancelToken*> g_token{nullptr};
static_assert(std::atomic<CancelToken*>::is_always_lock_free, "read by a signal handler");

// Async-signal-safe: an atomic load, a compare-and-swap, and for a second
// signal signal() and raise().
void OnSignal(int sig) {
  CancelToken* token = g_token.load();
  if (token == nullptr || token->cancelled()) {
    signal(sig, SIG_DFL);
    raise(sig);
    return;
  }
  token->Cancel(CancelReason::kSignal);
}

}  // namespace

ScopedInterrupt::ScopedInterrupt(CancelToken* token) {
  g_token.store(token);
  struct sigaction sa {};
  sa.sa_handler = OnSignal;
  sigemptyset(&sa.sa_mask);
  sa.sa_flags = SA_RESTART;  // I/O goes on; the work stops at its next check point
  sigaction(SIGINT, &sa, &old_int_);
  sigaction(SIGTERM, &sa, &old_term_);
}

ScopedInterrupt::~ScopedInterrupt() {
  sigaction(SIGINT, &old_int_, nullptr);
  sigaction(SIGTERM, &old_term_, nullptr);
  g_token.store(nullptr);
}

Status InstallPauseHookFromEnvironment(CancelToken* token) {
  const char* at = std::getenv("TIDEMARK_TEST_PAUSE_AT");
  if (at == nullptr || *at == '\0') return Status::OK();
  const char* file = std::getenv("TIDEMARK_TEST_PAUSE_FILE");
  std::string point = at;
  uint64_t nth = 1;
  if (const size_t hash = point.find('#'); hash != std::string::npos) {
    nth = std::strtoull(point.c_str() + hash + 1, nullptr, 10);
    point.resize(hash);
  }
  if (point.empty() || nth == 0 || file == nullptr || *file == '\0') {
    return Status::InvalidArgument(
        "TIDEMARK_TEST_PAUSE_AT: give POINT or POINT#K (K from 1) and TIDEMARK_TEST_PAUSE_FILE, "
        "or unset it (it is a test hook)");
  }
  fprintf(stderr,
          "tidemark: warning: TIDEMARK_TEST_PAUSE_AT is set: pausing at %s (a test hook; "
          "unset it)\n",
          at);
  auto seen = std::make_shared<uint64_t>(0);
  token->SetCheckHook([token, point, nth, seen, path = std::string(file)](const char* p, uint64_t) {
    if (point != p || ++*seen != nth) return;
    if (FILE* f = std::fopen(path.c_str(), "w")) {
      std::fprintf(f, "%d\n", static_cast<int>(getpid()));
      std::fclose(f);
    }
    // Waits for the signal the test sends; bounded, so a test that never
    // sends it does not hang the command.
    for (int i = 0; i < 6000 && !token->cancelled(); i++) {
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
  });
  return Status::OK();
}

}  // namespace tidemark::cli
