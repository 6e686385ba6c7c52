// INFO: Redis 7.0's sections (server, clients, memory, persistence, stats, replication, cpu,
// modules, commandstats, errorstats, latencystats, cluster, keyspace) with its selectors
// (default, all, everything, several names at once; an unknown name adds nothing), "# Name"
// headers, "field:value" lines and a blank line between sections. Fields are Redis 7.0.15's, in
// its order; memkv's own facts follow, named memkv_*, at the end of their section.
#include <string>

#include "absl/strings/str_format.h"
#include "protocol/resp/resp_reply_encoder.h"
#include "server/exec/resp/resp_commands.h"
#include "server/exec/resp/resp_info_sections.h"

namespace memkv::server::resp {
namespace {

enum Section : unsigned {
  kServer = 1 << 0,
  kClients = 1 << 1,
  kMemory = 1 << 2,
  kPersistence = 1 << 3,
  kStats = 1 << 4,
  kReplication = 1 << 5,
  kCpu = 1 << 6,
  kModules = 1 << 7,
  kCommandStats = 1 << 8,
  kErrorStats = 1 << 9,
  kLatencyStats = 1 << 10,
  kCluster = 1 << 11,
  kKeyspace = 1 << 12,
  kAllSections = (1 << 13) - 1,
  // Redis's default: every section but the per-command ones.
  kDefaultSections = kAllSections & ~(kCommandStats | kLatencyStats),
};

constexpr struct {
  std::string_view name;
  Section section;
} kSectionNames[] = {
    {"server", kServer},
    {"clients", kClients},
    {"memory", kMemory},
    {"persistence", kPersistence},
    {"stats", kStats},
    {"replication", kReplication},
    {"cpu", kCpu},
    {"modules", kModules},
    {"commandstats", kCommandStats},
    {"errorstats", kErrorStats},
    {"latencystats", kLatencyStats},
    {"cluster", kCluster},
    {"keyspace", kKeyspace},
};

unsigned ParseSections(absl::Span<const std::string_view> args) {
  if (args.size() == 1) return kDefaultSections;
  unsigned sections = 0;
  for (size_t i = 1; i < args.size(); ++i) {
    std::string_view arg = args[i];
    if (IsKeyword(arg, "default")) {
      sections |= kDefaultSections;
    } else if (IsKeyword(arg, "all") || IsKeyword(arg, "everything")) {
      sections |= kAllSections;  // "everything" adds modules' own sections: memkv has none
    } else {
      for (const auto& known : kSectionNames) {
        if (IsKeyword(arg, known.name)) sections |= known.section;
      }
    }  // Redis ignores sections it does not have; so does memkv.
  }
  return sections;
}

InfoFacts GatherFacts(const Call& call, unsigned sections) {
  InfoFacts facts;
  facts.call = &call;
  ServerInfo* server = call.context.server;
  const StatsBaseline baseline = server != nullptr ? server->stats_baseline() : StatsBaseline();
  auto add = [&facts, &baseline](const CommandStats& stats) {
    const CounterSnapshot since = baseline.Since(stats);
#define MEMKV_ADD_FIELD(name) facts.counters.name += since.name;
    MEMKV_COMMAND_COUNTERS(MEMKV_ADD_FIELD)
#undef MEMKV_ADD_FIELD
    facts.curr_connections += stats.curr_connections.Get();
  };
  if (server == nullptr) {
    add(call.stats());
  } else {
    for (const auto& [name, stats] : server->AllThreadStats()) add(*stats);
  }
  facts.engine = call.context.engine->Stats();
  facts.resettable = baseline.Since(facts.engine);
  if (server != nullptr) facts.clients = server->client_memory();
  if (sections & (kStats | kCommandStats | kErrorStats)) {
    facts.resp = RespCounterSections(call, baseline);
  }
  return facts;
}

void AppendClientsSection(const InfoFacts& facts, std::string* text) {
  ServerInfo* server = facts.call->context.server;
  absl::StrAppendFormat(text,
                        "# Clients\r\nconnected_clients:%d\r\ncluster_connections:0\r\n"
                        "maxclients:%d\r\nclient_recent_max_input_buffer:0\r\n"
                        "client_recent_max_output_buffer:0\r\nblocked_clients:0\r\n"
                        "tracking_clients:0\r\nclients_in_timeout_table:0\r\n",
                        facts.curr_connections, server != nullptr ? server->max_connections() : 0);
}

// memkv keeps nothing on disk: Redis's figures for a server that never saved nor loaded.
void AppendPersistenceSection(const InfoFacts& facts, std::string* text) {
  ServerInfo* server = facts.call->context.server;
  // Redis's lastsave starts at the start time.
  const int64_t start = server != nullptr ? server->start_time_millis() / 1000 : 0;
  absl::StrAppendFormat(
      text,
      "# Persistence\r\nloading:0\r\nasync_loading:0\r\ncurrent_cow_peak:0\r\n"
      "current_cow_size:0\r\ncurrent_cow_size_age:0\r\ncurrent_fork_perc:0.00\r\n"
      "current_save_keys_processed:0\r\ncurrent_save_keys_total:0\r\n"
      "rdb_changes_since_last_save:0\r\nrdb_bgsave_in_progress:0\r\nrdb_last_save_time:%d\r\n"
      "rdb_last_bgsave_status:ok\r\nrdb_last_bgsave_time_sec:-1\r\n"
      "rdb_current_bgsave_time_sec:-1\r\nrdb_saves:0\r\nrdb_last_cow_size:0\r\n"
      "rdb_last_load_keys_expired:0\r\nrdb_last_load_keys_loaded:0\r\naof_enabled:0\r\n"
      "aof_rewrite_in_progress:0\r\naof_rewrite_scheduled:0\r\naof_last_rewrite_time_sec:-1\r\n"
      "aof_current_rewrite_time_sec:-1\r\naof_last_bgrewrite_status:ok\r\naof_rewrites:0\r\n"
      "aof_rewrites_consecutive_failures:0\r\naof_last_write_status:ok\r\naof_last_cow_size:0\r\n"
      "module_fork_in_progress:0\r\nmodule_fork_last_cow_size:0\r\n",
      start);
}

void AppendStatsSection(const InfoFacts& facts, std::string* text) {
  const CounterSnapshot& c = facts.counters;
  absl::StrAppendFormat(
      text,
      "# Stats\r\ntotal_connections_received:%d\r\ntotal_commands_processed:%d\r\n"
      "instantaneous_ops_per_sec:0\r\ntotal_net_input_bytes:%d\r\ntotal_net_output_bytes:%d\r\n"
      "total_net_repl_input_bytes:0\r\ntotal_net_repl_output_bytes:0\r\n"
      "instantaneous_input_kbps:0.00\r\ninstantaneous_output_kbps:0.00\r\n"
      "instantaneous_input_repl_kbps:0.00\r\ninstantaneous_output_repl_kbps:0.00\r\n"
      "rejected_connections:%d\r\nsync_full:0\r\nsync_partial_ok:0\r\nsync_partial_err:0\r\n"
      "expired_keys:%d\r\nexpired_stale_perc:0.00\r\nexpired_time_cap_reached_count:0\r\n"
      "expire_cycle_cpu_milliseconds:0\r\nevicted_keys:%d\r\nevicted_clients:%d\r\n"
      "total_eviction_exceeded_time:0\r\ncurrent_eviction_exceeded_time:0\r\n"
      "keyspace_hits:%d\r\nkeyspace_misses:%d\r\npubsub_channels:0\r\npubsub_patterns:0\r\n"
      "pubsubshard_channels:0\r\nlatest_fork_usec:0\r\ntotal_forks:0\r\n"
      "migrate_cached_sockets:0\r\nslave_expires_tracked_keys:0\r\nactive_defrag_hits:0\r\n"
      "active_defrag_misses:0\r\nactive_defrag_key_hits:0\r\nactive_defrag_key_misses:0\r\n"
      "total_active_defrag_time:0\r\ncurrent_active_defrag_time:0\r\ntracking_total_keys:0\r\n"
      "tracking_total_items:0\r\ntracking_total_prefixes:0\r\nunexpected_error_replies:0\r\n"
      "total_error_replies:%d\r\ndump_payload_sanitizations:0\r\ntotal_reads_processed:0\r\n"
      "total_writes_processed:0\r\nio_threaded_reads_processed:0\r\n"
      "io_threaded_writes_processed:0\r\nreply_buffer_shrinks:0\r\nreply_buffer_expands:0\r\n"
      "acl_access_denied_auth:%d\r\nmemkv_resp_commands:%d\r\nmemkv_total_items:%d\r\n"
      "memkv_idle_kicks:%d\r\nmemkv_auth_cmds:%d\r\nmemkv_protected_mode_denials:%d\r\n",
      c.total_connections, c.requests, c.bytes_read, c.bytes_written, c.rejected_connections,
      facts.resettable.reclaimed, facts.resettable.evictions, facts.clients.evicted, c.get_hits,
      c.get_misses, facts.resp.total_error_replies, c.auth_errors, c.cmd_resp,
      facts.resettable.total_items, c.idle_kicks, c.auth_cmds, c.protected_mode_denials);
}

void AppendReplicationSection(const InfoFacts& facts, std::string* text) {
  // A master without replicas, the only role memkv has.
  absl::StrAppendFormat(text,
                        "# Replication\r\nrole:master\r\nconnected_slaves:0\r\n"
                        "master_failover_state:no-failover\r\nmaster_replid:%s\r\n"
                        "master_replid2:0000000000000000000000000000000000000000\r\n"
                        "master_repl_offset:0\r\nsecond_repl_offset:-1\r\nrepl_backlog_active:0\r\n"
                        "repl_backlog_size:1048576\r\nrepl_backlog_first_byte_offset:0\r\n"
                        "repl_backlog_histlen:0\r\n",
                        MasterReplId(facts.call->context.server));
}

}  // namespace

void InfoCommand(Call& call) {
  const unsigned sections = ParseSections(call.args);
  const InfoFacts facts = GatherFacts(call, sections);
  std::string text;
  auto begin_section = [&text](std::string_view header) {
    if (!text.empty()) text.append("\r\n");
    text.append(header);
  };
  auto section = [&](unsigned bit, auto append) {
    if (!(sections & bit)) return;
    if (!text.empty()) text.append("\r\n");
    append();
  };
  section(kServer, [&] { AppendServerSection(facts, &text); });
  section(kClients, [&] { AppendClientsSection(facts, &text); });
  section(kMemory, [&] { AppendMemorySection(facts, &text); });
  section(kPersistence, [&] { AppendPersistenceSection(facts, &text); });
  section(kStats, [&] { AppendStatsSection(facts, &text); });
  section(kReplication, [&] { AppendReplicationSection(facts, &text); });
  section(kCpu, [&] { AppendCpuSection(&text); });
  section(kModules, [&] { text.append("# Modules\r\n"); });
  section(kCommandStats, [&] { text.append("# Commandstats\r\n" + facts.resp.commandstats); });
  section(kErrorStats, [&] { text.append("# Errorstats\r\n" + facts.resp.errorstats); });
  // As Redis with latency-tracking off: memkv keeps no per-command percentiles (its per-family
  // histograms are on the --metrics-port endpoint).
  section(kLatencyStats, [&] { text.append("# Latencystats\r\n"); });
  section(kCluster, [&] { text.append("# Cluster\r\ncluster_enabled:0\r\n"); });
  if (sections & kKeyspace) {
    begin_section("# Keyspace\r\n");
    AppendKeyspaceLines(*call.context.engine, &text);
  }
  protocol::AppendVerbatim("txt", text, call.resp(), call.out);
}

}  // namespace memkv::server::resp
