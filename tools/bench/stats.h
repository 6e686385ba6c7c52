// What a run measured: WorkerStats is one worker thread's tally, kept by that thread alone while
// it runs and read by the main thread after joining it; Merge adds them up. IntervalStats is the
// slice the live progress line needs, handed from workers to the main thread under a mutex.
#ifndef MEMKV_TOOLS_BENCH_STATS_H_
#define MEMKV_TOOLS_BENCH_STATS_H_

#include <cstdint>
#include <string>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/synchronization/mutex.h"
#include "tools/bench/histogram.h"

namespace memkv::bench {

struct WorkerStats {
  LatencyHistogram latency;  // ns, from each request's intended send time
  uint64_t gets = 0;         // requests, however many keys each
  uint64_t sets = 0;
  uint64_t keys_requested = 0;  // by gets
  uint64_t hits = 0;
  uint64_t misses = 0;
  uint64_t errors = 0;                     // wrong answers, broken or closed connections
  uint64_t behind_schedule = 0;            // open loop: requests due before the end but never sent
  uint64_t unanswered = 0;                 // requests still in flight when the run had to stop
  uint64_t preloaded = 0;                  // keys set by the warm-up
  int64_t last_completion_ns = 0;          // when the last answer arrived
  std::vector<uint64_t> per_connection;    // answers per connection
  std::vector<std::string> error_samples;  // the first few error messages

  static constexpr size_t kMaxErrorSamples = 10;

  void AddError(std::string message);
  void Merge(const WorkerStats& other);
  uint64_t requests() const { return gets + sets; }
};

// Requests answered, errors and latencies since the last Take; a worker Adds every ~100 ms.
class IntervalStats {
 public:
  void Add(uint64_t requests, uint64_t errors, const LatencyHistogram& latency)
      ABSL_LOCKS_EXCLUDED(mutex_);
  // Adds this interval into the arguments and starts a new one.
  void TakeInto(uint64_t* requests, uint64_t* errors, LatencyHistogram* latency)
      ABSL_LOCKS_EXCLUDED(mutex_);

 private:
  absl::Mutex mutex_;
  uint64_t requests_ ABSL_GUARDED_BY(mutex_) = 0;
  uint64_t errors_ ABSL_GUARDED_BY(mutex_) = 0;
  LatencyHistogram latency_ ABSL_GUARDED_BY(mutex_);
};

}  // namespace memkv::bench

#endif  // MEMKV_TOOLS_BENCH_STATS_H_
