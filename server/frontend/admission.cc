#include "server/frontend/admission.h"

#include <sys/socket.h>

#include <cstdint>
#include <string_view>

#include "server/loop/log.h"

namespace memkv::server {
namespace {

// memcached's words when it is at its connection limit (memcached.c, conn_listening).
constexpr std::string_view kTooManyConnections = "ERROR Too many open connections\r\n";

}  // namespace

std::optional<ConnectionSlot> Admit(ServerContext* server, UniqueFd& fd, ServerThread* owner,
                                    CommandStats* accepting_stats) {
  if (!server->limiter.TryAcquire()) {
    // Best effort, as memcached does: the socket is fresh, so the line fits its send buffer; if
    // not, the client just sees the close.
    send(fd.get(), kTooManyConnections.data(), kTooManyConnections.size(),
         MSG_NOSIGNAL | MSG_DONTWAIT);
    // Counted before the close, so that a client that saw the close also sees the count.
    accepting_stats->rejected_connections.Add();
    fd.reset();
    if (uint64_t held_back = 0; server->refusal_log.Allow(&held_back)) {
      Logf(LogLevel::kWarning,
           "connection limit reached (-c %d): new connections are refused (%d more since the "
           "last line)",
           server->limiter.limit(), held_back);
    }
    return std::nullopt;
  }
  // Counted before the owner sees it, so that the next least-conn choice already sees it.
  owner->assigned().fetch_add(1, std::memory_order_relaxed);
  return ConnectionSlot(&server->limiter, &owner->assigned());
}

}  // namespace memkv::server
