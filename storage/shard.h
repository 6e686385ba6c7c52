// Shard: one lock-protected slice of the Engine. It owns an ItemStore and applies memcached's
// rules on top of it: store modes, CAS checks, expiry (lazy, on every access), pending flushes,
// incr/decr, and the generic Update mutation.
//
// Threads: the public methods without a "Locked" suffix take the shard's lock themselves and may
// be called from any thread. "Locked" methods require the caller to hold mu() (Engine does, for
// operations that span shards). Callbacks run with the lock held.
//
// Eviction is approximately LRU: see item_store.h.
//
// Keyed methods take a logical database (`db`, < the DatabaseMap's count) and the key's KeyHash,
// which picked this shard; under the lock the shard maps the database to its physical one and
// the hash to their DatabaseHash (key_hash.h), so a SWAPDB (which holds every shard's lock) is
// seen before or after a call, never during it.
#ifndef MEMKV_STORAGE_SHARD_H_
#define MEMKV_STORAGE_SHARD_H_

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/functional/function_ref.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "storage/clock.h"
#include "storage/database_map.h"
#include "storage/engine_types.h"
#include "storage/item_store.h"
#include "storage/restart_image.h"
#include "storage/segment_memory.h"

namespace memkv::storage {

// What one item may be, checked before a store touches anything ("object too large for cache").
struct ItemLimits {
  size_t max_item_bytes = 0;  // key + value (memcached -I)
  size_t max_key_bytes = 0;   // a record holds its key, and must fit one segment
  bool Fits(size_t key_len, size_t value_len) const {
    return key_len <= max_key_bytes && key_len + value_len <= max_item_bytes;
  }
};

// ResourceExhausted "object too large for cache": what a store refused by ItemLimits returns.
absl::Status TooLargeError();

struct ShardConfig {
  int index = 0;       // this shard's number, interleaved into its CAS uniques
  int shard_bits = 0;  // log2 of the shard count
  size_t budget_bytes = 0;
  ItemLimits limits;
  uint64_t hash_seed = 0;                  // the engine's KeyHash seed (key_hash.h)
  PinCounters* pins = nullptr;             // the engine's (value_block.h); outlives the shard
  const DatabaseMap* databases = nullptr;  // the engine's; outlives the shard
  SegmentRegion region;                    // where segments live (segment_memory.h); empty = heap
};

class Shard {
 public:
  Shard(const ShardConfig& config, const Clock* clock);
  Shard(const Shard&) = delete;
  Shard& operator=(const Shard&) = delete;

  LookupResult Get(uint32_t db, std::string_view key, uint64_t hash,
                   absl::FunctionRef<void(const ItemView&)> on_hit);
  // adopt: null, or the buffer whose view `value` is, for the store to take (ItemStore::Put).
  absl::StatusOr<StoreOutcome> Store(uint32_t db, std::string_view key, uint64_t hash,
                                     std::string_view value, const StoreArgs& args,
                                     ValueBuffer* adopt = nullptr);
  DeleteResult Delete(uint32_t db, std::string_view key, uint64_t hash, uint64_t compare_cas);
  bool Touch(uint32_t db, std::string_view key, uint64_t hash, int64_t expiry_millis);
  ArithmeticOutcome Increment(uint32_t db, std::string_view key, uint64_t hash, uint64_t delta,
                              bool decrement, uint64_t compare_cas);
  absl::StatusOr<UpdateOutcome> Update(uint32_t db, std::string_view key, uint64_t hash,
                                       absl::FunctionRef<Mutation(const ItemView* current)> decide);
  // Schedules removal of every item at `when_millis` (replacing a pending flush); applied at once
  // if that time has come.
  void FlushAt(int64_t when_millis);
  // Removes every item of database `db` now (Redis FLUSHDB).
  void FlushDbLocked(uint32_t db) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  // The counts of database `db`'s items (expired ones not yet reclaimed included).
  DbCounts CountsLocked(uint32_t db) const ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  // Adds every physical database's counts to (*by_physical)[its number].
  void AddCountsLocked(std::vector<DbCounts>* by_physical) const
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
    store_.AddCountsTo(by_physical);
  }
  // One bounded reclaim pass (the background reclaimer's unit of work).
  void ReclaimPass(size_t max_buckets);
  // What one Scan call did: where the next one starts, whether the shard's walk is over.
  struct ScanStep {
    size_t next_bucket = 0;
    bool done = false;
  };
  // Shows on_item every live item of the buckets from `first_bucket` on, in bucket order, until
  // `max_items` items were shown or `max_buckets` buckets (at least one) were visited; the lock
  // is held for this one bounded step. Expired items are skipped, not removed. A shard without
  // items in `db` is done at once, no bucket visited.
  ScanStep Scan(uint32_t db, size_t first_bucket, size_t max_buckets, size_t max_items,
                absl::FunctionRef<void(const ItemView&)> on_item);
  // A bucket number in [0, bucket count), picked by `random` (RANDOMKEY's starting point).
  size_t BucketAt(uint64_t random) const;
  // Gives the store a new budget (ItemStore::SetBudget). Then, while it holds more, evicts a few
  // segments at a time, releasing the lock between steps so that requests go on. False if it
  // could not get within the budget.
  bool SetBudget(size_t budget_bytes);
  // Warm restart (restart_file.h, restart_image.h), for a shard over a region. Called only when
  // nothing else uses the shard (before serving, or after every client is gone).
  // What a later process needs besides the region's bytes; each stored large value is given to
  // write_large, in the order RestoreImage reads them back.
  absl::StatusOr<ShardImage> CaptureImage(
      absl::FunctionRef<absl::Status(std::string_view)> write_large);
  // Whether the region holds the segments `image` names, each with the digest it had when saved.
  bool MatchesImage(const ShardImage& image);
  // Takes over `image` in a freshly constructed shard (see ItemStore::Restore); large: this
  // shard's large values. *dropped counts the expired or flushed items left out.
  bool RestoreImage(const ShardImage& image, std::string_view large, uint64_t* dropped);

