// ServerContext: the server-wide state every connection reads: the engine, the server's facts
// and counters, the parser limits, the -c limit, the client-memory budget and the RESP client id
// sequence.
//
// Threads: owned by main and outlives every thread; its members are safe to use from any thread
// (each says how).
#ifndef MEMKV_SERVER_CONN_SERVER_CONTEXT_H_
#define MEMKV_SERVER_CONN_SERVER_CONTEXT_H_

#include <atomic>
#include <cstdint>

#include "server/conn/client_memory_budget.h"
#include "server/conn/connection_slot.h"
#include "server/loop/log.h"

namespace memkv::storage {
class Engine;
}  // namespace memkv::storage

namespace memkv::server {

class ServerInfo;
struct PipelineConfig;

struct ServerContext {
  ServerContext(storage::Engine* engine, ServerInfo* info, const PipelineConfig* pipeline,
                int64_t conn_limit)
      : engine(engine), info(info), pipeline(pipeline), limiter(conn_limit) {}

  storage::Engine* const engine;
  ServerInfo* const info;
  const PipelineConfig* const pipeline;
  ConnectionLimiter limiter;
  // --max-client-memory; null: connections report to no budget (tests that need none).
  ClientMemoryBudget* client_memory = nullptr;
  std::atomic<uint64_t> next_client_id{1};  // RESP CLIENT ID
  // The log line for connections refused at -c: at most one per period, however many come.
  LogThrottle refusal_log{absl::Seconds(10)};
};

}  // namespace memkv::server

#endif  // MEMKV_SERVER_CONN_SERVER_CONTEXT_H_
