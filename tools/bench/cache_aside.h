// The cache-aside workload's request sequence: what an application in front of a database asks
// of its cache. Each request is a get, or an explicit set (traces only); the driver
// (cache_aside_run.h) answers a get that misses with a set of the key, as the application fills
// the cache after reading the database.
//
// Two sources of requests:
//  - SyntheticSource: keys drawn from a uniform or zipfian distribution over --keyspace with the
//    run's seed, so the sequence is the same for every server and every run with that seed.
//  - TraceSource: a trace file, one "get KEY SIZE" or "set KEY SIZE" a line ('#' comments and
//    blank lines are skipped), so that published cache traces can be replayed. Keys are numbered
//    in order of first appearance and sent as prefix + number (key identity is what matters to a
//    hit ratio; the names are not).
//
// A synthetic key's value size is a property of the key (the same every time it is set), drawn
// from ValueSizeFor: a fixed size, a uniform range, or --value-size etc, the value-size
// distribution Atikoglu et al. measured on Facebook's ETC memcached pool ("Workload Analysis of
// a Large-Scale Key-Value Store", SIGMETRICS 2012): a generalized Pareto distribution with
// location 0, scale 214.476 and shape 0.348238 (mean about 330 bytes, median about 170, and a
// heavy tail), cut at 1..32768 bytes. It is the published mix most cache studies reuse (mutilate
// generates it), so servers are compared on the value sizes caches actually see.
//
// Sources are used by one thread.
#ifndef MEMKV_TOOLS_BENCH_CACHE_ASIDE_H_
#define MEMKV_TOOLS_BENCH_CACHE_ASIDE_H_

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "tools/bench/options.h"
#include "tools/bench/random.h"
#include "tools/bench/zipf.h"

namespace memkv::bench {

struct CacheAsideRequest {
  bool is_set = false;
  uint64_t key = 0;
  uint32_t size = 0;  // the value size a set (or the fill after a missed get) stores
};

// The ETC distribution's bounds (see above).
inline constexpr size_t kEtcValueMin = 1;
inline constexpr size_t kEtcValueMax = 32768;

// The value size of synthetic key `key` under `options` (value_mix and value_min/max).
size_t ValueSizeFor(const BenchOptions& options, uint64_t key);

class RequestSource {
 public:
  virtual ~RequestSource() = default;
  // The next request; false when the source is exhausted (traces only).
  virtual bool Next(CacheAsideRequest* request) = 0;
};

class SyntheticSource : public RequestSource {
 public:
  explicit SyntheticSource(const BenchOptions& options);
  bool Next(CacheAsideRequest* request) override;

 private:
  const BenchOptions& options_;
  Rng rng_;
  std::optional<ZipfGenerator> zipf_;
};

struct Trace {
  std::vector<CacheAsideRequest> requests;
  uint64_t distinct_keys = 0;
  size_t min_size = 0;
  size_t max_size = 0;
};

// Parses a trace's text. An error names the line.
absl::StatusOr<Trace> ParseTrace(std::string_view text);
absl::StatusOr<Trace> LoadTrace(const std::string& path);

class TraceSource : public RequestSource {
 public:
  explicit TraceSource(const Trace* trace) : trace_(trace) {}
  bool Next(CacheAsideRequest* request) override;

 private:
  const Trace* trace_;
  size_t next_ = 0;
};

}  // namespace memkv::bench

#endif  // MEMKV_TOOLS_BENCH_CACHE_ASIDE_H_
