// Admit: the -c limit applied to a just-accepted connection, in every mode. Within the limit the
// connection gets its ConnectionSlot, counted against the thread that will own it; beyond it the
// connection is refused as memcached refuses it ("ERROR Too many open connections", then close)
// and counted in the accepting thread's rejected_connections.
//
// Threads: any thread that accepts; `owner` may be another thread's (the acceptor hands over).
#ifndef MEMKV_SERVER_FRONTEND_ADMISSION_H_
#define MEMKV_SERVER_FRONTEND_ADMISSION_H_

#include <optional>

#include "server/conn/connection_slot.h"
#include "server/conn/server_context.h"
#include "server/exec/command_stats.h"
#include "server/frontend/server_thread.h"
#include "server/loop/socket_util.h"

namespace memkv::server {

// The connection's slot, or nullopt after refusing it (fd is then closed).
std::optional<ConnectionSlot> Admit(ServerContext* server, UniqueFd& fd, ServerThread* owner,
                                    CommandStats* accepting_stats);

}  // namespace memkv::server

#endif  // MEMKV_SERVER_FRONTEND_ADMISSION_H_
