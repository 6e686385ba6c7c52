// ItemStore: the items of one shard and the hash index that finds them, within a memory budget.
//
// Items are ItemRecords (item_record.h) packed into a SegmentLog (segment_log.h); the index is a
// BucketIndex (bucket_index.h) of 4-byte chain heads with chains threaded through the records'
// `next` field, at a load of at most one item per bucket. The hash is not stored: chains compare
// keys, and a bucket split or an unlink recomputes the KeyHash of the key (key_hash.h; about 5 ns
// for 20 bytes).
//
// Eviction is the log's cleaning: when the budget is reached, the oldest segment is cleaned;
// expired and deleted records in it are dropped, records read since the last pass (kAccessed) get
// a second chance and are re-appended, the rest are evicted. This approximates LRU the way CLOCK
// does. On top of it, frequency: a FrequencySketch (frequency_sketch.h) counts recent lookups of
// every key, hits and misses (the Shard reports them: RecordLookup), and a record not read since
// the last pass is kept anyway when its key was looked up at least kKeepLookups times lately, as
// long as such records (with their large values) take at most half a segment's worth of budget
// per cleaning (so cleaning always frees space). Why: under skew, plain CLOCK evicts a popular
// item that happened not to be read during one pass of the log, while every one-off key filled
// after a miss holds its space for a whole pass; keeping the popular ones makes the pass shorter,
// so the one-offs leave sooner. On the cache-aside benchmark (docs/benchmarks.md, "Hit ratio")
// this is worth one to three points of hit ratio on skewed keys, a fraction on uniform ones.
// Lookups are reported by Shard::Get (memcached get, gets, plain mg, binary GET, RESP GET, MGET
// and the other reads); reads through Update (gat, mg with flags that change the item) mark
// records read as before but are not counted. Large values (below) are first evicted one at a
// time from the segment the cleaner reaches next, by the second-chance rule alone (EvictOneLarge),
// so that making room for one does not evict every large value at once.
//
// Values whose record would exceed 1/8 of a segment, or 16 KiB, live in a ValueBlock of their own
// (value_block.h), which the store references while the item is stored: removing the item drops
// that reference, and a block still pinned (ValuePin) lives on until its last pin goes. A pinned
// block is never written again: a same-length rewrite (RewriteInPlace) gives the item a new block.
//
// Items belong to a database (Redis SELECT; memcached's items are all in database 0): the
// (physical) database number is part of an item's identity, compared with the key, and the
// caller's hash is DatabaseHash of both (key_hash.h). Database 0 costs no byte in a record, and
// its counts are the totals less the other databases' (DbCounts), which only items outside
// database 0 update.
//
// The budget covers segments (all of them, including free and reserve ones), the large values
// the store references and the index; a dropped but still pinned block is no longer charged
// (PinCounters counts it instead).
//
// Threads: not thread-safe. The owning Shard calls it with the shard's lock held.
#ifndef MEMKV_STORAGE_ITEM_STORE_H_
#define MEMKV_STORAGE_ITEM_STORE_H_

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <string_view>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/functional/function_ref.h"
#include "absl/status/status.h"
#include "storage/bucket_index.h"
#include "storage/frequency_sketch.h"
#include "storage/item_meta.h"
#include "storage/item_record.h"
#include "storage/segment_log.h"
#include "storage/value_block.h"
#include "storage/value_pin.h"

namespace memkv::storage {

struct StoreStats {
  uint64_t curr_items = 0;
  uint64_t total_items = 0;
  uint64_t bytes = 0;  // record + large value bytes of live items
  uint64_t evictions = 0;
  uint64_t reclaimed = 0;
  uint64_t expired_unfetched = 0;
  uint64_t evicted_unfetched = 0;
  uint64_t hash_buckets = 0;
  uint64_t with_expiry = 0;  // live items that have an expiry time (Redis INFO's "expires")
  // Of those, the sum of (expiry_millis - kExpirySumEpochMillis), modulo 2^64: Redis INFO's
  // avg_ttl is this over with_expiry, less the time now. Relative to an epoch so that it stays
  // far from overflowing for TTLs of years.
  uint64_t expiry_sum = 0;
  uint64_t memory_bytes = 0;   // filled in by Shard::Stats from ItemStore::memory_bytes()
  uint64_t segment_bytes = 0;  // filled in by Shard::Stats: the size of this store's segments
};

inline constexpr int64_t kExpirySumEpochMillis = 1'700'000'000'000;

// One database's share of a store's items (the fields of StoreStats of the same names).
struct DbCounts {
  uint64_t curr_items = 0;
  uint64_t with_expiry = 0;
  uint64_t expiry_sum = 0;
};

class ItemStore {
 public:
  // A reference to a stored item, valid until the next call that may allocate or remove
  // (Put, SetMeta, Remove, Clear, ReclaimExpired).
  using Ref = uint32_t;
  static constexpr Ref kNull = SegmentLog::kNull;

