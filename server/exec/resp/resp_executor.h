// The RESP executor: turns one parsed RESP2 request plus the storage engine into Redis 7's reply
// bytes (the string, keyspace/TTL, and server/connection commands listed in docs/resp.md).
//
// RESP keys are memcached items: database 0 (SELECT 0, the default) is the keyspace memcached's
// dialects use, and SELECT n picks another (resp_databases.cc). Values are stored with client flags
// 0, and Redis TTLs become the engine's expiry_millis (unix ms), so a key set with SET EX is seen
// by memcached `get` with the same expiry and the other way round. Commands of other Redis types
// (lists, sets, hashes, ...) answer Redis's "unknown command" error.
//
// Threads: ExecuteResp may run on any number of threads at once, each with its own ExecContext;
// a RespSession belongs to one connection and is used by one thread at a time.
#ifndef MEMKV_SERVER_EXEC_RESP_RESP_EXECUTOR_H_
#define MEMKV_SERVER_EXEC_RESP_RESP_EXECUTOR_H_

#include <string>

#include "protocol/resp/resp_request.h"
#include "server/exec/exec_context.h"
#include "server/exec/resp/resp_session.h"

namespace memkv::server {

// Executes `request` and appends its reply (possibly nothing, for an empty request) to `*out`.
// kClose after QUIT: the connection writes what `*out` holds, then closes.
ExecOutcome ExecuteResp(const protocol::RespRequest& request, ExecContext& context,
                        RespSession& session, std::string* out);

}  // namespace memkv::server

#endif  // MEMKV_SERVER_EXEC_RESP_RESP_EXECUTOR_H_
