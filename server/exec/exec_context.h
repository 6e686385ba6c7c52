// ExecContext: what an executor needs besides the request: the engine, the counters of the
// calling thread, and read access to server-wide facts for `stats` and INFO.
//
// Threads: an ExecContext belongs to one executing thread (it holds that thread's CommandStats).
#ifndef MEMKV_SERVER_EXEC_EXEC_CONTEXT_H_
#define MEMKV_SERVER_EXEC_EXEC_CONTEXT_H_

#include <string_view>

#include "server/exec/command_stats.h"
#include "server/exec/server_info.h"
#include "storage/engine.h"

namespace memkv::server {

// What the connection does after an executor has answered one request.
enum class ExecOutcome {
  kContinue,  // go on with the next request
  kClose,     // close the connection once the replies so far are written (quit, QUIT)
};

struct ExecContext {
  storage::Engine* engine = nullptr;
  CommandStats* stats = nullptr;  // the calling thread's
  ServerInfo* server = nullptr;   // may be null in unit tests
};

// memkv's version, as `version`, `stats` and INFO print it.
inline constexpr std::string_view kMemkvVersion = "1.6.18-memkv-0.1";

}  // namespace memkv::server

#endif  // MEMKV_SERVER_EXEC_EXEC_CONTEXT_H_
