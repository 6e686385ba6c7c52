// Log: the server's log, one line per event an operator cares about (the start with the
// effective settings, the listeners, a limit reached, a client closed for exceeding a budget, a
// reload, the stop), each with a UTC timestamp and a level, on stderr, where journald (or
// whatever started the server) takes it. A line is written with one write(2), so that lines of
// several threads never interleave; nothing is buffered, so nothing is lost when the process
// dies. -v and -vv add more lines (kDebug), as they always did.
//
// LogThrottle keeps an event that may repeat without end (a full connection table, a stream of
// clients over their budget) to one line per period, with the count of those held back.
//
// Threads: any; Log and LogThrottle::Allow may be called from every thread at once.
#ifndef MEMKV_SERVER_LOOP_LOG_H_
#define MEMKV_SERVER_LOOP_LOG_H_

#include <atomic>
#include <cstdint>
#include <string>
#include <string_view>

#include "absl/strings/str_format.h"
#include "absl/time/time.h"

namespace memkv::server {

enum class LogLevel { kDebug, kInfo, kWarning, kError };

// "2026-12-04T23:42:46.123Z WARN  message\n": the line Log writes for `message` at `when`.
std::string FormatLogLine(absl::Time when, LogLevel level, std::string_view message);

void Log(LogLevel level, std::string_view message);

template <typename... Args>
void Logf(LogLevel level, const absl::FormatSpec<Args...>& format, const Args&... args) {
  Log(level, absl::StrFormat(format, args...));
}

class LogThrottle {
 public:
  explicit LogThrottle(absl::Duration period) : period_ns_(absl::ToInt64Nanoseconds(period)) {}

  // Whether the event may be logged now: once per period. When it may, *held_back is how many
  // times it was not since the last line.
  bool Allow(uint64_t* held_back);

 private:
  const int64_t period_ns_;
  std::atomic<int64_t> next_ns_{0};  // absl::GetCurrentTimeNanos() of the next allowed line
  std::atomic<uint64_t> held_back_{0};
};

}  // namespace memkv::server

#endif  // MEMKV_SERVER_LOOP_LOG_H_
