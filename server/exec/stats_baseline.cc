#include "server/exec/stats_baseline.h"

namespace memkv::server {

namespace {

uint64_t Minus(uint64_t value, uint64_t base) { return value > base ? value - base : 0; }

}  // namespace

CounterSnapshot CounterSnapshot::Of(const CommandStats& stats) {
  CounterSnapshot out;
#define MEMKV_SNAPSHOT_READ(name) out.name = stats.name.Get();
  MEMKV_COMMAND_COUNTERS(MEMKV_SNAPSHOT_READ)
#undef MEMKV_SNAPSHOT_READ
  return out;
}

CounterSnapshot CounterSnapshot::Minus(const CounterSnapshot& base) const {
  CounterSnapshot out;
#define MEMKV_SNAPSHOT_MINUS(name) out.name = server::Minus(name, base.name);
  MEMKV_COMMAND_COUNTERS(MEMKV_SNAPSHOT_MINUS)
#undef MEMKV_SNAPSHOT_MINUS
  return out;
}

StatsBaseline StatsBaseline::Take(
    const std::vector<std::pair<std::string, const CommandStats*>>& all,
    const storage::EngineStats& engine) {
  StatsBaseline out;
  for (const auto& thread : all) {
    out.threads.emplace_back(thread.second, CounterSnapshot::Of(*thread.second));
    out.resp_threads.emplace_back(thread.second, RespCountersSnapshot::Of(thread.second->resp));
  }
  out.engine = engine;
  return out;
}

CounterSnapshot StatsBaseline::Since(const CommandStats& stats) const {
  const CounterSnapshot now = CounterSnapshot::Of(stats);
  for (const auto& [thread, base] : threads) {
    if (thread == &stats) return now.Minus(base);
  }
  return now;
}

RespCountersSnapshot StatsBaseline::RespSince(const CommandStats& stats) const {
  RespCountersSnapshot now = RespCountersSnapshot::Of(stats.resp);
  for (const auto& [thread, base] : resp_threads) {
    if (thread == &stats) return now.Minus(base);
  }
  return now;
}

storage::EngineStats StatsBaseline::Since(storage::EngineStats now) const {
  now.total_items = server::Minus(now.total_items, engine.total_items);
  now.evictions = server::Minus(now.evictions, engine.evictions);
  now.reclaimed = server::Minus(now.reclaimed, engine.reclaimed);
  now.expired_unfetched = server::Minus(now.expired_unfetched, engine.expired_unfetched);
  now.evicted_unfetched = server::Minus(now.evicted_unfetched, engine.evicted_unfetched);
  return now;
}

}  // namespace memkv::server
