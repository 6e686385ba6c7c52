// memcached 1.6.18's administrative text commands besides `stats` and its general figures:
// `stats detail on|off|dump`, `stats cachedump`, `slabs reassign|automove`, `lru_crawler ...`
// (metadump included) and `cache_memlimit`, with memcached's answers and errors. What each means
// for memkv's engine (a slab class is a shard, as in `stats items`) is in docs/operations.md,
// "Administrative commands".
//
// Threads: called by the thread that owns `context`; the settings they change (AdminSettings)
// and the engine are shared and thread-safe.
#ifndef MEMKV_SERVER_EXEC_TEXT_ADMIN_H_
#define MEMKV_SERVER_EXEC_TEXT_ADMIN_H_

#include <string>

#include "protocol/memcache/text_request.h"
#include "server/exec/exec_context.h"

namespace memkv::server {

// `stats detail ...` and `stats cachedump ...`: the whole reply.
void AppendStatsDetail(const protocol::TextRequest& request, ExecContext& context,
                       std::string* out);
void AppendStatsCachedump(const protocol::TextRequest& request, ExecContext& context,
                          std::string* out);

void ExecuteSlabs(const protocol::TextRequest& request, ExecContext& context, std::string* out);
void ExecuteCacheMemlimit(const protocol::TextRequest& request, ExecContext& context,
                          std::string* out);
// `lru_crawler metadump` walks the engine a bounded step at a time and answers kPaused at the
// cursor's output limit (exec_context.h), so that a dump of a large cache is written as it goes
// and never held whole; the walk's position is kept in the cursor between calls.
ExecOutcome ExecuteLruCrawler(const protocol::TextRequest& request, ExecContext& context,
                              std::string* out);

// The prefix counters to record into, or null when `stats detail` is off (the common case: one
// relaxed load) or there is no server.
inline PrefixStats* ActivePrefixStats(ExecContext& context) {
  if (context.server == nullptr) return nullptr;
  AdminSettings* admin = context.server->admin_settings();
  return admin != nullptr && admin->prefix_stats.enabled() ? &admin->prefix_stats : nullptr;
}

}  // namespace memkv::server

#endif  // MEMKV_SERVER_EXEC_TEXT_ADMIN_H_
