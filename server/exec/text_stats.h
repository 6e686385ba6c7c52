// The memcached text protocol's `stats` command: memcached 1.6's general statistics under its
// own names and in its order, then memkv's own (front-end mode, I/O engine, one group of lines
// per executing thread).
//
// Threads: called by the thread that owns `context`; it reads every thread's counters through
// ServerInfo (relaxed loads), so the figures are a near-instant, not an atomic, snapshot.
#ifndef MEMKV_SERVER_EXEC_TEXT_STATS_H_
#define MEMKV_SERVER_EXEC_TEXT_STATS_H_

#include <string>
#include <string_view>

#include "server/exec/exec_context.h"

namespace memkv::server {

// Appends the reply to `stats` (argument "") or `stats <argument>`: the general statistics,
// "stats settings", or "ERROR" for the sub-commands memkv does not keep (items, slabs, sizes,
// conns, detail, reset, ... which have no meaning without memcached's slab allocator, or would
// need a reset of other threads' counters), as memcached answers an unknown one. Without
// context.server it prints what the engine and the calling thread's counters tell.
void AppendTextStats(std::string_view argument, ExecContext& context, std::string* out);

}  // namespace memkv::server

#endif  // MEMKV_SERVER_EXEC_TEXT_STATS_H_
