// INFO: the server, clients, memory, stats and keyspace sections in Redis 7.0's layout ("# Server"
// headers, "field:value" lines, sections separated by a blank line), with Redis's field names
// where memkv has the same fact, and memkv_* names for facts Redis does not have.
#include <sys/utsname.h>
#include <unistd.h>

#include <cstdio>
#include <string>

#include "absl/strings/str_format.h"
#include "protocol/resp/resp_reply_encoder.h"
#include "server/exec/resp/resp_commands.h"

namespace memkv::server::resp {
namespace {

enum Section : unsigned {
  kServer = 1,
  kClients = 2,
  kMemory = 4,
  kStats = 8,
  kKeyspace = 16,
  kAllSections = 31,
};

// Every executing thread's counters added up (INFO is about the server, not the caller's thread).
struct Totals {
#define MEMKV_TOTAL_FIELD(name) uint64_t name = 0;
  MEMKV_COMMAND_COUNTERS(MEMKV_TOTAL_FIELD)
#undef MEMKV_TOTAL_FIELD
  int64_t curr_connections = 0;
};

void AddStats(const CommandStats& stats, Totals* totals) {
#define MEMKV_ADD_FIELD(name) totals->name += stats.name.Get();
  MEMKV_COMMAND_COUNTERS(MEMKV_ADD_FIELD)
#undef MEMKV_ADD_FIELD
  totals->curr_connections += stats.curr_connections.Get();
}

Totals SumStats(const Call& call) {
  Totals totals;
  if (call.context.server == nullptr) {
    AddStats(*call.context.stats, &totals);
  } else {
    for (const auto& [name, stats] : call.context.server->AllThreadStats()) {
      AddStats(*stats, &totals);
    }
  }
  return totals;
}

// Redis's bytesToHuman: "512B", "1.50K", "64.00M", ...
std::string BytesToHuman(uint64_t n) {
  if (n < 1024) return absl::StrFormat("%dB", n);
  const char* units = "KMGTP";
  double d = static_cast<double>(n) / 1024;
  for (int i = 0; i < 4 && d >= 1024; ++i) {
    d /= 1024;
    ++units;
  }
  return absl::StrFormat("%.2f%c", d, *units);
}

unsigned ParseSections(absl::Span<const std::string_view> args) {
  if (args.size() == 1) return kAllSections;
  unsigned sections = 0;
  for (size_t i = 1; i < args.size(); ++i) {
    std::string_view arg = args[i];
    if (IsKeyword(arg, "default") || IsKeyword(arg, "all") || IsKeyword(arg, "everything")) {
      sections |= kAllSections;
    } else if (IsKeyword(arg, "server")) {
      sections |= kServer;
    } else if (IsKeyword(arg, "clients")) {
      sections |= kClients;
    } else if (IsKeyword(arg, "memory")) {
      sections |= kMemory;
    } else if (IsKeyword(arg, "stats")) {
      sections |= kStats;
    } else if (IsKeyword(arg, "keyspace")) {
      sections |= kKeyspace;
    }  // Redis ignores sections it does not have; so does memkv.
  }
  return sections;
}

void AppendServerSection(const Call& call, std::string* text) {
  ServerInfo* server = call.context.server;
  int64_t now = call.NowMillis();
  struct utsname name;
  std::string os = "unknown";
  if (uname(&name) == 0) os = absl::StrFormat("%s %s %s", name.sysname, name.release, name.machine);
  int64_t uptime = server != nullptr ? (now - server->start_time_millis()) / 1000 : 0;
  absl::StrAppendFormat(text,
                        "# Server\r\nredis_version:%s\r\nmemkv_version:%s\r\n"
                        "redis_mode:standalone\r\nos:%s\r\narch_bits:%d\r\n",
                        std::string(kRedisCompatVersion), std::string(kMemkvVersion), os,
                        static_cast<int>(sizeof(void*) * 8));
  if (server != nullptr) {
    absl::StrAppendFormat(text, "multiplexing_api:%s\r\nmemkv_mode:%s\r\nmemkv_threads:%d\r\n",
                          std::string(server->io_name()), std::string(server->mode_name()),
                          server->thread_count());
  }
  absl::StrAppendFormat(text, "process_id:%d\r\n", static_cast<int>(getpid()));
  if (server != nullptr) absl::StrAppendFormat(text, "tcp_port:%d\r\n", server->tcp_port());
  absl::StrAppendFormat(text,
                        "server_time_usec:%d\r\nuptime_in_seconds:%d\r\nuptime_in_days:%d\r\n",
                        now * 1000, uptime, uptime / 86400);
}

}  // namespace

void InfoCommand(Call& call) {
  unsigned sections = ParseSections(call.args);
  Totals totals = SumStats(call);
  storage::EngineStats engine = call.context.engine->Stats();
  std::string text;
  auto begin_section = [&text](std::string_view header) {
    if (!text.empty()) text.append("\r\n");
    text.append(header);
  };
  if (sections & kServer) AppendServerSection(call, &text);
  if (sections & kClients) {
    begin_section("# Clients\r\n");
    ServerInfo* server = call.context.server;
    absl::StrAppendFormat(&text, "connected_clients:%d\r\nmaxclients:%d\r\nblocked_clients:0\r\n",
                          totals.curr_connections,
                          server != nullptr ? server->max_connections() : 0);
  }
  const ClientMemoryFacts clients =
      call.context.server != nullptr ? call.context.server->client_memory() : ClientMemoryFacts{};
  if (sections & kMemory) {
    begin_section("# Memory\r\n");
    // mem_clients_normal: what connections hold (memkv counts buffers, not pinned values).
    absl::StrAppendFormat(&text,
                          "used_memory:%d\r\nused_memory_human:%s\r\nmaxmemory:%d\r\n"
                          "maxmemory_human:%s\r\nmaxmemory_policy:allkeys-lru\r\n"
                          "mem_clients_normal:%d\r\n",
                          engine.bytes, BytesToHuman(engine.bytes), engine.limit_maxbytes,
                          BytesToHuman(engine.limit_maxbytes), clients.used);
  }
  if (sections & kStats) {
    begin_section("# Stats\r\n");
    absl::StrAppendFormat(
        &text,
        "total_connections_received:%d\r\ntotal_commands_processed:%d\r\n"
        "total_net_input_bytes:%d\r\ntotal_net_output_bytes:%d\r\nrejected_connections:%d\r\n"
        "expired_keys:%d\r\nevicted_keys:%d\r\nevicted_clients:%d\r\nkeyspace_hits:%d\r\n"
        "keyspace_misses:%d\r\nacl_access_denied_auth:%d\r\nmemkv_resp_commands:%d\r\n"
        "memkv_total_items:%d\r\nmemkv_idle_kicks:%d\r\nmemkv_auth_cmds:%d\r\n"
        "memkv_protected_mode_denials:%d\r\n",
        totals.total_connections, totals.requests, totals.bytes_read, totals.bytes_written,
        totals.rejected_connections, engine.reclaimed, engine.evictions, clients.evicted,
        totals.get_hits, totals.get_misses, totals.auth_errors, totals.cmd_resp, engine.total_items,
        totals.idle_kicks, totals.auth_cmds, totals.protected_mode_denials);
  }
  if (sections & kKeyspace) {
    begin_section("# Keyspace\r\n");
    AppendKeyspaceLines(*call.context.engine, &text);
  }
  protocol::AppendVerbatim("txt", text, call.resp(), call.out);
}

}  // namespace memkv::server::resp
