// CommandStats: the counters one thread keeps about the requests it executes.
//
// Each worker (or dispatcher, or the single thread) owns one CommandStats and is the only thread
// that increments it, so increments are plain relaxed load+store, with no locked instruction and
// no shared cache line on the request path. The `stats` and INFO commands read every thread's
// counters (relaxed loads) and add them up. Memcached's names are used where memcached has them.
#ifndef MEMKV_SERVER_EXEC_COMMAND_STATS_H_
#define MEMKV_SERVER_EXEC_COMMAND_STATS_H_

#include <array>
#include <atomic>
#include <bit>
#include <cstdint>
#include <string_view>

#include "server/exec/counter.h"
#include "server/exec/resp_command_counters.h"

namespace memkv::server {

// The command families whose execution time is measured (--metrics-port): a fixed set, so that
// one thread's histograms are one fixed array and the exposition has a bounded set of labels.
// clang-format off
#define MEMKV_COMMAND_FAMILIES(X)                                                                \
  X(get) X(set) X(delete) X(incr_decr) X(touch) X(flush) X(text_other)                          \
  X(mg) X(ms) X(md) X(ma) X(meta_other)                                                           \
  X(binary_get) X(binary_set) X(binary_other)                                                     \
  X(resp_get) X(resp_set) X(resp_del) X(resp_incr_decr) X(resp_expire) X(resp_other)
// clang-format on

enum class CommandFamily : uint8_t {
#define MEMKV_FAMILY_ENUM(name) k_##name,
  MEMKV_COMMAND_FAMILIES(MEMKV_FAMILY_ENUM)
#undef MEMKV_FAMILY_ENUM
      kCount
};

// The family's name as a metric label: "get", "resp_set", ...
std::string_view CommandFamilyName(CommandFamily family);

// Execution times in log2 buckets of microseconds (upper bounds 1, 2, 4, ... 2^20 us, then
// everything above), with their count and sum: a Prometheus histogram one thread writes and any
// thread reads, as Counter.
class LatencyHistogram {
 public:
  static constexpr int kFiniteBuckets = 21;  // le = 2^0 .. 2^20 microseconds (about a second)

  void Record(uint64_t nanos) {
    bucket_[BucketOf(nanos)].Add();
    sum_nanos_.Add(nanos);
  }
  // Observations in bucket i alone (i == kFiniteBuckets: above the last bound).
  uint64_t bucket(int i) const { return bucket_[i].Get(); }
  uint64_t sum_nanos() const { return sum_nanos_.Get(); }
  // Upper bound of bucket i in seconds.
  static double UpperBoundSeconds(int i) { return static_cast<double>(uint64_t{1} << i) * 1e-6; }
  static int BucketOf(uint64_t nanos) {
    uint64_t micros = (nanos + 999) / 1000;  // rounded up: 1 ns is in the 1 us bucket
    int i = micros <= 1 ? 0 : std::bit_width(micros - 1);
    return i < kFiniteBuckets ? i : kFiniteBuckets;
  }

 private:
  Counter bucket_[kFiniteBuckets + 1];
  Counter sum_nanos_;
};

// clang-format off
#define MEMKV_COMMAND_COUNTERS(X)                                                                \
  X(cmd_get) X(cmd_set) X(cmd_touch) X(cmd_flush) X(get_hits) X(get_misses) X(get_expired)      \
  X(get_flushed) X(delete_hits) X(delete_misses) X(incr_hits) X(incr_misses) X(decr_hits)       \
  X(decr_misses) X(cas_hits) X(cas_misses) X(cas_badval) X(touch_hits) X(touch_misses)          \
  X(cmd_meta) X(cmd_resp) X(requests) X(bytes_read) X(bytes_written) X(total_connections)       \
  X(rejected_connections) X(protocol_errors) X(idle_kicks) X(auth_cmds) X(auth_errors)          \
  X(protected_mode_denials) X(dispatch_batches) X(values_received_direct) X(bytes_read_direct)
// clang-format on

struct CommandStats {
#define MEMKV_DECLARE_COUNTER(name) Counter name;
  MEMKV_COMMAND_COUNTERS(MEMKV_DECLARE_COUNTER)
#undef MEMKV_DECLARE_COUNTER
  Gauge curr_connections;  // connections this thread owns now
  // A dispatch-pool worker's queue: requests handed to it and not executed yet, written by the
  // dispatchers (DispatchPool); null for every other thread.
  const std::atomic<int64_t>* queued_requests = nullptr;
  // Execution times by family; written only when the server measures them (--metrics-port).
  std::array<LatencyHistogram, static_cast<size_t>(CommandFamily::kCount)> latency;
  // RESP commands by command and error replies by code (INFO commandstats, errorstats).
  RespCommandCounters resp;
};

}  // namespace memkv::server

#endif  // MEMKV_SERVER_EXEC_COMMAND_STATS_H_
