// Named crash points for crash-safety tests (docs/guide/debugging.md): when
// the environment variable TIDEMARK_CRASH_AT names a point, the process ends
// there at once with _exit(kCrashExitCode) - no destructors, no flushing,
// no unlocking - as if it were killed. Costs one comparison otherwise.
#pragma once

namespace tidemark {

inline constexpr int kCrashExitCode = 86;

// Ends the process when TIDEMARK_CRASH_AT equals `name`.
void CrashPoint(const char* name);

}  // namespace tidemark
