// StatsBaseline: where the counters stood at the last `stats reset`, so that `stats` prints what
// they counted since. memcached zeroes its counters; memkv's CommandStats each have one writing
// thread (command_stats.h) and the engine's are kept under shard locks, so a reset asked on one
// thread must not write them: it records them instead, and readers subtract.
//
// Threads: a value; ServerInfo keeps the current one under its lock and hands out copies.
#ifndef MEMKV_SERVER_EXEC_STATS_BASELINE_H_
#define MEMKV_SERVER_EXEC_STATS_BASELINE_H_

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "server/exec/command_stats.h"
#include "storage/engine_types.h"

namespace memkv::server {

// One thread's counters read at one moment (relaxed loads, as `stats` reads them).
struct CounterSnapshot {
#define MEMKV_SNAPSHOT_FIELD(name) uint64_t name = 0;
  MEMKV_COMMAND_COUNTERS(MEMKV_SNAPSHOT_FIELD)
#undef MEMKV_SNAPSHOT_FIELD

  static CounterSnapshot Of(const CommandStats& stats);
  // Each counter of *this less the one of `base`, 0 where base is larger.
  CounterSnapshot Minus(const CounterSnapshot& base) const;
};

struct StatsBaseline {
  // Every registered thread's counters at the reset; a thread missing here (none was reset)
  // counts from 0.
  std::vector<std::pair<const CommandStats*, CounterSnapshot>> threads;
  // The engine's counters at the reset (memcached resets total_items, evictions, reclaimed,
  // expired_unfetched and evicted_unfetched; not curr_items nor bytes).
  storage::EngineStats engine;
  // Every registered thread's RESP command and error counters at the reset (CONFIG RESETSTAT,
  // which Redis answers by zeroing commandstats and errorstats).
  std::vector<std::pair<const CommandStats*, RespCountersSnapshot>> resp_threads;

  // A baseline of every thread's counters and the engine's figures now.
  static StatsBaseline Take(const std::vector<std::pair<std::string, const CommandStats*>>& all,
                            const storage::EngineStats& engine);
  // `stats`'s counters since this baseline.
  CounterSnapshot Since(const CommandStats& stats) const;
  // `stats`'s RESP counters since this baseline.
  RespCountersSnapshot RespSince(const CommandStats& stats) const;
  // `engine` with its resettable counters made relative to this baseline.
  storage::EngineStats Since(storage::EngineStats engine) const;
};

}  // namespace memkv::server

#endif  // MEMKV_SERVER_EXEC_STATS_BASELINE_H_
