// DatabaseMap: which physical database holds each logical one. Clients name logical databases
// (Redis SELECT n; memcached's dialects use 0); items carry the physical number (item_record.h).
// Redis SWAPDB swaps two entries, so it costs the same whatever the databases hold.
//
// Threads: one map is shared by an engine's shards. Physical() may be called with any one
// shard's lock held; Swap() only with every shard's lock held (the engine's SwapDatabases), so a
// shard sees the map unchanged for as long as it holds its own lock.
#ifndef MEMKV_STORAGE_DATABASE_MAP_H_
#define MEMKV_STORAGE_DATABASE_MAP_H_

#include <cstdint>
#include <numeric>
#include <utility>
#include <vector>

namespace memkv::storage {

class DatabaseMap {
 public:
  // `count` databases (at least 1), each logical database at first its own physical one.
  explicit DatabaseMap(uint32_t count) : physical_(count) {
    std::iota(physical_.begin(), physical_.end(), uint32_t{0});
  }
  DatabaseMap(const DatabaseMap&) = delete;
  DatabaseMap& operator=(const DatabaseMap&) = delete;

  uint32_t count() const { return static_cast<uint32_t>(physical_.size()); }
  // REQUIRES: logical < count().
  uint32_t Physical(uint32_t logical) const { return physical_[logical]; }
  // REQUIRES: a, b < count(); every shard's lock held.
  void Swap(uint32_t a, uint32_t b) { std::swap(physical_[a], physical_[b]); }

  // Each logical database's physical one, by logical number (a warm restart saves it).
  const std::vector<uint32_t>& physical() const { return physical_; }
  // Takes a saved map (before serving). False, changing nothing, unless it maps count()
  // databases one to one.
  bool Assign(const std::vector<uint32_t>& physical) {
    if (physical.size() != physical_.size()) return false;
    std::vector<bool> seen(physical.size(), false);
    for (uint32_t p : physical) {
      if (p >= physical.size() || seen[p]) return false;
      seen[p] = true;
    }
    physical_ = physical;
    return true;
  }

 private:
  std::vector<uint32_t> physical_;
};

}  // namespace memkv::storage

#endif  // MEMKV_STORAGE_DATABASE_MAP_H_
