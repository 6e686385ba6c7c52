// BenchOptions: everything one memkv-bench run is told, parsed from the command line. Each option
// is defined once (options.cc's table: name, default, one-line help); nothing else reads argv.
// Plain value type; any thread.
#ifndef MEMKV_TOOLS_BENCH_OPTIONS_H_
#define MEMKV_TOOLS_BENCH_OPTIONS_H_

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "absl/status/statusor.h"
#include "absl/types/span.h"

namespace memkv::bench {

enum class Dialect { kText, kMeta, kResp, kBinary };

// How value sizes are chosen: uniform in [value_min, value_max], or the ETC mix (cache_aside.h).
enum class ValueMix { kRange, kEtc };

std::string_view DialectName(Dialect dialect);

struct BenchOptions {
  std::string host = "127.0.0.1";
  uint16_t port = 11211;
  int threads = 1;
  int connections_per_thread = 1;
  int pipeline = 1;           // requests in flight per connection
  double rate = 0;            // open loop: requests/s over all connections; 0 = closed loop
  double duration_s = 5;      // used unless `requests` is set
  uint64_t requests = 0;      // total requests over all connections; 0 = run for duration_s
  bool preload = false;       // set every key once before measuring
  uint64_t keyspace = 10000;  // keys are numbered 0 .. keyspace-1
  std::string key_prefix = "key:";
  int key_width = 0;      // zero-padded digits; 0 = as many as keyspace-1 has
  double zipf_theta = 0;  // 0 = uniform keys, else zipfian with this exponent
  size_t value_min = 32;
  size_t value_max = 32;
  ValueMix value_mix = ValueMix::kRange;
  uint32_t get_weight = 9;  // the get:set ratio
  uint32_t set_weight = 1;
  int multiget = 1;  // keys per get
  Dialect dialect = Dialect::kText;
  bool verify = true;  // check value contents, not only lengths
  bool json = false;
  uint64_t seed = 1;
  // The cache-aside workload (cache_aside_run.h): get, and set the key on a miss.
  bool cache_aside = false;
  std::string trace_path;  // cache-aside requests from this trace file instead of a generator
  uint64_t interval = 0;   // cache-aside: requests per reported interval; 0 = 1/20 of the run
  bool help = false;

  int total_connections() const { return threads * connections_per_thread; }
  size_t key_length() const { return key_prefix.size() + static_cast<size_t>(key_width); }
};

// Parses argv[1..]. An error's message is one line fit to print after "memkv-bench: ".
absl::StatusOr<BenchOptions> ParseBenchOptions(absl::Span<const std::string_view> args);

// The --help text, generated from the option table.
std::string BenchUsage();

}  // namespace memkv::bench

#endif  // MEMKV_TOOLS_BENCH_OPTIONS_H_
