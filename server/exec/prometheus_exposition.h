// PrometheusExposition: the server's figures in Prometheus's text exposition format (0.0.4), for
// GET /metrics on --metrics-port: the request counters of every thread added up (memcached's
// `stats` names, `_total` for counters), each thread's requests and connections, the storage
// engine's items, bytes, memory and evictions, the client-memory budget, and the execution-time
// histograms of each command family (command_stats.h). Read from the same counters as `stats` and
// INFO, so the three agree.
//
// Threads: any; it reads the counters with relaxed loads and takes the engine's figures through
// Engine::Stats().
#ifndef MEMKV_SERVER_EXEC_PROMETHEUS_EXPOSITION_H_
#define MEMKV_SERVER_EXEC_PROMETHEUS_EXPOSITION_H_

#include <cstdint>
#include <string>

#include "server/exec/server_info.h"
#include "storage/engine.h"

namespace memkv::server {

// The whole exposition; `now_millis` (unix ms) for the uptime.
std::string PrometheusExposition(const ServerInfo& server, const storage::Engine& engine,
                                 int64_t now_millis);

}  // namespace memkv::server

#endif  // MEMKV_SERVER_EXEC_PROMETHEUS_EXPOSITION_H_
