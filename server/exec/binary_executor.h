// ExecuteBinary: turns one memcached binary-protocol request (protocol/memcache/binary_request.h)
// plus the storage engine into memcached 1.6.18's response packets, and counts it in the calling
// thread's CommandStats under the same names as the text protocol (cmd_get, get_hits, ...), as
// memcached does.
//
// The SASL commands reach it only when authentication is off (the pipeline answers them when it
// is on, binary_sasl.h): then, as memcached without -S, they are unknown commands.
//
// Threads: called by the thread that owns `context`; the engine may be shared.
#ifndef MEMKV_SERVER_EXEC_BINARY_EXECUTOR_H_
#define MEMKV_SERVER_EXEC_BINARY_EXECUTOR_H_

#include <string>

#include "protocol/memcache/binary_request.h"
#include "server/exec/exec_context.h"

namespace memkv::server {

// Appends the request's response packets (none for a quiet success) to `*out`. Returns kClose
// after QUIT and after the requests memcached answers and then closes (bad lengths, invalid
// arguments); kContinue otherwise.
ExecOutcome ExecuteBinary(const protocol::BinaryRequest& request, ExecContext& context,
                          std::string* out);

}  // namespace memkv::server

#endif  // MEMKV_SERVER_EXEC_BINARY_EXECUTOR_H_
