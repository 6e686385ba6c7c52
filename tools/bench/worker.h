// Worker: one memkv-bench thread. It owns its connections and runs its own epoll loop over them:
// it issues requests (closed loop: keep `pipeline` in flight on each connection; open loop: send
// each request at its intended time, spaced evenly per connection, and measure its latency from
// that time even when it had to wait for a free pipeline slot, so a stalled server cannot hide
// its stall — no coordinated omission), checks every answer with the dialect's codec, and keeps
// its own tally.
//
// Threads: the main thread constructs it and calls Connect(); then one thread calls Preload()
// and Measure(); afterwards the main thread reads stats(). interval() may be read by any thread
// at any time.
#ifndef MEMKV_TOOLS_BENCH_WORKER_H_
#define MEMKV_TOOLS_BENCH_WORKER_H_

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "tools/bench/codec.h"
#include "tools/bench/connection.h"
#include "tools/bench/options.h"
#include "tools/bench/random.h"
#include "tools/bench/stats.h"
#include "tools/bench/workload.h"

namespace memkv::bench {

// CLOCK_MONOTONIC in nanoseconds.
int64_t MonotonicNowNs();

// What all workers share, read-only, for the whole run.
struct WorkloadShared {
  const BenchOptions* options = nullptr;
  const CodecContext* codec_context = nullptr;
  const OpGenerator* ops = nullptr;
};

class Worker {
 public:
  Worker(int index, const WorkloadShared& shared);

  // Opens this worker's connections. Main thread, before the worker's thread starts.
  absl::Status Connect(const ServerAddress& address);

  // Sets this worker's share of the key space once (when the options ask for a preload).
  void Preload();

  // Runs the measured phase from `start_ns` (MonotonicNowNs time) to the end of the run.
  void Measure(int64_t start_ns);

  WorkerStats& stats() { return stats_; }
  IntervalStats& interval() { return interval_; }

 private:
  enum class Phase { kPreload, kMeasure };
  struct Conn {
    std::unique_ptr<Connection> connection;
    int global_index = 0;
    int64_t next_intended_ns = 0;  // open loop: when the next request is due
    uint64_t quota = UINT64_MAX;   // requests it may still send (--requests)
  };

  void RunLoop(int64_t stop_issuing_ns);
  bool DoneIssuing(int64_t now, int64_t stop_issuing_ns) const;
  int64_t NextWake(int64_t now, int64_t stop_issuing_ns, int64_t drain_deadline) const;
  void Issue(Conn& conn, int64_t now);
  void IssueOne(Conn& conn, int64_t intended_ns);
  void Flush(Conn& conn);
  void HandleEvent(Conn& conn, uint32_t events);
  void ProcessReplies(Conn& conn, int64_t now);
  void Complete(Conn& conn, int64_t now);
  void Break(Conn& conn, std::string_view why);
  // Gives up on every connection (a stuck server); the run ends.
  void CloseAll();
  void CountBehindSchedule(int64_t stop_issuing_ns);
  void Publish();

  const int index_;
  const WorkloadShared shared_;
  const BenchOptions& options_;
  Rng rng_;
  std::unique_ptr<RequestCodec> codec_;
  UniqueFd epoll_;
  std::vector<Conn> conns_;
  int open_connections_ = 0;
  uint64_t in_flight_ = 0;
  uint64_t quota_left_ = UINT64_MAX;  // requests all connections may still send

  Phase phase_ = Phase::kPreload;
  size_t depth_ = 1;       // in flight per connection in this phase
  bool stopping_ = false;  // no new requests; waiting for the answers in flight
  int64_t open_loop_interval_ns_ = 0;
  uint64_t preload_next_ = 0;
  uint64_t preload_end_ = 0;
  int64_t last_answer_ns_ = 0;
  int64_t next_publish_ns_ = 0;

  WorkerStats stats_;
  IntervalStats interval_;
  LatencyHistogram interval_latency_;
  uint64_t interval_requests_ = 0;
  uint64_t published_errors_ = 0;
};

}  // namespace memkv::bench

#endif  // MEMKV_TOOLS_BENCH_WORKER_H_
