// FamilyOf: which CommandFamily (command_stats.h) a parsed request belongs to, for the latency
// histograms of --metrics-port. A fixed set of families rather than one per command name, so
// that a client sending made-up RESP command names cannot grow the metrics.
//
// Threads: pure functions; any thread.
#ifndef MEMKV_SERVER_EXEC_COMMAND_FAMILY_H_
#define MEMKV_SERVER_EXEC_COMMAND_FAMILY_H_

#include "protocol/memcache/binary_request.h"
#include "protocol/memcache/meta_request.h"
#include "protocol/memcache/text_request.h"
#include "protocol/resp/resp_request.h"
#include "server/exec/command_stats.h"

namespace memkv::server {

CommandFamily FamilyOf(const protocol::TextRequest& request);
CommandFamily FamilyOf(const protocol::MetaRequest& request);
CommandFamily FamilyOf(const protocol::RespRequest& request);
CommandFamily FamilyOf(const protocol::BinaryRequest& request);

}  // namespace memkv::server

#endif  // MEMKV_SERVER_EXEC_COMMAND_FAMILY_H_
