#include "server/exec/prometheus_exposition.h"

#include <string_view>
#include <utility>
#include <vector>

#include "absl/strings/str_format.h"
#include "server/exec/command_stats.h"
#include "server/exec/exec_context.h"

namespace memkv::server {
namespace {

// One metric's HELP and TYPE lines, then its samples.
void Header(std::string* out, std::string_view name, std::string_view type, std::string_view help) {
  absl::StrAppendFormat(out, "# HELP %s %s\n# TYPE %s %s\n", name, help, name, type);
}

void Sample(std::string* out, std::string_view name, uint64_t value) {
  absl::StrAppendFormat(out, "%s %d\n", name, value);
}

void Metric(std::string* out, std::string_view name, std::string_view type, std::string_view help,
            uint64_t value) {
  Header(out, name, type, help);
  Sample(out, name, value);
}

// memcached's counter names become Prometheus counters: memkv_<name>_total, with the names
// that already say "total" not saying it twice (total_connections: memkv_connections_total).
std::string CounterName(std::string_view stat) {
  if (stat.substr(0, 6) == "total_") stat.remove_prefix(6);
  return absl::StrFormat("memkv_%s_total", stat);
}

using ThreadList = std::vector<std::pair<std::string, const CommandStats*>>;

void AppendCounters(const ThreadList& threads, std::string* out) {
#define MEMKV_EXPOSE_COUNTER(stat)                                                             \
  {                                                                                            \
    uint64_t sum = 0;                                                                          \
    for (const auto& thread : threads) sum += thread.second->stat.Get();                       \
    std::string name = CounterName(#stat);                                                     \
    Metric(out, name, "counter", "memcached stats / INFO field " #stat ", all threads.", sum); \
  }
  MEMKV_COMMAND_COUNTERS(MEMKV_EXPOSE_COUNTER)
#undef MEMKV_EXPOSE_COUNTER
  int64_t connections = 0;
  for (const auto& thread : threads) connections += thread.second->curr_connections.Get();
  Metric(out, "memkv_curr_connections", "gauge", "Client connections open now.",
         static_cast<uint64_t>(connections < 0 ? 0 : connections));
}

void AppendThreads(const ThreadList& threads, std::string* out) {
  Header(out, "memkv_thread_requests_total", "counter", "Requests executed, by thread.");
  for (const auto& [name, stats] : threads) {
    absl::StrAppendFormat(out, "memkv_thread_requests_total{thread=\"%s\"} %d\n", name,
                          stats->requests.Get());
  }
  Header(out, "memkv_thread_batches_total", "counter",
         "Dispatch modes: batches of requests each worker executed.");
  for (const auto& [name, stats] : threads) {
    if (stats->queued_requests == nullptr) continue;
    absl::StrAppendFormat(out, "memkv_thread_batches_total{thread=\"%s\"} %d\n", name,
                          stats->dispatch_batches.Get());
  }
  Header(out, "memkv_thread_queued_requests", "gauge",
         "Dispatch modes: requests handed to each worker and not executed yet.");
  for (const auto& [name, stats] : threads) {
    if (stats->queued_requests == nullptr) continue;
    absl::StrAppendFormat(out, "memkv_thread_queued_requests{thread=\"%s\"} %d\n", name,
                          stats->queued_requests->load(std::memory_order_relaxed));
  }
  Header(out, "memkv_thread_connections", "gauge", "Connections each thread owns now.");
  for (const auto& [name, stats] : threads) {
    int64_t owned = stats->curr_connections.Get();
    absl::StrAppendFormat(out, "memkv_thread_connections{thread=\"%s\"} %d\n", name,
                          owned < 0 ? 0 : owned);
  }
}

void AppendEngine(const storage::EngineStats& engine, std::string* out) {
  Metric(out, "memkv_items", "gauge", "Items stored now (curr_items).", engine.curr_items);
  Metric(out, "memkv_items_stored_total", "counter", "Items ever stored (total_items).",
         engine.total_items);
  Metric(out, "memkv_item_bytes", "gauge", "Key, value and header bytes of live items (bytes).",
         engine.bytes);
  Metric(out, "memkv_memory_bytes", "gauge",
         "Memory held against the limit: segments, large values, indexes.", engine.memory_bytes);
  Metric(out, "memkv_memory_limit_bytes", "gauge", "The memory limit, -m (limit_maxbytes).",
         engine.limit_maxbytes);
  Metric(out, "memkv_evictions_total", "counter", "Live items removed to make room.",
         engine.evictions);
  Metric(out, "memkv_reclaimed_total", "counter", "Expired items whose memory was reused.",
         engine.reclaimed);
  Metric(out, "memkv_expired_unfetched_total", "counter", "Items expired without being read.",
         engine.expired_unfetched);
  Metric(out, "memkv_evicted_unfetched_total", "counter", "Items evicted without being read.",
         engine.evicted_unfetched);
  Metric(out, "memkv_pinned_bytes", "gauge", "Large values referenced by replies being sent.",
         engine.pinned_bytes);
  Metric(out, "memkv_pinned_dropped_bytes", "gauge",
         "Pinned values no longer stored: held outside the limit until their sends finish.",
         engine.pinned_dropped_bytes);
}

void AppendClientMemory(const ClientMemoryFacts& facts, std::string* out) {
  Metric(out, "memkv_client_memory_bytes", "gauge", "Bytes all client connections hold now.",
         facts.used);
  Metric(out, "memkv_client_memory_limit_bytes", "gauge", "--max-client-memory (0: none).",
         facts.limit);
  Metric(out, "memkv_client_memory_evictions_total", "counter",
         "Connections closed for holding more than --max-client-memory allows.", facts.evicted);
}

// One histogram per command family that has run, all threads added up. The buckets are
// cumulative, as the format wants; le is in seconds.
void AppendLatency(const ThreadList& threads, std::string* out) {
  constexpr std::string_view kName = "memkv_command_duration_seconds";
  Header(out, kName, "histogram",
         "Execution time of a request (parse done, reply built), by command family.");
  for (size_t f = 0; f < static_cast<size_t>(CommandFamily::kCount); ++f) {
    uint64_t buckets[LatencyHistogram::kFiniteBuckets + 1] = {};
    uint64_t sum_nanos = 0;
    for (const auto& thread : threads) {
      const LatencyHistogram& histogram = thread.second->latency[f];
      for (int i = 0; i <= LatencyHistogram::kFiniteBuckets; ++i) buckets[i] += histogram.bucket(i);
      sum_nanos += histogram.sum_nanos();
    }
    uint64_t count = 0;
    for (uint64_t b : buckets) count += b;
    if (count == 0) continue;
    std::string_view family = CommandFamilyName(static_cast<CommandFamily>(f));
    uint64_t cumulative = 0;
    for (int i = 0; i < LatencyHistogram::kFiniteBuckets; ++i) {
      cumulative += buckets[i];
      absl::StrAppendFormat(out, "%s_bucket{command=\"%s\",le=\"%g\"} %d\n", kName, family,
                            LatencyHistogram::UpperBoundSeconds(i), cumulative);
    }
    absl::StrAppendFormat(out, "%s_bucket{command=\"%s\",le=\"+Inf\"} %d\n", kName, family, count);
    absl::StrAppendFormat(out, "%s_sum{command=\"%s\"} %.9f\n", kName, family,
                          static_cast<double>(sum_nanos) * 1e-9);
    absl::StrAppendFormat(out, "%s_count{command=\"%s\"} %d\n", kName, family, count);
  }
}

}  // namespace

std::string PrometheusExposition(const ServerInfo& server, const storage::Engine& engine,
                                 int64_t now_millis) {
  std::string out;
  Header(&out, "memkv_info", "gauge", "The running server: version, front-end mode, I/O engine.");
  absl::StrAppendFormat(&out, "memkv_info{version=\"%s\",mode=\"%s\",io=\"%s\"} 1\n", kMemkvVersion,
                        server.mode_name(), server.io_name());
  int64_t uptime = (now_millis - server.start_time_millis()) / 1000;
  Metric(&out, "memkv_uptime_seconds", "gauge", "Seconds since the server started.",
         static_cast<uint64_t>(uptime < 0 ? 0 : uptime));
  Metric(&out, "memkv_threads", "gauge", "Threads that execute requests.",
         static_cast<uint64_t>(server.thread_count()));
  Metric(&out, "memkv_max_connections", "gauge", "The connection limit, -c.",
         server.max_connections());
  const ThreadList threads = server.AllThreadStats();
  AppendCounters(threads, &out);
  AppendThreads(threads, &out);
  AppendEngine(engine.Stats(), &out);
  AppendClientMemory(server.client_memory(), &out);
  AppendLatency(threads, &out);
  return out;
}

}  // namespace memkv::server
