// Engine: the in-memory key-value store every protocol dialect shares.
//
// A sharded hash table: each key is hashed once with XXH3, seeded per engine (key_hash.h); the
// hash's high bits pick one of a power-of-two number of shards, each with its own lock, items and
// memory budget, so threads that touch different shards never contend and nothing global is
// locked on the get/set path. Items carry a value, 32-bit client flags, an expiry (unix ms, 0 =
// never) and a 64-bit CAS unique. The memory limit is kept by evicting the least recently used
// items (approximately: see shard.h); expired items vanish on next access and are reclaimed in the
// background a bounded amount at a time.
//
// Large values (Engine::large_value_bytes()) live in blocks of their own, which a caller can pin
// to send them without a copy (ItemView::Pin, value_pin.h) and receive into before storing them
// (AllocateValue, Store(key, ValueBuffer&&)).
//
// Threads: every public method is safe to call from any thread at any time. Callbacks run with
// one shard's lock held: they must be short and must not call back into the Engine. Pins may be
// released on any thread.
//
// REQUIRES for the Engine's destruction: no ValuePin of it is left (the server closes its
// connections first); a debug build asserts it.
//
// The engine knows nothing of wire formats; server/ turns parsed requests into calls here.
#ifndef MEMKV_STORAGE_ENGINE_H_
#define MEMKV_STORAGE_ENGINE_H_

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string_view>
#include <utility>
#include <vector>

#include "absl/functional/function_ref.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/types/span.h"
#include "storage/clock.h"
#include "storage/engine_types.h"
#include "storage/value_pin.h"

namespace memkv::storage {

class Engine {
 public:
  // Validates options (e.g. max_item_bytes must leave room for at least a few items per shard).
  // A hash_seed of 0 is replaced by one drawn from getrandom(); options() reports the seed used.
  static absl::StatusOr<std::unique_ptr<Engine>> Create(const EngineOptions& options,
                                                        const Clock* clock);
  virtual ~Engine() = default;

  // Calls on_hit with the live item, then marks it fetched and accessed. Expired items are
  // removed and reported as kExpired.
  virtual LookupResult Get(std::string_view key,
                           absl::FunctionRef<void(const ItemView&)> on_hit) = 0;

  // Stores per args. Returns kResourceExhausted "object too large for cache", touching nothing
  // but a plain set's old value (removed, as memcached does), if key + value exceed
  // max_item_bytes or the key is too long for any record (longer than a segment: 32 KiB to 1 MiB
  // by the memory limit, see item_store.h); kResourceExhausted "out of memory storing object" if
  // nothing can be evicted to make room.
  virtual absl::StatusOr<StoreOutcome> Store(std::string_view key, std::string_view value,
                                             const StoreArgs& args) = 0;

  // A writable block of `size` bytes for a value to be stored with the Store below (the server
  // receives a large set's bytes straight into it). The engine allocates what is asked: the
  // caller bounds size first (by max_item_bytes). Not charged to the memory limit until stored.
  virtual ValueBuffer AllocateValue(size_t size) = 0;
  // Store(key, value.view(), args) in every respect (results, errors, eviction, statistics),
  // except that when the value is to live in a block of its own (any mode but append and prepend,
  // a value of at least large_value_bytes(), or a little less with a long key) the item takes
  // value's block instead of a copy. `value` is empty afterwards either way.
  virtual absl::StatusOr<StoreOutcome> Store(std::string_view key, ValueBuffer&& value,
                                             const StoreArgs& args) = 0;
  // Values of at least this many bytes always live in a block of their own: ItemView::Pin pins
  // them and Store(key, ValueBuffer&&) adopts them. Smaller ones live in segments and are copied.
  virtual size_t large_value_bytes() const = 0;

  virtual DeleteResult Delete(std::string_view key, uint64_t compare_cas = 0) = 0;

  // Sets a new expiry if the key is live. Returns false on a miss.
  virtual bool Touch(std::string_view key, int64_t expiry_millis) = 0;

  // memcached incr/decr: the value must be a decimal uint64 (at most 20 digits); incr wraps at
  // 2^64, decr stops at 0. A fresh CAS is assigned. Keeps flags and expiry.
  virtual ArithmeticOutcome Increment(std::string_view key, uint64_t delta, bool decrement,
                                      uint64_t compare_cas = 0) = 0;

  // General read-modify-write under the key's shard lock, for commands the methods above do not
  // cover (Redis SET ... GET/KEEPTTL, GETDEL, meta stale/win, ...). `current` is null when the key
  // is missing or expired. Fails only as Store fails, when the mutation stores.
  virtual absl::StatusOr<UpdateOutcome> Update(
      std::string_view key, absl::FunctionRef<Mutation(const ItemView* current)> decide) = 0;