  // The store's statistics, with memory_bytes() as StoreStats::memory_bytes.
  StoreStats Stats() const;
  // The longest bucket chain of this shard's index. For tests of the hash.
  size_t LongestChainForTest() const;

  absl::Mutex& mu() ABSL_LOCK_RETURNED(mu_) { return mu_; }
  // Applies a due flush, removes the key if expired, and says whether a live item remains.
  bool HasLiveLocked(uint32_t db, std::string_view key, uint64_t hash, int64_t now_millis)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  // Stores key -> value with zero flags, no expiry and a fresh CAS.
  absl::Status SetLocked(uint32_t db, std::string_view key, uint64_t hash, std::string_view value,
                         int64_t now_millis) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  // Copies the live item under key (value, client flags, expiry) into *value and *meta; false
  // if there is none. A copy, because a store into this shard may move or evict the record.
  bool CopyLiveLocked(uint32_t db, std::string_view key, uint64_t hash, int64_t now_millis,
                      std::string* value, ItemMeta* meta) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  // Stores key -> value with the client flags and expiry of `meta` and a fresh CAS. Fails as
  // Store does ("object too large for cache" checked first, "out of memory storing object").
  absl::Status PutCopyLocked(uint32_t db, std::string_view key, uint64_t hash,
                             std::string_view value, const ItemMeta& meta, int64_t now_millis)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  // Removes key's item, if any, as a client's delete.
  void DeleteLocked(uint32_t db, std::string_view key, uint64_t hash)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
    RemoveIfPresent(Locate(db, key, hash));
  }

 private:
  // A key where the store files it: its physical database and their DatabaseHash.
  struct Located {
    std::string_view key;
    uint32_t db = 0;
    uint64_t hash = 0;
  };
  Located Locate(uint32_t db, std::string_view key, uint64_t hash) const
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  // The live item under key, or kNull; an expired one is removed first (*expired set to true).
  ItemStore::Ref FindLive(const Located& at, int64_t now_millis, bool* expired)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  void ApplyDueFlush(int64_t now_millis) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  void RemoveIfPresent(const Located& at) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  uint64_t NextCas() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  ItemView View(ItemStore::Ref ref) const ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  // Stores key -> parts[0] + parts[1]; an expiry already past removes the key instead.
  absl::Status PutLocked(const Located& at, const std::string_view (&parts)[2],
                         const ItemMeta& meta, int64_t now_millis, ValueBuffer* adopt = nullptr)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  absl::StatusOr<UpdateOutcome> ApplyMutation(const Located& at, ItemStore::Ref ref,
                                              const Mutation& m, int64_t now_millis)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);

  const ShardConfig config_;
  const Clock* const clock_;
  mutable absl::Mutex mu_;
  ItemStore store_ ABSL_GUARDED_BY(mu_);
  uint64_t cas_counter_ ABSL_GUARDED_BY(mu_) = 0;
  int64_t flush_at_millis_ ABSL_GUARDED_BY(mu_) = 0;  // 0 = no flush pending
};

}  // namespace memkv::storage

#endif  // MEMKV_STORAGE_SHARD_H_
