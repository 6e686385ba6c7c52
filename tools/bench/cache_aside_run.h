// RunCacheAside: drives the cache-aside workload (cache_aside.h) against one server over one
// connection and measures the hit ratio, per interval and over the whole run.
//
// Requests go in batches of up to --pipeline: the batch's gets (and a trace's sets) are sent
// together, and then a set for every get that missed, as an application fills its cache from
// the database. A batch never holds the same key twice, and never crosses an interval boundary,
// so the hits are those of sending the requests one at a time: the same sequence gives the same
// counts whatever the pipeline depth (up to the order in which distinct keys of one batch reach
// the eviction policy). The sequence comes from the seed (or the trace), so every server sees
// the same gets; the fills follow from each server's own misses.
//
// A set the server refuses (memcached's "SERVER_ERROR out of memory storing object") is counted
// as a set failure, not an error: a cache may decline an item. A wrong or missing answer to a
// get is an error.
//
// Threads: RunCacheAside runs on the calling thread only.
#ifndef MEMKV_TOOLS_BENCH_CACHE_ASIDE_RUN_H_
#define MEMKV_TOOLS_BENCH_CACHE_ASIDE_RUN_H_

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "tools/bench/connection.h"
#include "tools/bench/options.h"

namespace memkv::bench {

struct CacheAsideInterval {
  uint64_t requests_end = 0;  // requests answered when the interval closed
  uint64_t gets = 0;          // in this interval
  uint64_t hits = 0;
  double elapsed_s = 0;  // since the start, when the interval closed
};

struct CacheAsideResult {
  std::string source;     // "zipf:0.99", "uniform" or "trace"
  uint64_t keys = 0;      // key space (synthetic) or distinct keys (trace)
  uint64_t requests = 0;  // gets + trace sets; fills not included
  uint64_t gets = 0;
  uint64_t hits = 0;
  uint64_t misses = 0;
  uint64_t fill_sets = 0;     // sets after a missed get
  uint64_t trace_sets = 0;    // sets the trace asked for
  uint64_t set_failures = 0;  // sets the server refused
  uint64_t errors = 0;        // wrong answers to gets
  double elapsed_s = 0;
  std::vector<CacheAsideInterval> intervals;
  std::vector<std::string> error_samples;  // the first few errors and set failures

  double hit_ratio() const {
    return gets == 0 ? 0 : static_cast<double>(hits) / static_cast<double>(gets);
  }
};

// Runs the workload `options` describe (options.cache_aside) against `address`. An error means
// the run could not happen or the connection broke (what was measured up to then is lost).
absl::StatusOr<CacheAsideResult> RunCacheAside(const BenchOptions& options,
                                               const ServerAddress& address);

std::string FormatCacheAsideText(const CacheAsideResult& result);
std::string FormatCacheAsideJson(const BenchOptions& options, const CacheAsideResult& result);

}  // namespace memkv::bench

#endif  // MEMKV_TOOLS_BENCH_CACHE_ASIDE_RUN_H_
