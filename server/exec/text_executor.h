// ExecuteText: turns one parsed memcached text-protocol request plus the storage engine into
// memcached 1.6's reply bytes, and counts it in the calling thread's CommandStats under
// memcached's names.
//
// Threads: called by the thread that owns `context` (its CommandStats); the engine and the
// ServerInfo it reaches may be shared with other threads.
#ifndef MEMKV_SERVER_EXEC_TEXT_EXECUTOR_H_
#define MEMKV_SERVER_EXEC_TEXT_EXECUTOR_H_

#include <cstdint>
#include <string>

#include "protocol/memcache/text_request.h"
#include "server/exec/exec_context.h"

namespace memkv::server {

// Executes `request` and appends its whole reply to `*out` (nothing when request.noreply).
// Returns kClose for quit (nothing is appended), kContinue otherwise.
// REQUIRES: context.engine and context.stats are set; context.server may be null (then `stats`
// prints what it can without it).
ExecOutcome ExecuteText(const protocol::TextRequest& request, ExecContext& context,
                        std::string* out);

// memcached's exptime rule as engine expiry: 0 = never (returns 0); 1..2592000 (30 days) =
// seconds from now; larger = absolute unix seconds; negative = already expired (returns a time
// in the past). `now_millis` is the engine clock's unix milliseconds.
int64_t TextExptimeToExpiryMillis(int64_t exptime, int64_t now_millis);

}  // namespace memkv::server

#endif  // MEMKV_SERVER_EXEC_TEXT_EXECUTOR_H_
