// RespSession: the state a RESP connection keeps between its commands (CLIENT ID, CLIENT
// SETNAME, HELLO's protocol version, whether it has authenticated).
//
// Threads: belongs to one connection and is used by one thread at a time (in the dispatch modes
// it travels with the connection's batch).
#ifndef MEMKV_SERVER_EXEC_RESP_RESP_SESSION_H_
#define MEMKV_SERVER_EXEC_RESP_RESP_SESSION_H_

#include <cstdint>
#include <string>

#include "protocol/resp/resp_reply_encoder.h"

namespace memkv::server {

struct RespSession {
  uint64_t client_id = 0;  // CLIENT ID, HELLO's "id"; set by the connection when it opens
  std::string name;        // CLIENT SETNAME / HELLO ... SETNAME; empty = no name
  // HELLO 2 / HELLO 3: which reply types the connection gets (resp_reply_encoder.h).
  protocol::RespVersion protocol_version = protocol::RespVersion::kResp2;
  // False until AUTH or HELLO ... AUTH succeeds when --auth-file is set; true without it.
  bool authenticated = true;
  uint32_t db = 0;  // SELECT: the logical database its keys are in (< the engine's databases)
};

}  // namespace memkv::server

#endif  // MEMKV_SERVER_EXEC_RESP_RESP_SESSION_H_
