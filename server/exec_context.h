// ExecContext: what an executor needs besides the request: the engine, the counters of the
// calling thread, and read access to server-wide facts for `stats` and INFO.
//
// Threads: an ExecContext belongs to one executing thread (it holds that thread's CommandStats).
// ServerInfo's methods may be called from any thread.
#ifndef MEMKV_SERVER_EXEC_CONTEXT_H_
#define MEMKV_SERVER_EXEC_CONTEXT_H_

#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "server/command_stats.h"
#include "storage/engine.h"

namespace memkv::server {

// Server-wide facts for the stats commands. Implemented by the running server.
class ServerInfo {
 public:
  virtual ~ServerInfo() = default;
  virtual int64_t start_time_millis() const = 0;  // unix ms at start
  virtual int thread_count() const = 0;           // worker threads (-t)
  virtual std::string_view mode_name() const = 0;  // front-end mode, e.g. "acceptor"
  virtual std::string_view io_name() const = 0;    // "epoll" or "uring"
  virtual uint64_t max_connections() const = 0;
  virtual int tcp_port() const = 0;
  // Every executing thread's counters, named ("worker0", "dispatcher0", ...), for sums and for
  // per-thread lines.
  virtual std::vector<std::pair<std::string, const CommandStats*>> AllThreadStats() const = 0;
  // `verbosity N`.
  virtual void SetVerbosity(int level) = 0;
};

// What the connection does after an executor has answered one request.
enum class ExecOutcome {
  kContinue,  // go on with the next request
  kClose,     // close the connection once the replies so far are written (quit, QUIT)
};

struct ExecContext {
  storage::Engine* engine = nullptr;
  CommandStats* stats = nullptr;       // the calling thread's
  ServerInfo* server = nullptr;        // may be null in unit tests
};

// memkv's version, as `version`, `stats` and INFO print it.
inline constexpr std::string_view kMemkvVersion = "1.6.18-memkv-0.1";

}  // namespace memkv::server

#endif  // MEMKV_SERVER_EXEC_CONTEXT_H_
