#include "base/logging.h"

#include <atomic>
#include <cstdio>
#include <mutex>

namespace tidemark {
namespace {
std::atomic<int> g_level{static_cast<int>(LogLevel::kWarning)};
std::mutex g_mu;
}  // namespace

void SetLogLevel(LogLevel level) { g_level.store(static_cast<int>(level)); }
LogLevel GetLogLevel() { return static_cast<LogLevel>(g_level.load()); }

void LogMessage(LogLevel level, const std::string& msg) {
  if (static_cast<int>(level) > g_level.load()) return;
  static const char* kNames[] = {"error", "warning", "info", "debug"};
  std::lock_guard<std::mutex> lock(g_mu);
  fprintf(stderr, "tidemark: %s: %s\n", kNames[static_cast<int>(level)], msg.c_str());
}

}  // namespace tidemark
