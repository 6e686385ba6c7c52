#include "server/exec/text_stats.h"

#include <sys/resource.h>
#include <unistd.h>

#include <cstdint>
#include <cstdio>
#include <string>
#include <utility>
#include <vector>

#include "protocol/memcache/text_reply_encoder.h"
#include "server/exec/command_stats.h"
#include "storage/engine.h"

namespace memkv::server {

namespace {

using protocol::AppendTextStat;

// Every thread's counters added up.
struct Totals {
#define MEMKV_TOTAL_FIELD(name) uint64_t name = 0;
  MEMKV_COMMAND_COUNTERS(MEMKV_TOTAL_FIELD)
#undef MEMKV_TOTAL_FIELD
  int64_t curr_connections = 0;

  void Add(const CommandStats& stats) {
#define MEMKV_TOTAL_ADD(name) name += stats.name.Get();
    MEMKV_COMMAND_COUNTERS(MEMKV_TOTAL_ADD)
#undef MEMKV_TOTAL_ADD
    curr_connections += stats.curr_connections.Get();
  }
};

using ThreadList = std::vector<std::pair<std::string, const CommandStats*>>;

// The executing threads' counters; without a server, only the calling thread's.
ThreadList Threads(const ExecContext& context) {
  if (context.server != nullptr) return context.server->AllThreadStats();
  return {{"self", context.stats}};
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
  AppendTextStat("pointer_size", static_cast<int64_t>(sizeof(void*) * 8), out);
  rusage usage{};
  getrusage(RUSAGE_SELF, &usage);
  AppendTextStat("rusage_user", CpuSeconds(usage.ru_utime), out);
  AppendTextStat("rusage_system", CpuSeconds(usage.ru_stime), out);
}

// The counters, in memcached 1.6.18's order.
void AppendCounters(const ExecContext& context, const Totals& t, std::string* out) {
  if (context.server != nullptr) {
    AppendTextStat("max_connections", context.server->max_connections(), out);
  }
  AppendTextStat("curr_connections", t.curr_connections, out);
  AppendTextStat("total_connections", t.total_connections, out);
  AppendTextStat("rejected_connections", t.rejected_connections, out);
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
  AppendTextStat("auth_cmds", t.auth_cmds, out);  // checks of a user and password, both dialects
  AppendTextStat("auth_errors", t.auth_errors, out);
  AppendTextStat("idle_kicks", t.idle_kicks, out);  // connections closed by --idle-timeout
  AppendTextStat("bytes_read", t.bytes_read, out);
  AppendTextStat("bytes_written", t.bytes_written, out);
}

void AppendEngine(const ExecContext& context, std::string* out) {
  const storage::EngineStats engine = context.engine->Stats();
  AppendTextStat("limit_maxbytes", engine.limit_maxbytes, out);
  if (context.server != nullptr) AppendTextStat("threads", context.server->thread_count(), out);
  AppendTextStat("bytes", engine.bytes, out);
  AppendTextStat("curr_items", engine.curr_items, out);
  AppendTextStat("total_items", engine.total_items, out);
  AppendTextStat("expired_unfetched", engine.expired_unfetched, out);
  AppendTextStat("evicted_unfetched", engine.evicted_unfetched, out);
  AppendTextStat("evictions", engine.evictions, out);
  AppendTextStat("reclaimed", engine.reclaimed, out);
}

// memkv's own lines, after memcached's: how the server runs and what each thread did.
void AppendMemkv(const ExecContext& context, const Totals& t, const ThreadList& threads,
                 std::string* out) {
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
  const storage::EngineStats engine = context.engine->Stats();
  AppendTextStat("pinned_values", engine.pinned_values, out);
  AppendTextStat("pinned_bytes", engine.pinned_bytes, out);
  AppendTextStat("pinned_dropped_bytes", engine.pinned_dropped_bytes, out);
  // What connections hold (buffers, unfinished requests, replies waiting; not pinned values),
  // --max-client-memory, and the connections closed for going past it, largest first.
  if (context.server != nullptr) {
    const ClientMemoryFacts clients = context.server->client_memory();
    AppendTextStat("client_memory", clients.used, out);
    AppendTextStat("max_client_memory", clients.limit, out);
    AppendTextStat("client_evictions", clients.evicted, out);
  }
  for (const auto& [name, stats] : threads) {
    const std::string prefix = "thread:" + name + ":";
    AppendTextStat(prefix + "requests", stats->requests.Get(), out);
    AppendTextStat(prefix + "curr_connections", stats->curr_connections.Get(), out);
    AppendTextStat(prefix + "total_connections", stats->total_connections.Get(), out);
    AppendTextStat(prefix + "bytes_read", stats->bytes_read.Get(), out);
    AppendTextStat(prefix + "bytes_written", stats->bytes_written.Get(), out);
  }
}

void AppendGeneral(ExecContext& context, std::string* out) {
  const ThreadList threads = Threads(context);
  Totals totals;
  for (const auto& thread : threads) totals.Add(*thread.second);
  AppendProcess(context, context.engine->clock().NowMillis(), out);
  AppendCounters(context, totals, out);
  AppendEngine(context, out);
  AppendMemkv(context, totals, threads, out);
}

// The settings memkv has, under the names and in the order of memcached's `stats settings`.
void AppendSettings(ExecContext& context, std::string* out) {
  const storage::EngineOptions& options = context.engine->options();
  AppendTextStat("maxbytes", static_cast<uint64_t>(options.memory_limit_bytes), out);
  if (context.server != nullptr) {
    AppendTextStat("maxconns", context.server->max_connections(), out);
    AppendTextStat("tcpport", context.server->tcp_port(), out);
  }
  AppendTextStat("evictions", std::string_view("on"), out);
  AppendTextStat("shutdown_command", std::string_view("no"), out);
  if (context.server != nullptr) {
    AppendTextStat("num_threads", context.server->thread_count(), out);
  }
  AppendTextStat("cas_enabled", std::string_view("yes"), out);
  AppendTextStat("auth_enabled_sasl", std::string_view("no"), out);
  // memcached prints the -Y file's name, or "no".
  AppendTextStat("auth_enabled_ascii",
                 context.auth != nullptr ? std::string_view(context.auth->path()) : "no", out);
  AppendTextStat("item_size_max", static_cast<uint64_t>(options.max_item_bytes), out);
  if (context.server != nullptr) {
    AppendTextStat("idle_timeout", context.server->idle_timeout_seconds(), out);
  }
}

}  // namespace

void AppendTextStats(std::string_view argument, ExecContext& context, std::string* out) {
  if (argument.empty()) {
    AppendGeneral(context, out);
  } else if (argument == "settings") {
    AppendSettings(context, out);
  } else {
    protocol::AppendTextError(out);
    return;
  }
  protocol::AppendTextEnd(out);
}

}  // namespace memkv::server