  // The segment size for a shard budget: 1/64 of it, a power of two between 32 KiB and 1 MiB.
  // Why small: cleaning one segment frees a small fraction, and the segments that hold no live
  // items (the reserve, the head's unfilled part) are a small fraction of the budget; at -m 3 a
  // 1/16 share left up to 1/8 of the budget to them (docs/memory.md, "Small limits").
  static size_t SegmentBytesFor(size_t budget_bytes);
  // The longest key a store of this budget can hold: its record must fit in one segment.
  static size_t MaxKeyBytesFor(size_t budget_bytes) {
    return ItemRecord::MaxKeyBytes(SegmentBytesFor(budget_bytes));
  }

  // The longest record kept in a segment: a longer one's value lives in a block of its own.
  // Why at most 16 KiB: a get sends a block's value straight from it (ValuePin, no copy) but
  // copies a segment's into the reply, and with 1 MiB segments (-m 1024) 1/8 of a segment let
  // values up to 128 KiB be copied on every get: 16-128 KiB gets ran at 0.6x memcached's rate,
  // a fifth of the server's time in the kernel clearing the pages of growing reply buffers.
  static constexpr size_t kMaxInlineRecordBytes = size_t{16} << 10;
  // Values of at least this many bytes always live in a block of their own (1/8 of a segment,
  // at most kMaxInlineRecordBytes).
  static size_t LargeValueBytesFor(size_t budget_bytes) {
    return std::min(SegmentBytesFor(budget_bytes) / 8, kMaxInlineRecordBytes);
  }

  // hash_seed: the seed of the KeyHash the caller passes as `hash` (key_hash.h). pins: where pins
  // of this store's large values are counted (the engine's, shared by its shards); null = the
  // store's own. region: where the segments live (segment_memory.h); empty = the heap.
  explicit ItemStore(size_t budget_bytes, uint64_t hash_seed = 0, PinCounters* pins = nullptr,
                     SegmentRegion region = {});
  ~ItemStore();
  ItemStore(const ItemStore&) = delete;
  ItemStore& operator=(const ItemStore&) = delete;

  // The item stored under key in database `db` (`hash` is their DatabaseHash), or kNull. Does
  // not look at expiry.
  Ref Find(std::string_view key, uint32_t db, uint64_t hash) const;
  Ref Find(std::string_view key, uint64_t hash) const { return Find(key, 0, hash); }
  std::string_view Key(Ref ref) const { return Record(ref).key(); }
  uint32_t Db(Ref ref) const { return Record(ref).db(); }
  std::string_view Value(Ref ref) const { return Record(ref).value(); }
  // The block holding the item's value, or null if the value lives in the record (ItemView).
  ValueBlock* Block(Ref ref) const {
    const ItemRecord record = Record(ref);
    return record.has(ItemRecord::kExternal) ? record.external_block() : nullptr;
  }
  ItemMeta Meta(Ref ref) const { return Record(ref).meta(); }

  // Counts a lookup of the key whose KeyHash is `hash`, found or not (the eviction policy's
  // frequency estimate).
  void RecordLookup(uint64_t hash) { sketch_.Record(hash); }
  // Records a read: sets fetched and the access time, and earns the item a second chance when
  // the cleaner reaches it.
  void MarkAccessed(Ref ref, uint32_t now_sec);
  // Replaces the item's meta fields, keeping key and value. Rewrites the record when it lacks a
  // field the new meta needs (which may fail as Put fails); the rewrite keeps the second chance.
  absl::Status SetMeta(Ref ref, const ItemMeta& meta, int64_t now_millis);

