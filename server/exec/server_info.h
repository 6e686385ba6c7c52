// ServerInfo: the server-wide facts and settings that commands and connections read (`stats`,
// INFO, `verbosity`), and where each thread registers its counters so that `stats` can add them
// up. Implemented by the running server (RunningServerInfo); an interface so that the layers
// below the server's top level need not know how it is put together.
//
// Threads: every method may be called from any thread.
#ifndef MEMKV_SERVER_EXEC_SERVER_INFO_H_
#define MEMKV_SERVER_EXEC_SERVER_INFO_H_

#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "server/exec/admin_settings.h"
#include "server/exec/command_stats.h"
#include "server/exec/connection_registry.h"
#include "server/exec/stats_baseline.h"

namespace memkv::server {

// What client connections hold, against --max-client-memory (server/conn/client_memory_budget.h).
struct ClientMemoryFacts {
  uint64_t used = 0;     // bytes held by every connection now
  uint64_t limit = 0;    // 0: no limit
  uint64_t evicted = 0;  // connections closed for it since start
};

// What a registered thread does: `threads` in stats counts the ones that execute requests.
enum class ThreadRole { kExecutes, kAcceptsOnly };

class ServerInfo {
 public:
  virtual ~ServerInfo() = default;
  virtual int64_t start_time_millis() const = 0;   // unix ms at start
  virtual int thread_count() const = 0;            // threads that execute requests
  virtual std::string_view mode_name() const = 0;  // front-end mode, e.g. "acceptor"
  virtual std::string_view io_name() const = 0;    // "epoll" or "uring"
  virtual uint64_t max_connections() const = 0;
  virtual int tcp_port() const = 0;
  virtual int64_t idle_timeout_seconds() const = 0;               // --idle-timeout; 0 = off
  virtual std::string_view listen_address() const { return {}; }  // -l; empty: every address
  virtual uint64_t proto_max_bulk_len() const { return uint64_t{512} << 20; }  // RESP, as Redis

  // Registers one thread's counters under `name` ("worker0", "acceptor", ...). `stats` must
  // outlive every later reader: front ends register the stats of threads that live until the
  // process ends.
  virtual void AddThreadStats(std::string name, const CommandStats* stats, ThreadRole role) = 0;
  // Every registered thread's counters, named, for sums and for per-thread lines.
  virtual std::vector<std::pair<std::string, const CommandStats*>> AllThreadStats() const = 0;

  // `stats reset` records a baseline (stats_baseline.h) that `stats` subtracts from then on.
  virtual void SetStatsBaseline(StatsBaseline baseline) = 0;
  virtual StatsBaseline stats_baseline() const = 0;

  // The client-memory budget's figures; none in a server without one.
  virtual ClientMemoryFacts client_memory() const { return {}; }

  // What administrative commands change live (`stats detail`, `lru_crawler`, `slabs automove`);
  // null where there is no running server (then those commands change nothing).
  virtual AdminSettings* admin_settings() { return nullptr; }
  // The open client connections, for `stats conns`; null without a running server.
  virtual ConnectionRegistry* connections() { return nullptr; }

  // -v level: 2 and above log each connection. `verbosity N` changes it.
  virtual int verbosity() const = 0;
  virtual void SetVerbosity(int level) = 0;
};

}  // namespace memkv::server

#endif  // MEMKV_SERVER_EXEC_SERVER_INFO_H_
