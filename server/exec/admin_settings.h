// AdminSettings: the memcached settings that administrative commands change while the server
// runs and `stats settings` prints (lru_crawler, slabs automove), plus the `stats detail`
// counters. memkv's engine has no LRU crawler and no slab mover: these are kept so that the
// commands answer as memcached and `stats settings` shows what was set (docs/operations.md).
//
// Threads: every member may be read and written from any thread (atomics; PrefixStats locks).
#ifndef MEMKV_SERVER_EXEC_ADMIN_SETTINGS_H_
#define MEMKV_SERVER_EXEC_ADMIN_SETTINGS_H_

#include <atomic>
#include <cstdint>

#include "server/exec/prefix_stats.h"

namespace memkv::server {

struct AdminSettings {
  // -D delimiter; -D also turns the counting on, as in memcached.
  AdminSettings(char prefix_delimiter, bool detail_enabled)
      : prefix_stats(prefix_delimiter, detail_enabled) {}

  PrefixStats prefix_stats;
  std::atomic<bool> lru_crawler{true};           // lru_crawler enable|disable
  std::atomic<uint32_t> lru_crawler_sleep{100};  // lru_crawler sleep <us>
  std::atomic<uint32_t> lru_crawler_tocrawl{0};  // lru_crawler tocrawl <n>
  std::atomic<uint32_t> slab_automove{1};        // slabs automove 0|1|2
  std::atomic<double> slab_automove_ratio{0.8};  // slabs automove ratio <r>
};

}  // namespace memkv::server

#endif  // MEMKV_SERVER_EXEC_ADMIN_SETTINGS_H_