  // Stores key -> parts[0] + parts[1] with `meta`, replacing any item under key. The parts may
  // point into the replaced item's value. A replacement of the same length whose meta fits the
  // old record is written over it in place (see RewriteInPlace); otherwise the item is appended
  // to the log, making room as described above; fails with ResourceExhausted "out of memory
  // storing object" if none can be made, or at once if the record could never fit a segment
  // (callers refuse such keys earlier as too large: see MaxKeyBytesFor).
  // adopt: a buffer holding the value (parts[0] is its view, parts[1] empty), whose block the
  // item takes instead of a copy if its value lives in a block of its own and the buffer comes
  // from these PinCounters' engine; the buffer is then empty. Otherwise it is left as it was.
  absl::Status Put(std::string_view key, uint32_t db, uint64_t hash,
                   const std::string_view (&parts)[2], const ItemMeta& meta, int64_t now_millis,
                   ValueBuffer* adopt = nullptr);
  // Put in database 0.
  absl::Status Put(std::string_view key, uint64_t hash, const std::string_view (&parts)[2],
                   const ItemMeta& meta, int64_t now_millis, ValueBuffer* adopt = nullptr) {
    return Put(key, 0, hash, parts, meta, now_millis, adopt);
  }

  void Remove(Ref ref, RemoveReason reason);
  // Removes every item (flush_all). Memory stays with the store for reuse.
  void Clear();
  // Removes every item of database `db` (Redis FLUSHDB): a walk of the whole index, unless the
  // database holds every item or none.
  void ClearDb(uint32_t db);
  // The counts of database `db`'s items (expired ones not yet removed included).
  DbCounts CountsOf(uint32_t db) const;
  // Adds each database's counts to (*by_db)[its number] (which must have room for all).
  void AddCountsTo(std::vector<DbCounts>* by_db) const;
  // Removes expired items from at most max_buckets buckets, continuing where the last call
  // stopped.
  void ReclaimExpired(int64_t now_millis, size_t max_buckets);

  // The index's buckets, for walks over every item (Shard::Scan). Buckets only split (into one
  // at a higher number), so a walk in increasing bucket order meets every item that stays stored.
  size_t bucket_count() const { return index_.bucket_count(); }
  // Calls on_item with each item chained in `bucket` (< bucket_count()), expired ones included.
  // on_item must not change the store.
  void ForEachInBucket(size_t bucket, absl::FunctionRef<void(Ref ref)> on_item) const;

  // A new budget (a live memory limit change), in force from the next store on; FitBudgetStep
  // brings a store that holds more within it. The segment size stays what the first budget made
  // it. REQUIRES: budget_bytes holds a few segments (Engine::kMinSegmentsPerShard).
  void SetBudget(size_t budget_bytes) { budget_bytes_ = budget_bytes; }
  // What one FitBudgetStep did.
  enum class FitStep { kFits, kMore, kStuck };
  // Releases free segments and cleans at most `max_segments` of the oldest ones (evicting as a
  // store that needs room does): kFits once within the budget, kMore if more steps are needed,
  // kStuck if nothing more can be freed.
  FitStep FitBudgetStep(int64_t now_millis, int max_segments);

  // Warm restart (restart_file.h), for a store over a region. What a later store needs besides
  // the region's bytes: the log's layout, and the large values (which live on the heap) in the
  // order Restore reads them back. on_value's error stops the walk and is returned.
  SegmentLog::Layout LogLayout() const { return log_.layout(); }
  // The filled bytes of each segment holding records, in log order (as LogLayout's digests).
  std::vector<std::string_view> SegmentsInLogOrder() const;
  absl::Status ForEachLargeValue(absl::FunctionRef<absl::Status(std::string_view)> on_value) const;
  // The first `fill` bytes of the region's slot for segment `id` (SegmentLog::RegionSlot).
  std::string_view RegionSlot(uint32_t id, size_t fill) { return log_.RegionSlot(id, fill); }
  // Takes over a saved layout in a freshly constructed store over the same region: links every
  // record that is neither deleted nor expired at now_millis into the index (none if drop_all:
  // a flush_all came due), giving each large value a block copied from `large`, where they lie
  // back to back in ForEachLargeValue order. *dropped counts the expired or flushed items left
  // out. False if the layout or a record is inconsistent (the store must then be discarded).
  bool Restore(const SegmentLog::Layout& layout, std::string_view large, int64_t now_millis,
               bool drop_all, uint64_t* dropped);

  const StoreStats& stats() const { return stats_; }
  // Bytes held against the budget: segments, large values and the index.
  size_t memory_bytes() const { return used_bytes(); }
  size_t budget_bytes() const { return budget_bytes_; }
  size_t segment_bytes() const { return log_.segment_bytes(); }
  // The length of the longest bucket chain (walks the whole index). For tests of the hash.
  size_t LongestChainForTest() const;

