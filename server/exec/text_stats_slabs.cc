// `stats items`, `stats slabs` and `stats sizes` in memcached's line format. memkv has no slab
// classes: each engine shard (its own lock, items, memory budget and segment log, evicting on
// its own) is printed as one slab class, numbered from 1 in shard order. A "page" (and a
// "chunk": one per page) is a segment's worth of memory: chunk_size is the segment size,
// total_pages the memory the shard holds (segments, large values, index) in segments, rounded
// up, used_chunks its live items' bytes in segments, rounded up. Item counts, bytes, evictions and
// reclaims are the shard's own; the LRU segment and crawler figures memkv has no counterpart for
// are 0. docs/operations.md, "memcached's stats".
#include <cstdint>
#include <initializer_list>
#include <string>
#include <string_view>
#include <vector>

#include "protocol/memcache/text_reply_encoder.h"
#include "server/exec/text_stats_parts.h"
#include "storage/engine.h"

namespace memkv::server {

namespace {

using protocol::AppendTextStat;

// Per-shard counters are printed as they stand: `stats reset` keeps a baseline of the engine's
// totals only (stats_baseline.h).
std::vector<storage::EngineStats> Shards(ExecContext& context) {
  return context.engine->ShardStats();
}

uint64_t DivideUp(uint64_t a, uint64_t b) { return b == 0 ? 0 : (a + b - 1) / b; }

struct Geometry {
  uint64_t chunk_size = 0;
  uint64_t total_pages = 0;
  uint64_t used_chunks = 0;
};

Geometry GeometryOf(const storage::EngineStats& shard) {
  Geometry g;
  g.chunk_size = shard.segment_bytes;
  g.total_pages = DivideUp(shard.memory_bytes, shard.segment_bytes);
  g.used_chunks = DivideUp(shard.bytes, shard.segment_bytes);
  if (g.used_chunks > g.total_pages) g.used_chunks = g.total_pages;
  return g;
}

}  // namespace

void AppendItemsStats(ExecContext& context, std::string* out) {
  const std::vector<storage::EngineStats> shards = Shards(context);
  for (size_t i = 0; i < shards.size(); ++i) {
    const storage::EngineStats& s = shards[i];
    if (s.curr_items == 0) continue;  // memcached prints only classes that hold items
    const std::string prefix = "items:" + std::to_string(i + 1) + ":";
    const auto stat = [&](std::string_view name, uint64_t value) {
      AppendTextStat(prefix + std::string(name), value, out);
    };
    stat("number", s.curr_items);
    stat("number_hot", 0);
    stat("number_warm", 0);
    stat("number_cold", s.curr_items);  // one LRU, not memcached's segmented one
    stat("age_hot", 0);
    stat("age_warm", 0);
    stat("age", 0);  // the oldest item's age is not tracked
    stat("mem_requested", s.bytes);
    stat("evicted", s.evictions);
    stat("evicted_nonzero", 0);
    stat("evicted_time", 0);
    stat("outofmemory", 0);
    stat("tailrepairs", 0);
    stat("reclaimed", s.reclaimed);
    stat("expired_unfetched", s.expired_unfetched);
    stat("evicted_unfetched", s.evicted_unfetched);
    for (std::string_view name :
         {"evicted_active", "crawler_reclaimed", "crawler_items_checked", "lrutail_reflocked",
          "moves_to_cold", "moves_to_warm", "moves_within_lru", "direct_reclaims", "hits_to_hot",
          "hits_to_warm", "hits_to_cold", "hits_to_temp"}) {
      stat(name, 0);
    }
  }
}

void AppendSlabsStats(ExecContext& context, std::string* out) {
  const std::vector<storage::EngineStats> shards = Shards(context);
  uint64_t active = 0;
  uint64_t malloced = 0;
  for (size_t i = 0; i < shards.size(); ++i) {
    const storage::EngineStats& s = shards[i];
    const Geometry g = GeometryOf(s);
    if (g.total_pages == 0) continue;  // memcached prints only classes with pages
    ++active;
    malloced += s.memory_bytes;
    const std::string prefix = std::to_string(i + 1) + ":";
    const auto stat = [&](std::string_view name, uint64_t value) {
      AppendTextStat(prefix + std::string(name), value, out);
    };
    stat("chunk_size", g.chunk_size);
    stat("chunks_per_page", 1);
    stat("total_pages", g.total_pages);
    stat("total_chunks", g.total_pages);
    stat("used_chunks", g.used_chunks);
    stat("free_chunks", g.total_pages - g.used_chunks);
    stat("free_chunks_end", 0);
    // Per-class command counters are not kept per shard.
    for (std::string_view name : {"get_hits", "cmd_set", "delete_hits", "incr_hits", "decr_hits",
                                  "cas_hits", "cas_badval", "touch_hits"}) {
      stat(name, 0);
    }
  }
  AppendTextStat("active_slabs", active, out);
  AppendTextStat("total_malloced", malloced, out);
}

void AppendSizesStats(std::string* out) {
  // memcached's answer without -o track_sizes; memkv keeps no size histogram.
  AppendTextStat("sizes_status", std::string_view("disabled"), out);
}

}  // namespace memkv::server
