// PrefixStats: memcached's `stats detail` counters, gets, hits, sets and deletes per key prefix
// (the part of a key before the first delimiter byte, -D, ':' by default; keys without one are
// not counted), kept while `stats detail on` (or -D) has turned them on.
//
// Off, a request pays one relaxed atomic load (enabled()); the executors check it before they
// compute a prefix. On, every record takes one mutex, as memcached's STATS_LOCK does.
//
// Threads: every method may be called from any thread.
#ifndef MEMKV_SERVER_EXEC_PREFIX_STATS_H_
#define MEMKV_SERVER_EXEC_PREFIX_STATS_H_

#include <atomic>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/container/flat_hash_map.h"
#include "absl/synchronization/mutex.h"

namespace memkv::server {

class PrefixStats {
 public:
  PrefixStats(char delimiter, bool enabled) : delimiter_(delimiter), enabled_(enabled) {}
  PrefixStats(const PrefixStats&) = delete;
  PrefixStats& operator=(const PrefixStats&) = delete;

  char delimiter() const { return delimiter_; }
  bool enabled() const { return enabled_.load(std::memory_order_relaxed); }
  // `stats detail on|off`: off stops counting and keeps what was counted (as memcached).
  void SetEnabled(bool on) { enabled_.store(on, std::memory_order_relaxed); }

  // One get of `key` (hit or not), set (any storage command) or delete.
  void RecordGet(std::string_view key, bool hit);
  void RecordSet(std::string_view key);
  void RecordDelete(std::string_view key);

  // memcached's dump lines, "PREFIX <prefix> get <n> hit <n> set <n> del <n>\r\n" per prefix in
  // the order prefixes were first seen, without the closing END.
  void AppendDump(std::string* out) const;

 private:
  struct Counts {
    uint64_t gets = 0;
    uint64_t hits = 0;
    uint64_t sets = 0;
    uint64_t deletes = 0;
  };
  // The counts of key's prefix, created on first use; null for a key without the delimiter.
  Counts* Find(std::string_view key) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);

  const char delimiter_;
  std::atomic<bool> enabled_;
  mutable absl::Mutex mu_;
  absl::flat_hash_map<std::string, size_t> index_ ABSL_GUARDED_BY(mu_);  // prefix -> order_
  std::vector<std::pair<std::string, Counts>> order_ ABSL_GUARDED_BY(mu_);
};

}  // namespace memkv::server

#endif  // MEMKV_SERVER_EXEC_PREFIX_STATS_H_