  // When StoreAll stores: always (Redis MSET), or only if none of the keys is live (MSETNX).
  enum class StoreAllWhen { kAlways, kNoneExist };
  // Stores every pair atomically across shards: the shards involved are locked in index order,
  // so no other call sees some of the pairs stored and others not (Redis's MSET and MSETNX are
  // atomic). Returns false, storing nothing, if `when` is kNoneExist and any key was live. A pair
  // too large to store fails the call before anything is stored.
  virtual absl::StatusOr<bool> StoreAll(
      absl::Span<const std::pair<std::string_view, std::string_view>> pairs, StoreAllWhen when) = 0;

  // What Transfer did.
  enum class TransferResult { kDone, kNoSource, kDestinationExists };
  // Gives `destination` the value, client flags and expiry of the live item `source`, with a
  // fresh CAS, and removes `source` unless keep_source (Redis RENAME, RENAMENX, COPY). A live
  // destination is replaced only with `replace`, else kDestinationExists and nothing changes.
  // The shards of both keys are locked (in index order, as StoreAll) for the whole call, so no
  // other call sees the value under both keys (a rename) or under neither. A failed store
  // ("object too large for cache" when destination + value exceed max_item_bytes, "out of
  // memory storing object") leaves the source as it was. source == destination changes nothing:
  // kDone if it is live.
  virtual absl::StatusOr<TransferResult> Transfer(std::string_view source,
                                                  std::string_view destination, bool keep_source,
                                                  bool replace) = 0;

  // One bounded step of a walk over every live item (Redis SCAN, KEYS, RANDOMKEY). Cursor 0
  // starts a walk; the returned cursor continues it, and 0 means the walk is over. A step shows
  // on_item the items of whole hash buckets, shard by shard with one shard's lock held at a time,
  // until `max_items` items were shown or `max_buckets` buckets were visited (at least one).
  // An item stored for the whole walk is shown at least once (twice if its bucket splits behind
  // the walk); one stored or removed during it may or may not be. Any cursor is accepted: one
  // that no walk returned continues from wherever it points, or ends the walk.
  virtual uint64_t Scan(uint64_t cursor, size_t max_buckets, size_t max_items,
                        absl::FunctionRef<void(const ItemView&)> on_item) = 0;
  // A cursor pointing at a bucket picked by `random` (a random shard, then a random bucket).
  virtual uint64_t RandomCursor(uint64_t random) = 0;
  // Scan over the items of shard `shard` (< options().shard_count) alone, with a cursor of its
  // own (0 starts, 0 returned ends), in bounded steps with that shard's lock held for one step
  // only (memcached's per-slab-class dumps: shard i is slab class i + 1).
  virtual uint64_t ScanShard(size_t shard, uint64_t cursor, size_t max_buckets, size_t max_items,
                             absl::FunctionRef<void(const ItemView&)> on_item) = 0;

  // Removes every item at now + delay_millis (memcached flush_all [delay]); 0 = now. A later call
  // replaces a pending one.
  virtual void FlushAll(int64_t delay_millis = 0) = 0;

  // Number of live items (may count expired items not yet reclaimed).
  virtual uint64_t ItemCount() const = 0;
  virtual EngineStats Stats() const = 0;
  // Stats() of each shard alone, in shard order (memcached's `stats items` and `stats slabs`
  // print one per shard); limit_maxbytes is the shard's budget, the pinned_* fields are 0.
  virtual std::vector<EngineStats> ShardStats() const = 0;
  virtual const Clock& clock() const = 0;
  // The options the engine was created with; memory_limit_bytes there is the starting limit.
  virtual const EngineOptions& options() const = 0;

  // The memory limit in force: options().memory_limit_bytes until SetMemoryLimit changes it.
  virtual size_t memory_limit_bytes() const = 0;
  // Changes the memory limit while serving (memcached's cache_memlimit): each shard's budget
  // becomes bytes / shards, and a shard holding more evicts (oldest segments first, as when a
  // store needs room) until it is within it, taking its lock for a few segments at a time.
  // Segment sizes, the largest key and the large-value threshold stay as the starting limit made
  // them. InvalidArgument, changing nothing, when a shard's budget would hold fewer than
  // kMinSegmentsPerShard segments (too few to store into); ResourceExhausted when a shard could
  // not evict down to its budget (values pinned by readers), with the new limit in force.
  static constexpr size_t kMinSegmentsPerShard = 4;
  virtual absl::Status SetMemoryLimit(size_t bytes) = 0;

  // One reclaim pass over every shard, as the background thread does. For tests.
  virtual void ReclaimExpiredForTest() = 0;
  // The most items in one bucket chain of any shard (walks every index under each shard's lock).
  // For tests of the key hash's seeding.
  virtual size_t LongestChainForTest() const = 0;
};

}  // namespace memkv::storage

#endif  // MEMKV_STORAGE_ENGINE_H_
