// `stats`: memcached 1.6.18's general statistics, every line it prints by default, in its order,
// then memkv's own. A line whose concept memkv lacks (libevent, slab reassignment, the LRU
// crawler and maintainer, response objects, read buffers, the log watchers, NAPI) prints 0, so
// that tools which read memcached's lines find them all (docs/operations.md says which).
#include <sys/resource.h>
#include <unistd.h>

#include <bit>
#include <cstdint>
#include <cstdio>
#include <initializer_list>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "protocol/memcache/text_reply_encoder.h"
#include "server/exec/command_stats.h"
#include "server/exec/stats_baseline.h"
#include "server/exec/text_stats_parts.h"
#include "storage/engine.h"

namespace memkv::server {

namespace {

using protocol::AppendTextStat;

// Every thread's counters since the last `stats reset`, added up.
struct Totals {
  CounterSnapshot c;
  int64_t curr_connections = 0;

  void Add(const CounterSnapshot& stats, const CommandStats& thread) {
#define MEMKV_TOTAL_ADD(name) c.name += stats.name;
    MEMKV_COMMAND_COUNTERS(MEMKV_TOTAL_ADD)
#undef MEMKV_TOTAL_ADD
    curr_connections += thread.curr_connections.Get();
  }
};

struct ThreadFigures {
  std::string name;
  const CommandStats* stats;
  CounterSnapshot since_reset;
};

// The executing threads' counters since the last reset; without a server, only the calling
// thread's (and no reset).
std::vector<ThreadFigures> Threads(const ExecContext& context, const StatsBaseline& baseline) {
  std::vector<std::pair<std::string, const CommandStats*>> threads;
  if (context.server != nullptr) {
    threads = context.server->AllThreadStats();
  } else {
    threads = {{"self", context.stats}};
  }
  std::vector<ThreadFigures> out;
  for (auto& [name, stats] : threads) {
    out.push_back({std::move(name), stats, baseline.Since(*stats)});
  }
  return out;
}

// Lines memcached prints for a concept memkv does not have.
void AppendZeros(std::initializer_list<std::string_view> names, std::string* out) {
  for (std::string_view name : names) AppendTextStat(name, uint64_t{0}, out);
}

// memcached prints CPU times as seconds.microseconds.
std::string CpuSeconds(const timeval& tv) {
  char buffer[48];
  std::snprintf(buffer, sizeof(buffer), "%ld.%06ld", static_cast<long>(tv.tv_sec),
                static_cast<long>(tv.tv_usec));
  return buffer;
}

void AppendProcess(const ExecContext& context, int64_t now_millis, std::string* out) {
  AppendTextStat("pid", static_cast<int64_t>(getpid()), out);
  if (context.server != nullptr) {
    const int64_t uptime = (now_millis - context.server->start_time_millis()) / 1000;
    AppendTextStat("uptime", uptime < 0 ? int64_t{0} : uptime, out);
  }
  AppendTextStat("time", now_millis / 1000, out);
  AppendTextStat("version", kMemkvVersion, out);
  AppendTextStat("libevent", uint64_t{0}, out);  // memkv's event loops are its own
  AppendTextStat("pointer_size", static_cast<int64_t>(sizeof(void*) * 8), out);
  rusage usage{};
  getrusage(RUSAGE_SELF, &usage);
  AppendTextStat("rusage_user", CpuSeconds(usage.ru_utime), out);
  AppendTextStat("rusage_system", CpuSeconds(usage.ru_stime), out);
}

// The connection and command counters, in memcached 1.6.18's order.
void AppendCounters(const ExecContext& context, const Totals& totals, std::string* out) {
  const CounterSnapshot& t = totals.c;
  if (context.server != nullptr) {
    AppendTextStat("max_connections", context.server->max_connections(), out);
  }
  AppendTextStat("curr_connections", totals.curr_connections, out);
  AppendTextStat("total_connections", t.total_connections, out);
  AppendTextStat("rejected_connections", t.rejected_connections, out);
  // memcached's connection objects are the open connections here.
  AppendTextStat("connection_structures", totals.curr_connections, out);
  AppendZeros({"response_obj_oom", "response_obj_count", "response_obj_bytes", "read_buf_count",
               "read_buf_bytes", "read_buf_bytes_free", "read_buf_oom", "reserved_fds"},
              out);
  AppendTextStat("cmd_get", t.cmd_get, out);
  AppendTextStat("cmd_set", t.cmd_set, out);
  AppendTextStat("cmd_flush", t.cmd_flush, out);
  AppendTextStat("cmd_touch", t.cmd_touch, out);
  AppendTextStat("cmd_meta", t.cmd_meta, out);
  AppendTextStat("get_hits", t.get_hits, out);
  AppendTextStat("get_misses", t.get_misses, out);
  AppendTextStat("get_expired", t.get_expired, out);
  AppendTextStat("get_flushed", t.get_flushed, out);
  AppendTextStat("delete_misses", t.delete_misses, out);
  AppendTextStat("delete_hits", t.delete_hits, out);
  AppendTextStat("incr_misses", t.incr_misses, out);
  AppendTextStat("incr_hits", t.incr_hits, out);
  AppendTextStat("decr_misses", t.decr_misses, out);
  AppendTextStat("decr_hits", t.decr_hits, out);
  AppendTextStat("cas_misses", t.cas_misses, out);
  AppendTextStat("cas_hits", t.cas_hits, out);
  AppendTextStat("cas_badval", t.cas_badval, out);
  AppendTextStat("touch_hits", t.touch_hits, out);
  AppendTextStat("touch_misses", t.touch_misses, out);
  // Not counted yet: stores refused as too large or for want of memory.
  AppendZeros({"store_too_large", "store_no_memory"}, out);
  AppendTextStat("auth_cmds", t.auth_cmds, out);  // checks of a user and password, both dialects
  AppendTextStat("auth_errors", t.auth_errors, out);
  // memcached prints it only with -o idle_timeout; memkv always (0 without --idle-timeout).
  AppendTextStat("idle_kicks", t.idle_kicks, out);
  AppendTextStat("bytes_read", t.bytes_read, out);
  AppendTextStat("bytes_written", t.bytes_written, out);
}

void AppendEngine(const ExecContext& context, const storage::EngineStats& engine,
                  std::string* out) {
  AppendTextStat("limit_maxbytes", engine.limit_maxbytes, out);
  AppendTextStat("accepting_conns", uint64_t{1}, out);
  AppendZeros({"listen_disabled_num", "time_in_listen_disabled_us"}, out);
  if (context.server != nullptr) AppendTextStat("threads", context.server->thread_count(), out);
  AppendTextStat("conn_yields", uint64_t{0}, out);
  // The shards' hash indexes together: log2 of their buckets; memkv does not report their bytes,
  // and each shard's index grows a bucket at a time rather than all at once.
  const uint64_t buckets = engine.hash_buckets;
  AppendTextStat("hash_power_level",
                 static_cast<int64_t>(buckets == 0 ? 0 : std::bit_width(buckets) - 1), out);
  AppendZeros({"hash_bytes",
               "hash_is_expanding",
               "slab_reassign_rescues",
               "slab_reassign_chunk_rescues",
               "slab_reassign_evictions_nomem",
               "slab_reassign_inline_reclaim",
               "slab_reassign_busy_items",
               "slab_reassign_busy_deletes",
               "slab_reassign_running",
               "slabs_moved",
               "lru_crawler_running",
               "lru_crawler_starts",
               "lru_maintainer_juggles",
               "malloc_fails",
               "log_worker_dropped",
               "log_worker_written",
               "log_watcher_skipped",
               "log_watcher_sent",
               "log_watchers",
               "unexpected_napi_ids",
               "round_robin_fallback"},
              out);
  AppendTextStat("bytes", engine.bytes, out);
  AppendTextStat("curr_items", engine.curr_items, out);
  AppendTextStat("total_items", engine.total_items, out);
  AppendTextStat("slab_global_page_pool", uint64_t{0}, out);
  AppendTextStat("expired_unfetched", engine.expired_unfetched, out);
  AppendTextStat("evicted_unfetched", engine.evicted_unfetched, out);
  AppendTextStat("evicted_active", uint64_t{0}, out);
  AppendTextStat("evictions", engine.evictions, out);
  AppendTextStat("reclaimed", engine.reclaimed, out);
  AppendZeros({"crawler_reclaimed", "crawler_items_checked", "lrutail_reflocked", "moves_to_cold",
               "moves_to_warm", "moves_within_lru", "direct_reclaims", "lru_bumps_dropped"},
              out);
}

// memkv's own lines, after memcached's: how the server runs and what each thread did.
void AppendMemkv(const ExecContext& context, const Totals& totals,
                 const storage::EngineStats& engine, const std::vector<ThreadFigures>& threads,
                 std::string* out) {
  const CounterSnapshot& t = totals.c;
  if (context.server != nullptr) {
    AppendTextStat("mode", context.server->mode_name(), out);
    AppendTextStat("io_engine", context.server->io_name(), out);
  }
  AppendTextStat("requests", t.requests, out);
  AppendTextStat("cmd_resp", t.cmd_resp, out);
  AppendTextStat("protocol_errors", t.protocol_errors, out);
  // Connections --protected-mode refused (also in rejected_connections, as Redis counts them).
  AppendTextStat("protected_mode_denials", t.protected_mode_denials, out);
  // Large values being sent straight from the store (issue 12): held by replies in flight; the
  // "dropped" ones were deleted, overwritten or evicted meanwhile and sit outside limit_maxbytes
  // until their sends complete.
  AppendTextStat("pinned_values", engine.pinned_values, out);
  AppendTextStat("pinned_bytes", engine.pinned_bytes, out);
  AppendTextStat("pinned_dropped_bytes", engine.pinned_dropped_bytes, out);
  // Set values received straight into the block they are stored in (--receive-into-value), and
  // the bytes the kernel wrote there directly (the rest came through the loop's buffer).
  AppendTextStat("values_received_direct", t.values_received_direct, out);
  AppendTextStat("bytes_read_direct", t.bytes_read_direct, out);
  // What connections hold (buffers, unfinished requests, replies waiting; not pinned values),
  // --max-client-memory, and the connections closed for going past it, largest first.
  if (context.server != nullptr) {
    const ClientMemoryFacts clients = context.server->client_memory();
    AppendTextStat("client_memory", clients.used, out);
    AppendTextStat("max_client_memory", clients.limit, out);
    AppendTextStat("client_evictions", clients.evicted, out);
  }
  for (const ThreadFigures& thread : threads) {
    const std::string prefix = "thread:" + thread.name + ":";
    AppendTextStat(prefix + "requests", thread.since_reset.requests, out);
    AppendTextStat(prefix + "curr_connections", thread.stats->curr_connections.Get(), out);
    AppendTextStat(prefix + "total_connections", thread.since_reset.total_connections, out);
    AppendTextStat(prefix + "bytes_read", thread.since_reset.bytes_read, out);
    AppendTextStat(prefix + "bytes_written", thread.since_reset.bytes_written, out);
  }
}

}  // namespace

void AppendGeneralStats(ExecContext& context, std::string* out) {
  const StatsBaseline baseline =
      context.server != nullptr ? context.server->stats_baseline() : StatsBaseline();
  const std::vector<ThreadFigures> threads = Threads(context, baseline);
  Totals totals;
  for (const ThreadFigures& thread : threads) totals.Add(thread.since_reset, *thread.stats);
  const storage::EngineStats engine = baseline.Since(context.engine->Stats());
  AppendProcess(context, context.engine->clock().NowMillis(), out);
  AppendCounters(context, totals, out);
  AppendEngine(context, engine, out);
  AppendMemkv(context, totals, engine, threads, out);
}

}  // namespace memkv::server
