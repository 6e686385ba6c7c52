// Counter and Gauge: figures with one writing thread and any number of reading threads, for the
// per-thread statistics (command_stats.h, resp_command_counters.h).
//
// Threads: Add only on the owning thread (a relaxed load and store, no locked instruction); Get
// on any thread.
#ifndef MEMKV_SERVER_EXEC_COUNTER_H_
#define MEMKV_SERVER_EXEC_COUNTER_H_

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

}  // namespace memkv::server

#endif  // MEMKV_SERVER_EXEC_COUNTER_H_