 private:
  ItemRecord Record(Ref ref) const { return ItemRecord(log_.At(ref)); }
  uint32_t* BucketFor(uint64_t hash) { return &index_.Head(index_.BucketOf(hash)); }
  uint32_t* NextOf(Ref ref) const {
    // `next` is the record's first field and records are 8-byte aligned.
    return reinterpret_cast<uint32_t*>(log_.At(ref));
  }
  // The link (bucket or record `next`) holding the reference of key's record, or the chain's
  // terminating 0 if key is absent.
  uint32_t* LinkTo(std::string_view key, uint32_t db, uint64_t hash);
  // The link holding `ref` (which must be linked).
  uint32_t* LinkTo(Ref ref);
  // Overwrites the record's value and meta when the new value has the same length, the meta
  // fits the record's fields and no part points into the old value; false (nothing changed)
  // otherwise. Why: same-size rewrites (counters, fixed-size objects, redis-benchmark's SET)
  // then neither grow the log nor scatter live items over it, which keeps lookups in cache.
  // A pinned block is not written: the item gets a new one (or adopt's) of the same size.
  bool RewriteInPlace(Ref ref, const std::string_view (&parts)[2], const ItemMeta& meta,
                      ValueBuffer* adopt);
  // A block holding parts[0] + parts[1]: adopt's, if it can be taken, else a new copy.
  ValueBlock* BlockFor(const std::string_view (&parts)[2], size_t value_len, ValueBuffer* adopt);
  // Keeps the expiry counts right when a live record of database `db` has its expiry go from
  // `before` to `after` (0 = none).
  void CountExpiryChange(uint32_t db, int64_t before, int64_t after);
  // Counts a record of database `db` coming (+1) or going (-1).
  void CountItem(uint32_t db, int delta, int64_t expiry_millis);
  // Marks an unlinked record dead, drops its large value and counts the removal.
  void Retire(Ref ref, RemoveReason reason);
  size_t used_bytes() const {
    return log_.allocated_bytes() + external_bytes_ + index_.memory_bytes() +
           sketch_.memory_bytes();
  }
  // Whether a part points into the value of the record `ref`.
  bool PartsPointInto(Ref ref, const std::string_view (&parts)[2]) const;
  // Space for a record of `bytes` in the log, cleaning or growing as needed.
  absl::Status Allocate(size_t bytes, int64_t now_millis, Ref* ref);
  // Cleans or releases segments until the budget holds.
  absl::Status FitBudget(int64_t now_millis);
  // Cleans the oldest segment (sealing the head first if nothing else is sealed).
  bool CleanOne(int64_t now_millis);
  // Evicts one large value (a record with kExternal) without a second chance from the segment
  // the cleaner reaches next, leaving its record dead in place; false if that segment has none
  // left. Why: a large value's record is ~50 bytes, so one segment holds the records of hundreds
  // of large values, all of a small shard's; cleaning it whole to make room for one value
  // evicted them all (at -m 3, 66 KB values, the cache held 2 to 22 of the 45 that fit).
  bool EvictOneLarge(int64_t now_millis);
  size_t CleanRecord(Ref ref, int64_t now_millis);
  // Whether the cleaning keeps an unread record of `size` bytes for its key's recent lookups
  // (counting it, and its large value's block, against this cleaning's allowance if so).
  bool KeepForFrequency(const ItemRecord& record, size_t size);
  void Grow(int64_t now_millis);
  int MaxPasses() const;
  // The DatabaseHash of a stored record.
  uint64_t HashOf(Ref ref) const;

  size_t budget_bytes_;  // changes only by SetBudget
  const uint64_t hash_seed_;
  PinCounters own_pins_;  // used when no engine-wide counters are given
  PinCounters* const pins_;
  SegmentLog log_;
  const size_t max_inline_bytes_;
  BucketIndex index_;
  size_t external_bytes_ = 0;  // stored large values, with headers and malloc's own overhead
  size_t reclaim_cursor_ = 0;
  // Where EvictOneLarge stopped: a segment and the offset of the next record to look at. Reset
  // when a segment is cleaned (its id may come back as a different segment).
  uint32_t evict_segment_ = 0;
  size_t evict_offset_ = 0;
  FrequencySketch sketch_;
  size_t kept_for_frequency_ = 0;  // bytes (records and blocks) of unread records kept by the
                                   // current cleaning
  StoreStats stats_;
  // The counts of each database but 0 that holds items (database 0's are the rest).
  absl::flat_hash_map<uint32_t, DbCounts> db_counts_;
};

}  // namespace memkv::storage

#endif  // MEMKV_STORAGE_ITEM_STORE_H_
