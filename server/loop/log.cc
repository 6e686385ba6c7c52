#include "server/loop/log.h"

#include <unistd.h>

#include <cerrno>

#include "absl/time/clock.h"

namespace memkv::server {
namespace {

std::string_view LevelName(LogLevel level) {
  switch (level) {
    case LogLevel::kDebug:
      return "DEBUG";
    case LogLevel::kInfo:
      return "INFO ";
    case LogLevel::kWarning:
      return "WARN ";
    case LogLevel::kError:
      return "ERROR";
  }
  return "?    ";
}

}  // namespace

std::string FormatLogLine(absl::Time when, LogLevel level, std::string_view message) {
  std::string line = absl::FormatTime("%Y-%m-%dT%H:%M:%E3SZ ", when, absl::UTCTimeZone());
  line.append(LevelName(level));
  line += ' ';
  line.append(message);
  if (line.back() != '\n') line += '\n';
  return line;
}

void Log(LogLevel level, std::string_view message) {
  std::string line = FormatLogLine(absl::Now(), level, message);
  std::string_view rest = line;
  while (!rest.empty()) {
    ssize_t n = write(STDERR_FILENO, rest.data(), rest.size());
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return;  // stderr closed or full: the log is lost, the server goes on
    rest.remove_prefix(static_cast<size_t>(n));
  }
}

bool LogThrottle::Allow(uint64_t* held_back) {
  int64_t now = absl::GetCurrentTimeNanos();
  int64_t next = next_ns_.load(std::memory_order_relaxed);
  if (now >= next &&
      next_ns_.compare_exchange_strong(next, now + period_ns_, std::memory_order_relaxed)) {
    *held_back = held_back_.exchange(0, std::memory_order_relaxed);
    return true;
  }
  held_back_.fetch_add(1, std::memory_order_relaxed);
  return false;
}

}  // namespace memkv::server
