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
// Items belong to one of EngineOptions::databases numbered databases (Redis SELECT): the key
// operations are a Keyspace's (keyspace.h); the Engine's own act on database 0, the one the
// memcached dialects use, and Database(n) gives database n's. A database number is part of an
// item's identity (it takes no byte in database 0: item_record.h); the numbers clients use are
// logical, mapped to physical ones by a DatabaseMap, so SwapDatabases costs the same whatever
// the databases hold.
//
// The engine knows nothing of wire formats; server/ turns parsed requests into calls here.
#ifndef MEMKV_STORAGE_ENGINE_H_
#define MEMKV_STORAGE_ENGINE_H_

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "absl/functional/function_ref.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/types/span.h"
#include "storage/clock.h"
#include "storage/engine_types.h"
#include "storage/keyspace.h"
#include "storage/value_pin.h"

namespace memkv::storage {

class Engine : public Keyspace {
 public:
  // Validates options (e.g. max_item_bytes must leave room for at least a few items per shard).
  // A hash_seed of 0 is replaced by one drawn from getrandom(); options() reports the seed used.
  static absl::StatusOr<std::unique_ptr<Engine>> Create(const EngineOptions& options,
                                                        const Clock* clock);
  ~Engine() override = default;

  // The keyspace of logical database `db`; Database(0) is this engine. REQUIRES: db <
  // options().databases. The reference lives as long as the engine.
  virtual Keyspace& Database(uint32_t db) = 0;

  // What Redis INFO's keyspace section says of one database.
  struct DatabaseCounts {
    uint64_t keys = 0;           // items, expired ones not yet reclaimed included
    uint64_t expires = 0;        // of those, items with an expiry
    int64_t avg_ttl_millis = 0;  // their mean time left (0 if none)
  };
  // Counts of database `db`, all shards read at one instant (no SwapDatabases half seen).
  virtual DatabaseCounts CountDatabase(uint32_t db) const = 0;
  // CountDatabase of every database, by logical number, in one pass (Redis INFO keyspace).
  virtual std::vector<DatabaseCounts> CountDatabases() const = 0;
  // Removes every item of database `db` (Redis FLUSHDB), holding every shard's lock meanwhile.
  virtual void FlushDatabase(uint32_t db) = 0;
  // Gives database a the items of database b and b those of a (Redis SWAPDB): no item moves.
  // A call on either database sees the swap before or after it, never during it.
  virtual void SwapDatabases(uint32_t a, uint32_t b) = 0;
  // Transfer (keyspace.h) from `source` in database source_db to `destination` in
  // destination_db (Redis MOVE, COPY ... DB).
  virtual absl::StatusOr<TransferResult> TransferBetween(uint32_t source_db,
                                                         std::string_view source,
                                                         uint32_t destination_db,
                                                         std::string_view destination,
                                                         bool keep_source, bool replace) = 0;

  // Scan over the items of shard `shard` (< options().shard_count) alone, with a cursor of its
  // own (0 starts, 0 returned ends), in bounded steps with that shard's lock held for one step
  // only (memcached's per-slab-class dumps: shard i is slab class i + 1), in database 0 (the
  // memcached dialects').
  virtual uint64_t ScanShard(size_t shard, uint64_t cursor, size_t max_buckets, size_t max_items,
                             absl::FunctionRef<void(const ItemView&)> on_item) = 0;

  // Removes every item of every database at now + delay_millis (memcached flush_all [delay],
  // Redis FLUSHALL); 0 = now. A later call replaces a pending one.
  virtual void FlushAll(int64_t delay_millis = 0) = 0;

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

  // Warm restart (EngineOptions::restart_file): writes what the next start needs to serve the
  // items again and marks the file clean. Call once, after the last request (no pin left); the
  // engine must not be used afterwards, only destroyed. FailedPrecondition without a file.
  virtual absl::Status SaveForRestart() = 0;
  // What Create did with the restart file, for the log ("" without one): how many items it
  // restored, or why it started empty.
  virtual const std::string& restart_report() const = 0;

  // One reclaim pass over every shard, as the background thread does. For tests.
  virtual void ReclaimExpiredForTest() = 0;
  // The most items in one bucket chain of any shard (walks every index under each shard's lock).
  // For tests of the key hash's seeding.
  virtual size_t LongestChainForTest() const = 0;
};

}  // namespace memkv::storage

#endif  // MEMKV_STORAGE_ENGINE_H_
