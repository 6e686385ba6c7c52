// memkv-bench: a load generator for memcached-compatible servers (text, meta and binary dialects)
// and Redis (RESP) that checks every answer. See BenchUsage() (--help) for the options, and
// docs/benchmarks.md for how the project uses it.
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <latch>
#include <memory>
#include <string_view>
#include <thread>
#include <vector>

#include "tools/bench/cache_aside_run.h"
#include "tools/bench/codec.h"
#include "tools/bench/connection.h"
#include "tools/bench/options.h"
#include "tools/bench/report.h"
#include "tools/bench/stats.h"
#include "tools/bench/worker.h"
#include "tools/bench/workload.h"

namespace memkv::bench {
namespace {

constexpr double kNsPerSecond = 1e9;

// Prints the progress line each second until every worker has finished.
void WatchProgress(std::vector<std::unique_ptr<Worker>>& workers, std::latch& finished,
                   int64_t start_ns, bool live) {
  int64_t last_ns = start_ns;
  bool printed = false;
  while (!finished.try_wait()) {
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
    const int64_t now = MonotonicNowNs();
    if (!live || now - last_ns < 1'000'000'000) continue;
    uint64_t requests = 0;
    uint64_t errors = 0;
    LatencyHistogram latency;
    for (auto& worker : workers) worker->interval().TakeInto(&requests, &errors, &latency);
    const double seconds = static_cast<double>(now - last_ns) / kNsPerSecond;
    std::fprintf(stderr, "\r%s\x1b[K",
                 FormatProgress(static_cast<double>(now - start_ns) / kNsPerSecond,
                                static_cast<double>(requests) / seconds, latency, errors)
                     .c_str());
    last_ns = now;
    printed = true;
  }
  if (printed) std::fputc('\n', stderr);
}

int RunCacheAsideWorkload(const BenchOptions& options, const ServerAddress& address) {
  absl::StatusOr<CacheAsideResult> result = RunCacheAside(options, address);
  if (!result.ok()) {
    std::fprintf(stderr, "memkv-bench: %s\n", std::string(result.status().message()).c_str());
    return 1;
  }
  const std::string report =
      options.json ? FormatCacheAsideJson(options, *result) : FormatCacheAsideText(*result);
  std::fputs(report.c_str(), stdout);
  return result->errors > 0 ? 1 : 0;
}

int Run(const BenchOptions& options) {
  absl::StatusOr<ServerAddress> address = ResolveServer(options.host, options.port);
  if (!address.ok()) {
    std::fprintf(stderr, "memkv-bench: %s\n", std::string(address.status().message()).c_str());
    return 1;
  }
  if (options.cache_aside) return RunCacheAsideWorkload(options, *address);
  const KeyNamer keys(options.key_prefix, options.key_width);
  const ValuePattern values(options.value_max);
  const CodecContext context{.keys = &keys,
                             .values = &values,
                             .value_min = options.value_min,
                             .value_max = options.value_max,
                             .verify = options.verify};
  const OpGenerator ops(options);
  const WorkloadShared shared{.options = &options, .codec_context = &context, .ops = &ops};
  std::vector<std::unique_ptr<Worker>> workers;
  for (int i = 0; i < options.threads; ++i) {
    workers.push_back(std::make_unique<Worker>(i, shared));
    if (absl::Status status = workers.back()->Connect(*address); !status.ok()) {
      std::fprintf(stderr, "memkv-bench: cannot connect to %s:%d: %s\n", options.host.c_str(),
                   options.port, std::string(status.message()).c_str());
      return 1;
    }
  }
  std::latch preloaded(options.threads);
  std::latch start(1);
  std::latch finished(options.threads);
  int64_t start_ns = 0;
  const int64_t preload_start_ns = MonotonicNowNs();
  std::vector<std::thread> threads;
  for (auto& worker : workers) {
    threads.emplace_back([&, w = worker.get()] {
      w->Preload();
      preloaded.count_down();
      start.wait();
      w->Measure(start_ns);
      finished.count_down();
    });
  }
  preloaded.wait();
  start_ns = MonotonicNowNs();
  start.count_down();
  WatchProgress(workers, finished, start_ns, isatty(STDERR_FILENO) == 1);
  for (std::thread& thread : threads) thread.join();

  WorkerStats total;
  for (auto& worker : workers) total.Merge(worker->stats());
  const int64_t end_ns =
      total.last_completion_ns > start_ns ? total.last_completion_ns : MonotonicNowNs();
  const Summary summary =
      Summarize(total, static_cast<double>(end_ns - start_ns) / kNsPerSecond,
                static_cast<double>(start_ns - preload_start_ns) / kNsPerSecond);
  const std::string report =
      options.json ? FormatJson(options, total, summary) : FormatText(options, total, summary);
  std::fputs(report.c_str(), stdout);
  return total.errors > 0 || total.unanswered > 0 ? 1 : 0;
}

}  // namespace
}  // namespace memkv::bench

int main(int argc, char** argv) {
  std::vector<std::string_view> args(argv + 1, argv + argc);
  absl::StatusOr<memkv::bench::BenchOptions> options = memkv::bench::ParseBenchOptions(args);
  if (!options.ok()) {
    std::fprintf(stderr, "memkv-bench: %s\n", std::string(options.status().message()).c_str());
    return 2;
  }
  if (options->help) {
    std::fputs(memkv::bench::BenchUsage().c_str(), stdout);
    return 0;
  }
  return memkv::bench::Run(*options);
}
