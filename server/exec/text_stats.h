// The memcached text protocol's `stats` command and its sub-commands, in memcached 1.6.18's line
// formats: the general statistics under memcached's names and in its order, then memkv's own
// (front-end mode, I/O engine, one group of lines per executing thread). The parts are in
// text_stats_*.cc (text_stats_parts.h).
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
// "settings", "items", "slabs" (one memcached slab class per engine shard), "sizes" (disabled, as
// memcached without track_sizes), "conns" (the open client connections), "reset" (RESET; later
// `stats` count from then, see stats_baseline.h), or "ERROR" for a sub-command memkv does not
// have, as memcached answers an unknown one. `stats detail` and `stats cachedump` are
// text_admin.h's. Without context.server it prints what the engine and the
// calling thread's counters tell, and a reset changes nothing.
void AppendTextStats(std::string_view argument, ExecContext& context, std::string* out);

}  // namespace memkv::server

#endif  // MEMKV_SERVER_EXEC_TEXT_STATS_H_
