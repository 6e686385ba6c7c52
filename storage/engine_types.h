// The value types of the Engine's interface: options, the item as a callback sees it, and the
// results of each operation. Separate from engine.h so that the shards which implement the
// operations (shard.h) share these types without including the facade they sit below.
//
// Threads: plain value types; any thread.
#ifndef MEMKV_STORAGE_ENGINE_TYPES_H_
#define MEMKV_STORAGE_ENGINE_TYPES_H_

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "storage/value_pin.h"

namespace memkv::storage {

// The most databases an engine may have (EngineOptions::databases).
inline constexpr int kMaxDatabases = 1 << 16;

struct EngineOptions {
  // Upper bound on the memory holding items and the index (memcached -m).
  size_t memory_limit_bytes = size_t{64} << 20;
  // Largest key + value accepted (memcached -I).
  size_t max_item_bytes = size_t{1} << 20;
  // Number of shards; rounded up to a power of two.
  int shard_count = 16;
  // Number of databases (Redis `databases`, SELECT 0..n-1); 1..kMaxDatabases.
  int databases = 16;
  // Background reclaim of expired items: period and the most buckets one pass may visit per shard.
  int reclaim_period_millis = 100;
  int reclaim_buckets_per_pass = 1024;
  // Tests turn the background thread off and call ReclaimExpiredForTest() instead.
  bool start_background_reclaimer = true;
  // Seed of the XXH3 key hash; 0 = Engine::Create draws one from the kernel (getrandom), so that
  // bucket placement differs between runs and a client cannot precompute keys that share one
  // bucket chain (hash flooding). Tests pass fixed seeds.
  uint64_t hash_seed = 0;
  // Warm restart (memcached -e): the file the items live in (restart_file.h); "" = the heap.
  // The engine then reopens what a clean shutdown (Engine::SaveForRestart) left in it, if the
  // software version and settings match, and hash_seed is ignored (the saved one is used).
  std::string restart_file;
  // The software's version, which a restart file must have been written by.
  std::string software_version;
};

// A stored item as seen by a callback. Views are valid only during the callback; Pin() makes a
// large value outlive it.
struct ItemView {
  // A pin on the value (value_pin.h) that may be kept after the callback and released on any
  // thread; an empty pin when the value lives in a segment (copy it then). Call it only inside
  // the callback that was shown this view (or a copy of it).
  ValuePin Pin() const {
    return value_block == nullptr ? ValuePin() : ValuePin(value_block, value.size());
  }

  std::string_view key;
  std::string_view value;
  uint32_t client_flags = 0;
  uint64_t cas = 0;
  int64_t expiry_millis = 0;       // unix ms; 0 = never expires
  int64_t last_access_millis = 0;  // before the access that produced this view (second precision)
  bool fetched = false;            // read at least once since it was stored, before this access
  bool stale = false;              // invalidated by a meta command's I flag
  bool win_token_sent = false;     // a client was already handed the meta recache "win" token
  // Set by the engine: the block holding a large value, null for a value in a segment. Pin()
  // reads it; nothing else should.
  ValueBlock* value_block = nullptr;
};

enum class LookupResult { kHit, kMiss, kExpired };

// How Store treats an existing item (memcached's set/add/replace/append/prepend/cas).
enum class StoreMode { kSet, kAdd, kReplace, kAppend, kPrepend };

enum class StoreResult {
  kStored,
  kNotStored,  // add on a present key, replace/append/prepend on a missing one
  kExists,     // compare_cas given and the item's CAS differs
  kNotFound,   // compare_cas given and the key is missing
};

struct StoreArgs {
  StoreMode mode = StoreMode::kSet;
  uint32_t client_flags = 0;  // ignored by append/prepend, which keep the item's flags
  int64_t expiry_millis = 0;  // 0 = never; <= now means expired at once (the key is removed)
  uint64_t compare_cas = 0;   // nonzero: store only if the item's CAS equals it
  uint64_t new_cas = 0;       // nonzero: use as the new CAS (meta E flag); else a fresh one
};

struct StoreOutcome {
  StoreResult result = StoreResult::kNotStored;
  uint64_t cas = 0;  // the item's CAS after a successful store
};

enum class DeleteResult { kDeleted, kNotFound, kExists /* compare_cas mismatch */ };

enum class ArithmeticResult { kOk, kNotFound, kNonNumeric, kExists /* compare_cas mismatch */ };

struct ArithmeticOutcome {
  ArithmeticResult result = ArithmeticResult::kNotFound;
  uint64_t value = 0;  // the value after the operation
  uint64_t cas = 0;
};

// The decision an Update callback returns: what to do with the key it was shown.
struct Mutation {
  enum class Kind {
    kNone,    // leave everything as it is
    kDelete,  // remove the item
    kStore,   // replace (or create) the item with value = parts[0] + parts[1]
    kModify,  // change only the fields whose set_* flag is true; value and CAS unchanged
  };
  Kind kind = Kind::kNone;
  // kStore: the parts may point into the current item's value (append) or anywhere else.
  std::string_view parts[2];
  // kStore: the new item's fields. kModify: applied when the matching set_* is true.
  uint32_t client_flags = 0;
  int64_t expiry_millis = 0;
  bool set_client_flags = false;  // kModify
  bool set_expiry = false;        // kModify
  // kModify: mark invalidated (meta md I), give it the stale CAS (new_cas, else a fresh one) and
  // withdraw the recache token, so that the next reader wins (memcached clears ITEM_TOKEN_SENT).
  // kStore: the new item is stale (meta ms I with an older CAS); its token is set_win_token_sent.
  bool set_stale = false;
  // kModify / kStore: the recache token is out. Applied after set_stale's withdrawal.
  bool set_win_token_sent = false;
  uint64_t new_cas = 0;  // kStore: nonzero = use this CAS; kModify: nonzero = set CAS
  // kNone / kModify / kStore: after the mutation, mark the item that remains read, as Get does
  // (fetched, access time, a second chance from eviction). The callback still sees the state
  // before this access. Ignored by kDelete, and when no item remains.
  bool mark_accessed = false;
};

struct UpdateOutcome {
  bool existed = false;  // a live item was shown to the callback
  uint64_t cas = 0;      // the item's CAS after the mutation (0 if it no longer exists)
};

struct EngineStats {
  uint64_t curr_items = 0;
  uint64_t total_items = 0;  // items ever stored
  uint64_t bytes = 0;        // key + value + header bytes of live items
  uint64_t evictions = 0;    // live items removed to make room
  uint64_t reclaimed = 0;    // expired items whose memory was reused or reclaimed
  uint64_t expired_unfetched = 0;
  uint64_t evicted_unfetched = 0;
  uint64_t limit_maxbytes = 0;
  uint64_t hash_buckets = 0;
  uint64_t with_expiry = 0;   // live items with an expiry time
  uint64_t memory_bytes = 0;  // held against limit_maxbytes: segments, large values, indexes
  // Large values referenced by ValuePins right now (each counted once however many pins it has),
  // stored or not, and their bytes; of those, the ones no longer stored (deleted, overwritten,
  // evicted, flushed while pinned): memory the pins hold outside limit_maxbytes until released.
  uint64_t pinned_values = 0;
  uint64_t pinned_bytes = 0;
  uint64_t pinned_dropped_values = 0;
  uint64_t pinned_dropped_bytes = 0;
  // The size of the segments small items are written into (the same in every shard).
  uint64_t segment_bytes = 0;
};

}  // namespace memkv::storage

#endif  // MEMKV_STORAGE_ENGINE_TYPES_H_
