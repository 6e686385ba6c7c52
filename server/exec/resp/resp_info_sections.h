// The sections of RESP INFO (resp_info.cc puts them together): each appends its "# Name" header
// and "field:value\r\n" lines, in Redis 7.0.15's field order, to `text`.
//
// Internal to server/exec/resp. Threads: as the INFO command, any executing thread.
#ifndef MEMKV_SERVER_EXEC_RESP_RESP_INFO_SECTIONS_H_
#define MEMKV_SERVER_EXEC_RESP_RESP_INFO_SECTIONS_H_

#include <cstdint>
#include <string>

#include "server/exec/resp/resp_commands.h"
#include "server/exec/stats_baseline.h"

namespace memkv::server::resp {

// What the sections are made from, read once per INFO: every executing thread's counters added
// up since the last CONFIG RESETSTAT / `stats reset`, the engine's figures, and so on.
struct InfoFacts {
  const Call* call = nullptr;
  CounterSnapshot counters;         // since the reset
  int64_t curr_connections = 0;     // not a counter: never reset
  storage::EngineStats engine;      // as they are now (sizes, item counts)
  storage::EngineStats resettable;  // evictions, expirations since the reset
  ClientMemoryFacts clients;
  RespCounterLines resp;  // commandstats, errorstats, total_error_replies
};

// resp_info_process.cc: the facts about the process and the machine.
void AppendServerSection(const InfoFacts& facts, std::string* text);
void AppendMemorySection(const InfoFacts& facts, std::string* text);
void AppendCpuSection(std::string* text);
// Replication's master_replid: 40 hex digits for this run, as run_id.
std::string MasterReplId(const ServerInfo* server);

// The process's resident set size (used_memory_rss), from /proc/self/statm.
uint64_t ResidentBytes();

// Redis's bytesToHuman: "512B", "1.50K", "64.00M", ...
std::string BytesToHuman(uint64_t n);

}  // namespace memkv::server::resp

#endif  // MEMKV_SERVER_EXEC_RESP_RESP_INFO_SECTIONS_H_
