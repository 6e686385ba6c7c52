#include "tools/bench/report.h"

#include <algorithm>
#include <cmath>

#include "absl/strings/str_format.h"
#include "tools/bench/strings.h"

namespace memkv::bench {
namespace {

double Us(uint64_t ns) { return static_cast<double>(ns) / 1000.0; }

// Quantiles for the CDF: 0, 0.1, ... 0.9, then ever closer to 1 (0.99, 0.999, ...) in tenths of
// a decade, as HdrHistogram's percentile plots do, so the tail has as many points as the body.
std::vector<double> CdfQuantiles() {
  std::vector<double> quantiles;
  for (int i = 0; i < 10; ++i) quantiles.push_back(i / 10.0);
  for (int j = 11; j <= 50; ++j) quantiles.push_back(1.0 - std::pow(10.0, -j / 10.0));
  quantiles.push_back(1.0);
  return quantiles;
}

struct Percentiles {
  double p50, p90, p99, p999, max, mean;
};

Percentiles LatencyPercentiles(const LatencyHistogram& h) {
  return {Us(h.ValueAtQuantile(0.5)),
          Us(h.ValueAtQuantile(0.9)),
          Us(h.ValueAtQuantile(0.99)),
          Us(h.ValueAtQuantile(0.999)),
          Us(h.max()),
          h.mean() / 1000.0};
}

}  // namespace

std::string JsonString(std::string_view text) {
  std::string out = "\"";
  for (unsigned char c : text) {
    if (c == '"' || c == '\\') {
      out.push_back('\\');
      out.push_back(static_cast<char>(c));
    } else if (c < 0x20 || c >= 0x7f) {
      absl::StrAppendFormat(&out, "\\u%04x", c);
    } else {
      out.push_back(static_cast<char>(c));
    }
  }
  out.push_back('"');
  return out;
}

Spread ComputeSpread(absl::Span<const uint64_t> counts, double seconds) {
  Spread spread;
  if (counts.empty() || seconds <= 0) return spread;
  std::vector<uint64_t> sorted(counts.begin(), counts.end());
  std::sort(sorted.begin(), sorted.end());
  const size_t n = sorted.size();
  const double median = n % 2 == 1 ? static_cast<double>(sorted[n / 2])
                                   : (static_cast<double>(sorted[n / 2 - 1]) + sorted[n / 2]) / 2;
  double sum = 0;
  double sum_squares = 0;
  for (uint64_t count : sorted) {
    sum += static_cast<double>(count);
    sum_squares += static_cast<double>(count) * static_cast<double>(count);
  }
  spread.min = static_cast<double>(sorted.front()) / seconds;
  spread.median = median / seconds;
  spread.max = static_cast<double>(sorted.back()) / seconds;
  spread.jain = sum_squares > 0 ? sum * sum / (static_cast<double>(n) * sum_squares) : 0;
  return spread;
}

Summary Summarize(const WorkerStats& stats, double elapsed_s, double preload_s) {
  Summary summary;
  summary.elapsed_s = elapsed_s;
  summary.preload_s = preload_s;
  if (elapsed_s > 0) summary.ops_per_sec = static_cast<double>(stats.requests()) / elapsed_s;
  if (stats.keys_requested > 0) {
    summary.hit_ratio = static_cast<double>(stats.hits) / static_cast<double>(stats.keys_requested);
  }
  summary.per_connection = ComputeSpread(stats.per_connection, elapsed_s);
  for (double q : CdfQuantiles()) {
    summary.latency_cdf_us.emplace_back(q, Us(stats.latency.ValueAtQuantile(q)));
  }
  return summary;
}

std::string FormatText(const BenchOptions& o, const WorkerStats& s, const Summary& summary) {
  const Percentiles p = LatencyPercentiles(s.latency);
  std::string out = absl::StrFormat(
      "memkv-bench: %s to %s:%d, %d threads x %d connections, pipeline %d, %s, %.2f s\n",
      DialectName(o.dialect), o.host, o.port, o.threads, o.connections_per_thread, o.pipeline,
      o.rate > 0 ? absl::StrFormat("open loop at %.0f req/s", o.rate) : "closed loop",
      summary.elapsed_s);
  absl::StrAppendFormat(&out, "requests     %d (gets %d, sets %d)\n", s.requests(), s.gets, s.sets);
  absl::StrAppendFormat(&out, "throughput   %.0f requests/s\n", summary.ops_per_sec);
  absl::StrAppendFormat(&out, "hit ratio    %.2f%% (%d of %d keys)\n", summary.hit_ratio * 100,
                        s.hits, s.keys_requested);
  absl::StrAppendFormat(&out, "errors       %d\n", s.errors);
  for (const std::string& sample : s.error_samples) out += Cat("  ", sample, "\n");
  if (s.behind_schedule > 0) {
    absl::StrAppendFormat(&out,
                          "behind       %d requests were due but never sent (server too slow)\n",
                          s.behind_schedule);
  }
  absl::StrAppendFormat(&out,
                        "latency us   p50 %.1f  p90 %.1f  p99 %.1f  p99.9 %.1f  max %.1f  "
                        "(mean %.1f)\n",
                        p.p50, p.p90, p.p99, p.p999, p.max, p.mean);
  const Spread& c = summary.per_connection;
  absl::StrAppendFormat(&out,
                        "per conn     requests/s min %.0f  median %.0f  max %.0f  Jain fairness "
                        "%.3f\n",
                        c.min, c.median, c.max, c.jain);
  if (o.preload) {
    absl::StrAppendFormat(&out, "preload      %d keys in %.2f s\n", s.preloaded, summary.preload_s);
  }
  return out;
}

std::string FormatJson(const BenchOptions& o, const WorkerStats& s, const Summary& summary) {
  const Percentiles p = LatencyPercentiles(s.latency);
  std::string out = absl::StrFormat(
      "{\"dialect\":\"%s\",\"server\":%s,\"threads\":%d,\"connections\":%d,\"pipeline\":%d,"
      "\"rate\":%.6g,\"multiget\":%d,\"keyspace\":%d,\"value_min\":%d,\"value_max\":%d,"
      "\"elapsed_s\":%.6f,\"preload_s\":%.6f,\"preloaded\":%d,\"requests\":%d,\"gets\":%d,"
      "\"sets\":%d,\"keys_requested\":%d,\"hits\":%d,\"misses\":%d,\"hit_ratio\":%.6f,"
      "\"errors\":%d,\"behind_schedule\":%d,\"unanswered\":%d,\"ops_per_sec\":%.3f,",
      DialectName(o.dialect), JsonString(Cat(o.host, ":", o.port)), o.threads,
      o.total_connections(), o.pipeline, o.rate, o.multiget, o.keyspace, o.value_min, o.value_max,
      summary.elapsed_s, summary.preload_s, s.preloaded, s.requests(), s.gets, s.sets,
      s.keys_requested, s.hits, s.misses, summary.hit_ratio, s.errors, s.behind_schedule,
      s.unanswered, summary.ops_per_sec);
  absl::StrAppendFormat(&out,
                        "\"latency_us\":{\"p50\":%.3f,\"p90\":%.3f,\"p99\":%.3f,\"p999\":%.3f,"
                        "\"max\":%.3f,\"mean\":%.3f},",
                        p.p50, p.p90, p.p99, p.p999, p.max, p.mean);
  const Spread& c = summary.per_connection;
  absl::StrAppendFormat(&out,
                        "\"per_connection_ops_per_sec\":{\"min\":%.3f,\"median\":%.3f,"
                        "\"max\":%.3f,\"jain\":%.6f},",
                        c.min, c.median, c.max, c.jain);
  out.append("\"latency_cdf_us\":[");
  for (size_t i = 0; i < summary.latency_cdf_us.size(); ++i) {
    absl::StrAppendFormat(&out, "%s[%.6f,%.3f]", i == 0 ? "" : ",", summary.latency_cdf_us[i].first,
                          summary.latency_cdf_us[i].second);
  }
  out.append("],\"error_samples\":[");
  for (size_t i = 0; i < s.error_samples.size(); ++i) {
    out += Cat(i == 0 ? "" : ",", JsonString(s.error_samples[i]));
  }
  out.append("]}\n");
  return out;
}

std::string FormatProgress(double elapsed_s, double ops_per_sec, const LatencyHistogram& latency,
                           uint64_t errors) {
  return absl::StrFormat("[%5.0fs] %10.0f requests/s  p99 %9.1f us  errors %d", elapsed_s,
                         ops_per_sec, Us(latency.ValueAtQuantile(0.99)), errors);
}

}  // namespace memkv::bench
