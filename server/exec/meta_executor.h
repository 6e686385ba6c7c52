// ExecuteMeta: turns one parsed memcached meta request (mn, mg, ms, md, ma, me) plus the storage
// engine into memcached 1.6.18's reply bytes, and counts it in the calling thread's CommandStats
// under memcached's names (cmd_get, get_hits, cmd_touch, cmd_set, delete_hits, incr_misses, ...,
// plus cmd_meta for every meta request).
//
// Stale-while-revalidate follows doc/protocol.txt: ms/md with I mark an item stale (X) instead of
// refusing or deleting it; the first reader of a stale, vivified (mg N) or nearly expired (mg R)
// item is told W (it won the right to recache), later readers Z. The engine keeps those bits in
// ItemView::stale / win_token_sent and changes them through Update().
//
// Threads: called by the thread that owns `context` (its CommandStats); the engine may be shared
// with other threads.
#ifndef MEMKV_SERVER_EXEC_META_EXECUTOR_H_
#define MEMKV_SERVER_EXEC_META_EXECUTOR_H_

#include <string>

#include "protocol/memcache/meta_request.h"
#include "server/exec/exec_context.h"

namespace memkv::server {

// Executes `request` and appends its whole reply to `*out` (nothing when q silences it).
// Always returns kContinue: no meta command closes the connection.
// REQUIRES: context.engine and context.stats are set; context.server may be null.
ExecOutcome ExecuteMeta(const protocol::MetaRequest& request, ExecContext& context,
                        std::string* out);

}  // namespace memkv::server

#endif  // MEMKV_SERVER_EXEC_META_EXECUTOR_H_
