// ItemMeta: the fixed-size fields of a stored item, as the shard's semantic layer reads and writes
// them; RemoveReason: why an item left the store (each reason feeds a different statistic).
//
// Plain values; no thread-safety of their own.
#ifndef MEMKV_STORAGE_ITEM_META_H_
#define MEMKV_STORAGE_ITEM_META_H_

#include <cstdint>

namespace memkv::storage {

struct ItemMeta {
  uint64_t cas = 0;
  int64_t expiry_millis = 0;  // unix ms; 0 = never
  uint32_t client_flags = 0;
  uint32_t last_access_sec = 0;  // unix seconds of the last store or read
  bool fetched = false;          // read at least once since stored
  bool stale = false;            // meta protocol invalidation (I flag)
  bool win_token_sent = false;   // meta recache "win" token handed out
};

inline bool IsExpired(int64_t expiry_millis, int64_t now_millis) {
  return expiry_millis != 0 && expiry_millis <= now_millis;
}

enum class RemoveReason {
  kDeleted,  // a client asked (delete, or replaced by a store)
  kExpired,  // found expired on access or by the reclaimer
  kEvicted,  // live, removed to make room
  kFlushed,  // flush_all
};

}  // namespace memkv::storage

#endif  // MEMKV_STORAGE_ITEM_META_H_
