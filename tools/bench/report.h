// The end of a memkv-bench run: the merged tallies turned into the figures a reader wants
// (throughput, hit ratio, errors, latency percentiles, per-connection spread and Jain's fairness
// index), printed for people or as one JSON object for scripts, plus the live progress line.
// Plain functions; any thread.
#ifndef MEMKV_TOOLS_BENCH_REPORT_H_
#define MEMKV_TOOLS_BENCH_REPORT_H_

#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "absl/types/span.h"
#include "tools/bench/histogram.h"
#include "tools/bench/options.h"
#include "tools/bench/stats.h"

namespace memkv::bench {

struct Spread {
  double min = 0;
  double median = 0;
  double max = 0;
  double jain = 0;  // (sum x)^2 / (n * sum x^2): 1 when all equal, 1/n when one gets everything
};

// min/median/max and Jain's fairness index of per-connection counts, divided by `seconds`.
Spread ComputeSpread(absl::Span<const uint64_t> counts, double seconds);

struct Summary {
  double elapsed_s = 0;  // from the start to the last answer
  double preload_s = 0;
  double ops_per_sec = 0;
  double hit_ratio = 0;   // hits / keys asked for by gets; 0 without gets
  Spread per_connection;  // requests/s
  std::vector<std::pair<double, double>> latency_cdf_us;  // (quantile, latency in us)
};

Summary Summarize(const WorkerStats& stats, double elapsed_s, double preload_s);

// The human-readable summary, several lines.
std::string FormatText(const BenchOptions& options, const WorkerStats& stats,
                       const Summary& summary);
// One JSON object on one line.
// text as a JSON string literal, quotes included.
std::string JsonString(std::string_view text);

std::string FormatJson(const BenchOptions& options, const WorkerStats& stats,
                       const Summary& summary);
// "[  3s]  412345 ops/s  p99 180.2 us  errors 0"
std::string FormatProgress(double elapsed_s, double ops_per_sec, const LatencyHistogram& latency,
                           uint64_t errors);

}  // namespace memkv::bench

#endif  // MEMKV_TOOLS_BENCH_REPORT_H_
