// CommandStats: the counters one thread keeps about the requests it executes.
//
// Each worker (or dispatcher, or the single thread) owns one CommandStats and is the only thread
// that increments it, so increments are plain relaxed load+store, with no locked instruction and
// no shared cache line on the request path. The `stats` and INFO commands read every thread's
// counters (relaxed loads) and add them up. Memcached's names are used where memcached has them.
#ifndef MEMKV_SERVER_EXEC_COMMAND_STATS_H_
#define MEMKV_SERVER_EXEC_COMMAND_STATS_H_

#include <atomic>
#include <cstdint>

namespace memkv::server {

// A counter with one writing thread and any number of reading threads.
class Counter {
 public:
  void Add(uint64_t n = 1) {
    value_.store(value_.load(std::memory_order_relaxed) + n, std::memory_order_relaxed);
  }
  uint64_t Get() const { return value_.load(std::memory_order_relaxed); }

 private:
  std::atomic<uint64_t> value_{0};
};

// A gauge one thread moves up and down (connections owned now).
class Gauge {
 public:
  void Add(int64_t n) {
    value_.store(value_.load(std::memory_order_relaxed) + n, std::memory_order_relaxed);
  }
  int64_t Get() const { return value_.load(std::memory_order_relaxed); }

 private:
  std::atomic<int64_t> value_{0};
};

// clang-format off
#define MEMKV_COMMAND_COUNTERS(X)                                                                \
  X(cmd_get) X(cmd_set) X(cmd_touch) X(cmd_flush) X(get_hits) X(get_misses) X(get_expired)      \
  X(get_flushed) X(delete_hits) X(delete_misses) X(incr_hits) X(incr_misses) X(decr_hits)       \
  X(decr_misses) X(cas_hits) X(cas_misses) X(cas_badval) X(touch_hits) X(touch_misses)          \
  X(cmd_meta) X(cmd_resp) X(requests) X(bytes_read) X(bytes_written) X(total_connections)       \
  X(rejected_connections) X(protocol_errors) X(idle_kicks) X(auth_cmds) X(auth_errors)          \
  X(protected_mode_denials)
// clang-format on

struct CommandStats {
#define MEMKV_DECLARE_COUNTER(name) Counter name;
  MEMKV_COMMAND_COUNTERS(MEMKV_DECLARE_COUNTER)
#undef MEMKV_DECLARE_COUNTER
  Gauge curr_connections;  // connections this thread owns now
};

}  // namespace memkv::server

#endif  // MEMKV_SERVER_EXEC_COMMAND_STATS_H_
