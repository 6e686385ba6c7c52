// ShardedEngine: the Engine behind Engine::Create. It hashes each key once, routes the call to the
// shard picked by the hash's high bits, and owns the background reclaimer. Its Keyspace methods
// are database 0's; DatabaseKeyspace gives the others, both through the *In(db, ...) methods.
#include "storage/engine.h"

#include <sys/random.h>

#include <algorithm>
#include <atomic>
#include <bit>
#include <cassert>
#include <cerrno>
#include <cstring>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "storage/database_map.h"
#include "storage/key_hash.h"
#include "storage/reclaimer.h"
#include "storage/restart_file.h"
#include "storage/shard.h"
#include "storage/shard_restart.h"
#include "storage/value_block.h"

namespace memkv::storage {
namespace {

constexpr int kMaxShards = 1 << 12;
constexpr size_t kMaxItemBytes = size_t{1} << 30;
// A shard's budget must hold at least this much, so that small limits use fewer shards rather
// than slices too small to hold a working set.
constexpr size_t kMinShardBudget = size_t{1} << 20;
// A shard's budget holds whole items only: one of n items of the largest size (-I) wastes up to
// 1/n of it on a flood of such items. 8 keeps that under 1/8 (memcached, whose -I-sized items
// take whole slab pages, loses no more) while -m 64 -I 1m still has 8 shards for concurrency.
// Two per shard, as before, left a -m 64 server holding 29 -I-sized values of 64.
constexpr size_t kMinLargestItemsPerShard = 8;

class ShardedEngine;

// Database n's Keyspace: ShardedEngine's *In methods with db = n.
class DatabaseKeyspace final : public Keyspace {
 public:
  DatabaseKeyspace(ShardedEngine* engine, uint32_t db) : engine_(engine), db_(db) {}
  LookupResult Get(std::string_view key, absl::FunctionRef<void(const ItemView&)> on_hit) override;
  absl::StatusOr<StoreOutcome> Store(std::string_view key, std::string_view value,
                                     const StoreArgs& args) override;
  ValueBuffer AllocateValue(size_t size) override;
  absl::StatusOr<StoreOutcome> Store(std::string_view key, ValueBuffer&& value,
                                     const StoreArgs& args) override;
  size_t large_value_bytes() const override;
  DeleteResult Delete(std::string_view key, uint64_t compare_cas) override;
  bool Touch(std::string_view key, int64_t expiry_millis) override;
  ArithmeticOutcome Increment(std::string_view key, uint64_t delta, bool decrement,
                              uint64_t compare_cas) override;
  absl::StatusOr<UpdateOutcome> Update(
      std::string_view key, absl::FunctionRef<Mutation(const ItemView* current)> decide) override;
  absl::StatusOr<bool> StoreAll(
      absl::Span<const std::pair<std::string_view, std::string_view>> pairs,
      StoreAllWhen when) override;
  absl::StatusOr<TransferResult> Transfer(std::string_view source, std::string_view destination,
                                          bool keep_source, bool replace) override;
  uint64_t Scan(uint64_t cursor, size_t max_buckets, size_t max_items,
                absl::FunctionRef<void(const ItemView&)> on_item) override;
  uint64_t RandomCursor(uint64_t random) override;
  uint64_t ItemCount() const override;

 private:
  ShardedEngine* const engine_;
  const uint32_t db_;
};

class ShardedEngine final : public Engine {
 public:
  // restart_file: null, or the file whose regions hold the shards' segments; it must outlive
  // the engine unless handed over with AdoptRestartFile.
  ShardedEngine(const EngineOptions& options, const Clock* clock, int shard_bits,
                const RestartFile* restart_file)
      : options_(options),
        memory_limit_(options.memory_limit_bytes),
        clock_(clock),
        shard_bits_(shard_bits),
        databases_(static_cast<uint32_t>(options.databases)) {
    const int count = 1 << shard_bits;
    options_.shard_count = count;
    const size_t budget = options.memory_limit_bytes / count;
    limits_.max_item_bytes = options.max_item_bytes;
    limits_.max_key_bytes = ItemStore::MaxKeyBytesFor(budget);
    large_value_bytes_ = ItemStore::LargeValueBytesFor(budget);
    for (int i = 0; i < count; ++i) {
      ShardConfig config;
      config.index = i;
      config.shard_bits = shard_bits;
      config.budget_bytes = budget;
      config.limits = limits_;
      config.hash_seed = options.hash_seed;
      config.pins = &pins_;
      config.databases = &databases_;
      if (restart_file != nullptr) config.region = restart_file->ShardRegion(i);
      shards_.push_back(std::make_unique<Shard>(config, clock));
    }
    for (int db = 1; db < options.databases; ++db) {
      keyspaces_.push_back(std::make_unique<DatabaseKeyspace>(this, static_cast<uint32_t>(db)));
    }
    if (options.start_background_reclaimer) {
      reclaimer_ = std::make_unique<Reclaimer>(absl::Milliseconds(options.reclaim_period_millis),
                                               [this] { ReclaimExpiredForTest(); });
    }
  }

  // Stops the reclaimer before the shards it walks go away.
  ~ShardedEngine() override {
    reclaimer_.reset();
    // A pin left now would release into freed counters (engine.h REQUIRES).
    assert(pins_.pinned_values.load() == 0);
  }

  // Database 0's Keyspace.
  LookupResult Get(std::string_view key, absl::FunctionRef<void(const ItemView&)> on_hit) override {
    return GetIn(0, key, on_hit);
  }
  absl::StatusOr<StoreOutcome> Store(std::string_view key, std::string_view value,
                                     const StoreArgs& args) override {
    return StoreIn(0, key, value, args);
  }
  ValueBuffer AllocateValue(size_t size) override { return ValueBlock::NewBuffer(size, &pins_); }
  absl::StatusOr<StoreOutcome> Store(std::string_view key, ValueBuffer&& value,
                                     const StoreArgs& args) override {
    return StoreIn(0, key, std::move(value), args);
  }
  size_t large_value_bytes() const override { return large_value_bytes_; }
  DeleteResult Delete(std::string_view key, uint64_t compare_cas) override {
    return DeleteIn(0, key, compare_cas);
  }
  bool Touch(std::string_view key, int64_t expiry_millis) override {
    return TouchIn(0, key, expiry_millis);
  }
  ArithmeticOutcome Increment(std::string_view key, uint64_t delta, bool decrement,
                              uint64_t compare_cas) override {
    return IncrementIn(0, key, delta, decrement, compare_cas);
  }
  absl::StatusOr<UpdateOutcome> Update(
      std::string_view key, absl::FunctionRef<Mutation(const ItemView* current)> decide) override {
    return UpdateIn(0, key, decide);
  }
  absl::StatusOr<bool> StoreAll(
      absl::Span<const std::pair<std::string_view, std::string_view>> pairs,
      StoreAllWhen when) override {
    return StoreAllIn(0, pairs, when);
  }
  absl::StatusOr<TransferResult> Transfer(std::string_view source, std::string_view destination,
                                          bool keep_source, bool replace) override {
    return TransferBetween(0, source, 0, destination, keep_source, replace);
  }
  uint64_t ScanShard(size_t shard, uint64_t cursor, size_t max_buckets, size_t max_items,
                     absl::FunctionRef<void(const ItemView&)> on_item) override;
  absl::Status SetMemoryLimit(size_t bytes) override;
  size_t memory_limit_bytes() const override {
    return memory_limit_.load(std::memory_order_relaxed);
  }
  uint64_t Scan(uint64_t cursor, size_t max_buckets, size_t max_items,
                absl::FunctionRef<void(const ItemView&)> on_item) override {
    return ScanIn(0, cursor, max_buckets, max_items, on_item);
  }
  uint64_t RandomCursor(uint64_t random) override {
    const size_t shard = static_cast<size_t>(random % shards_.size());
    // The high half picks the bucket, so that shard and bucket are not correlated.
    return MakeCursor(shard, shards_[shard]->BucketAt(random >> 32));
  }
  uint64_t ItemCount() const override { return CountDatabase(0).keys; }

  // The key operations in logical database `db`.
  LookupResult GetIn(uint32_t db, std::string_view key,
                     absl::FunctionRef<void(const ItemView&)> on_hit) {
    const uint64_t hash = Hash(key);
    return ShardFor(hash).Get(db, key, hash, on_hit);
  }
  absl::StatusOr<StoreOutcome> StoreIn(uint32_t db, std::string_view key, std::string_view value,
                                       const StoreArgs& args) {
    const uint64_t hash = Hash(key);
    return ShardFor(hash).Store(db, key, hash, value, args);
  }
  absl::StatusOr<StoreOutcome> StoreIn(uint32_t db, std::string_view key, ValueBuffer&& value,
                                       const StoreArgs& args) {
    // Taken over here so that a buffer not adopted is freed as this returns, after the shard's
    // lock is released.
    ValueBuffer buffer = std::move(value);
    const uint64_t hash = Hash(key);
    return ShardFor(hash).Store(db, key, hash, buffer.view(), args, &buffer);
  }
  DeleteResult DeleteIn(uint32_t db, std::string_view key, uint64_t compare_cas) {
    const uint64_t hash = Hash(key);
    return ShardFor(hash).Delete(db, key, hash, compare_cas);
  }
  bool TouchIn(uint32_t db, std::string_view key, int64_t expiry_millis) {
    const uint64_t hash = Hash(key);
    return ShardFor(hash).Touch(db, key, hash, expiry_millis);
  }
  ArithmeticOutcome IncrementIn(uint32_t db, std::string_view key, uint64_t delta, bool decrement,
                                uint64_t compare_cas) {
    const uint64_t hash = Hash(key);
    return ShardFor(hash).Increment(db, key, hash, delta, decrement, compare_cas);
  }
  absl::StatusOr<UpdateOutcome> UpdateIn(
      uint32_t db, std::string_view key,
      absl::FunctionRef<Mutation(const ItemView* current)> decide) {
    const uint64_t hash = Hash(key);
    return ShardFor(hash).Update(db, key, hash, decide);
  }
  absl::StatusOr<bool> StoreAllIn(
      uint32_t db, absl::Span<const std::pair<std::string_view, std::string_view>> pairs,
      StoreAllWhen when);
  uint64_t ScanIn(uint32_t db, uint64_t cursor, size_t max_buckets, size_t max_items,
                  absl::FunctionRef<void(const ItemView&)> on_item);

  Keyspace& Database(uint32_t db) override {
    assert(db < static_cast<uint32_t>(options_.databases));
    return db == 0 ? static_cast<Keyspace&>(*this) : *keyspaces_[db - 1];
  }
  DatabaseCounts CountDatabase(uint32_t db) const override;
  std::vector<DatabaseCounts> CountDatabases() const override;
  void FlushDatabase(uint32_t db) override;
  void SwapDatabases(uint32_t a, uint32_t b) override;
  absl::StatusOr<TransferResult> TransferBetween(uint32_t source_db, std::string_view source,
                                                 uint32_t destination_db,
                                                 std::string_view destination, bool keep_source,
                                                 bool replace) override;

  void FlushAll(int64_t delay_millis) override {
    const int64_t when = clock_->NowMillis() + std::max<int64_t>(delay_millis, 0);
    for (auto& shard : shards_) shard->FlushAt(when);
  }

  EngineStats Stats() const override;
  std::vector<EngineStats> ShardStats() const override;
  const Clock& clock() const override { return *clock_; }
  const EngineOptions& options() const override { return options_; }

  absl::Status SaveForRestart() override {
    if (restart_file_ == nullptr) return absl::FailedPreconditionError("no restart file");
    reclaimer_.reset();  // nothing may change the shards while they are written
    return SaveShards(AllShards(), databases_, clock_->NowMillis(), restart_file_.get());
  }
  const std::string& restart_report() const override { return restart_report_; }
  // Takes over what the restart file holds; "" or why it cannot (restart_file.h).
  std::string RestoreFrom(const RestartFile& file, uint64_t* dropped) {
    return RestoreShards(file, AllShards(), &databases_, dropped);
  }
  // Owns the file from now on (it outlives the shards: the first member).
  void AdoptRestartFile(std::unique_ptr<RestartFile> file, std::string report) {
    restart_file_ = std::move(file);
    restart_report_ = std::move(report);
  }

  void ReclaimExpiredForTest() override {
    for (auto& shard : shards_) {
      shard->ReclaimPass(static_cast<size_t>(options_.reclaim_buckets_per_pass));
    }
  }

  size_t LongestChainForTest() const override {
    size_t longest = 0;
    for (const auto& shard : shards_) longest = std::max(longest, shard->LongestChainForTest());
    return longest;
  }

 private:
  uint64_t Hash(std::string_view key) const { return KeyHash(key, options_.hash_seed); }
  size_t ShardIndex(uint64_t hash) const {
    // The high bits: the low bits pick the bucket inside the shard.
    return shard_bits_ == 0 ? 0 : static_cast<size_t>(hash >> (64 - shard_bits_));
  }
  Shard& ShardFor(uint64_t hash) { return *shards_[ShardIndex(hash)]; }
  // Every shard, for a MultiShardLock of them all.
  std::vector<Shard*> AllShards() const {
    std::vector<Shard*> all;
    for (const auto& shard : shards_) all.push_back(shard.get());
    return all;
  }
  // A Scan cursor: the shard in the top bits, the bucket below (buckets stay far below 2^48).
  static constexpr int kCursorShardShift = 48;
  static uint64_t MakeCursor(size_t shard, size_t bucket) {
    return (static_cast<uint64_t>(shard) << kCursorShardShift) | bucket;
  }

  // First, so that it is unmapped after the shards whose segments it holds are gone.
  std::unique_ptr<RestartFile> restart_file_;
  std::string restart_report_;
  EngineOptions options_;
  std::atomic<size_t> memory_limit_;
  absl::Mutex limit_mu_;  // one SetMemoryLimit at a time
  ItemLimits limits_;     // the same in every shard
  size_t large_value_bytes_ = 0;
  PinCounters pins_;  // before the shards, whose large values count their pins here
  const Clock* const clock_;
  const int shard_bits_;
  // Before the shards, which read it. Swapped with every shard's lock held (DatabaseMap).
  DatabaseMap databases_;
  std::vector<std::unique_ptr<Shard>> shards_;
  std::vector<std::unique_ptr<DatabaseKeyspace>> keyspaces_;  // databases 1..n-1
  std::unique_ptr<Reclaimer> reclaimer_;                      // last: stopped first
};

LookupResult DatabaseKeyspace::Get(std::string_view key,
                                   absl::FunctionRef<void(const ItemView&)> on_hit) {
  return engine_->GetIn(db_, key, on_hit);
}
absl::StatusOr<StoreOutcome> DatabaseKeyspace::Store(std::string_view key, std::string_view value,
                                                     const StoreArgs& args) {
  return engine_->StoreIn(db_, key, value, args);
}
ValueBuffer DatabaseKeyspace::AllocateValue(size_t size) { return engine_->AllocateValue(size); }
absl::StatusOr<StoreOutcome> DatabaseKeyspace::Store(std::string_view key, ValueBuffer&& value,
                                                     const StoreArgs& args) {
  return engine_->StoreIn(db_, key, std::move(value), args);
}
size_t DatabaseKeyspace::large_value_bytes() const { return engine_->large_value_bytes(); }
DeleteResult DatabaseKeyspace::Delete(std::string_view key, uint64_t compare_cas) {
  return engine_->DeleteIn(db_, key, compare_cas);
}
bool DatabaseKeyspace::Touch(std::string_view key, int64_t expiry_millis) {
  return engine_->TouchIn(db_, key, expiry_millis);
}
ArithmeticOutcome DatabaseKeyspace::Increment(std::string_view key, uint64_t delta, bool decrement,
                                              uint64_t compare_cas) {
  return engine_->IncrementIn(db_, key, delta, decrement, compare_cas);
}
absl::StatusOr<UpdateOutcome> DatabaseKeyspace::Update(
    std::string_view key, absl::FunctionRef<Mutation(const ItemView* current)> decide) {
  return engine_->UpdateIn(db_, key, decide);
}
absl::StatusOr<bool> DatabaseKeyspace::StoreAll(
    absl::Span<const std::pair<std::string_view, std::string_view>> pairs, StoreAllWhen when) {
  return engine_->StoreAllIn(db_, pairs, when);
}
absl::StatusOr<Keyspace::TransferResult> DatabaseKeyspace::Transfer(std::string_view source,
                                                                    std::string_view destination,
                                                                    bool keep_source,
                                                                    bool replace) {
  return engine_->TransferBetween(db_, source, db_, destination, keep_source, replace);
}
uint64_t DatabaseKeyspace::Scan(uint64_t cursor, size_t max_buckets, size_t max_items,
                                absl::FunctionRef<void(const ItemView&)> on_item) {
  return engine_->ScanIn(db_, cursor, max_buckets, max_items, on_item);
}
uint64_t DatabaseKeyspace::RandomCursor(uint64_t random) { return engine_->RandomCursor(random); }
uint64_t DatabaseKeyspace::ItemCount() const { return engine_->CountDatabase(db_).keys; }

// Locks several shards in index order (the one lock order for multi-shard operations) and
// unlocks them on destruction.
class MultiShardLock {
 public:
  explicit MultiShardLock(std::vector<Shard*> shards) : shards_(std::move(shards)) {
    for (Shard* shard : shards_) shard->mu().Lock();
  }
  ~MultiShardLock() {
    for (auto it = shards_.rbegin(); it != shards_.rend(); ++it) (*it)->mu().Unlock();
  }
  MultiShardLock(const MultiShardLock&) = delete;
  MultiShardLock& operator=(const MultiShardLock&) = delete;

 private:
  std::vector<Shard*> shards_;
};

absl::StatusOr<bool> ShardedEngine::StoreAllIn(
    uint32_t db, absl::Span<const std::pair<std::string_view, std::string_view>> pairs,
    StoreAllWhen when) ABSL_NO_THREAD_SAFETY_ANALYSIS {
  std::vector<uint64_t> hashes;
  std::vector<size_t> indexes;
  for (const auto& [key, value] : pairs) {
    if (!limits_.Fits(key.size(), value.size())) {
      return TooLargeError();
    }
    hashes.push_back(Hash(key));
    indexes.push_back(ShardIndex(hashes.back()));
  }
  std::vector<size_t> order = indexes;
  std::sort(order.begin(), order.end());
  order.erase(std::unique(order.begin(), order.end()), order.end());
  std::vector<Shard*> involved;
  for (size_t index : order) involved.push_back(shards_[index].get());

  const int64_t now = clock_->NowMillis();
  MultiShardLock lock(std::move(involved));
  for (size_t i = 0; when == StoreAllWhen::kNoneExist && i < pairs.size(); ++i) {
    if (shards_[indexes[i]]->HasLiveLocked(db, pairs[i].first, hashes[i], now)) return false;
  }
  for (size_t i = 0; i < pairs.size(); ++i) {
    absl::Status status =
        shards_[indexes[i]]->SetLocked(db, pairs[i].first, hashes[i], pairs[i].second, now);
    if (!status.ok()) return status;  // out of memory: the pairs before this one stay stored
  }
  return true;
}

absl::StatusOr<Engine::TransferResult> ShardedEngine::TransferBetween(
    uint32_t source_db, std::string_view source, uint32_t destination_db,
    std::string_view destination, bool keep_source, bool replace) ABSL_NO_THREAD_SAFETY_ANALYSIS {
  const uint64_t source_hash = Hash(source);
  const uint64_t destination_hash = Hash(destination);
  Shard& from = ShardFor(source_hash);
  Shard& to = ShardFor(destination_hash);
  std::vector<Shard*> involved{&from};
  if (&to != &from) {
    involved.push_back(&to);
    if (ShardIndex(destination_hash) < ShardIndex(source_hash)) {
      std::swap(involved[0], involved[1]);
    }
  }
  const int64_t now = clock_->NowMillis();
  MultiShardLock lock(std::move(involved));
  std::string value;
  ItemMeta meta;
  if (!from.CopyLiveLocked(source_db, source, source_hash, now, &value, &meta)) {
    return TransferResult::kNoSource;
  }
  if (source == destination && source_db == destination_db) return TransferResult::kDone;
  if (!replace && to.HasLiveLocked(destination_db, destination, destination_hash, now)) {
    return TransferResult::kDestinationExists;
  }
  if (absl::Status status =
          to.PutCopyLocked(destination_db, destination, destination_hash, value, meta, now);
      !status.ok()) {
    return status;
  }
  if (!keep_source) from.DeleteLocked(source_db, source, source_hash);
  return TransferResult::kDone;
}

uint64_t ShardedEngine::ScanShard(size_t shard, uint64_t cursor, size_t max_buckets,
                                  size_t max_items,
                                  absl::FunctionRef<void(const ItemView&)> on_item) {
  if (shard >= shards_.size()) return 0;
  // Database 0, the one the memcached dialects see.
  const Shard::ScanStep step =
      shards_[shard]->Scan(/*db=*/0, static_cast<size_t>(cursor), max_buckets, max_items, on_item);
  // A step visits at least one bucket of a shard holding items, so next_bucket > 0 unless done.
  return step.done ? 0 : step.next_bucket;
}

absl::Status ShardedEngine::SetMemoryLimit(size_t bytes) {
  absl::MutexLock lock(&limit_mu_);
  const size_t budget = bytes / shards_.size();
  const size_t segment = shards_.front()->Stats().segment_bytes;
  if (budget < kMinSegmentsPerShard * segment) {
    return absl::InvalidArgumentError(absl::StrCat("a shard's share of ", bytes, " bytes is under ",
                                                   kMinSegmentsPerShard, " segments of ", segment,
                                                   " bytes"));
  }
  memory_limit_.store(bytes, std::memory_order_relaxed);
  bool fits = true;
  for (const auto& shard : shards_) fits = shard->SetBudget(budget) && fits;
  if (!fits) return absl::ResourceExhaustedError("could not evict down to the new limit");
  return absl::OkStatus();
}

uint64_t ShardedEngine::ScanIn(uint32_t db, uint64_t cursor, size_t max_buckets, size_t max_items,
                               absl::FunctionRef<void(const ItemView&)> on_item) {
  size_t shard = static_cast<size_t>(cursor >> kCursorShardShift);
  size_t bucket = static_cast<size_t>(cursor & ((uint64_t{1} << kCursorShardShift) - 1));
  size_t shown = 0;
  size_t visited = 0;
  auto count_and_show = [&](const ItemView& item) {
    ++shown;
    on_item(item);
  };
  while (shard < shards_.size()) {
    // Each shard's step gets what is left of the budgets; its buckets are counted by where it
    // stopped.
    const size_t buckets_left = visited < max_buckets ? max_buckets - visited : 1;
    const size_t items_left = shown < max_items ? max_items - shown : 0;
    const Shard::ScanStep step =
        shards_[shard]->Scan(db, bucket, buckets_left, items_left, count_and_show);
    visited += step.next_bucket - bucket;
    if (step.done) {
      ++shard;
      bucket = 0;
    } else {
      bucket = step.next_bucket;
    }
    if (visited >= max_buckets || shown >= max_items) break;
  }
  return shard < shards_.size() ? MakeCursor(shard, bucket) : 0;
}

namespace {

// What INFO shows of a database whose items add up to `sum`, at `now_millis`.
Engine::DatabaseCounts ToDatabaseCounts(const DbCounts& sum, int64_t now_millis) {
  Engine::DatabaseCounts out;
  out.keys = sum.curr_items;
  out.expires = sum.with_expiry;
  if (sum.with_expiry != 0) {
    // expiry_sum is kept modulo 2^64 relative to the epoch; as a signed sum it is exact while
    // the TTLs are not of millennia.
    const int64_t mean =
        static_cast<int64_t>(sum.expiry_sum) / static_cast<int64_t>(sum.with_expiry) +
        kExpirySumEpochMillis;
    out.avg_ttl_millis = std::max<int64_t>(mean - now_millis, 0);
  }
  return out;
}

}  // namespace

Engine::DatabaseCounts ShardedEngine::CountDatabase(uint32_t db) const
    ABSL_NO_THREAD_SAFETY_ANALYSIS {
  DbCounts sum;
  {
    MultiShardLock lock(AllShards());
    for (const auto& shard : shards_) {
      const DbCounts counts = shard->CountsLocked(db);
      sum.curr_items += counts.curr_items;
      sum.with_expiry += counts.with_expiry;
      sum.expiry_sum += counts.expiry_sum;
    }
  }
  return ToDatabaseCounts(sum, clock_->NowMillis());
}

std::vector<Engine::DatabaseCounts> ShardedEngine::CountDatabases() const
    ABSL_NO_THREAD_SAFETY_ANALYSIS {
  std::vector<DbCounts> by_physical(databases_.count());
  std::vector<uint32_t> physical_of(databases_.count());
  {
    MultiShardLock lock(AllShards());
    for (const auto& shard : shards_) shard->AddCountsLocked(&by_physical);
    for (uint32_t db = 0; db < databases_.count(); ++db) physical_of[db] = databases_.Physical(db);
  }
  const int64_t now = clock_->NowMillis();
  std::vector<DatabaseCounts> out;
  out.reserve(by_physical.size());
  for (uint32_t db = 0; db < databases_.count(); ++db) {
    out.push_back(ToDatabaseCounts(by_physical[physical_of[db]], now));
  }
  return out;
}

void ShardedEngine::FlushDatabase(uint32_t db) ABSL_NO_THREAD_SAFETY_ANALYSIS {
  MultiShardLock lock(AllShards());
  for (auto& shard : shards_) shard->FlushDbLocked(db);
}

void ShardedEngine::SwapDatabases(uint32_t a, uint32_t b) {
  // Every shard's lock: each shard maps databases under its own lock only (DatabaseMap).
  MultiShardLock lock(AllShards());
  databases_.Swap(a, b);
}

namespace {

// Adds one shard's figures to `total`.
void AddStoreStats(const StoreStats& s, EngineStats* total) {
  total->curr_items += s.curr_items;
  total->total_items += s.total_items;
  total->bytes += s.bytes;
  total->evictions += s.evictions;
  total->reclaimed += s.reclaimed;
  total->expired_unfetched += s.expired_unfetched;
  total->evicted_unfetched += s.evicted_unfetched;
  total->hash_buckets += s.hash_buckets;
  total->with_expiry += s.with_expiry;
  total->memory_bytes += s.memory_bytes;
  total->segment_bytes = s.segment_bytes;
}

}  // namespace

EngineStats ShardedEngine::Stats() const {
  EngineStats total;
  for (const auto& shard : shards_) AddStoreStats(shard->Stats(), &total);
  total.limit_maxbytes = memory_limit_bytes();
  total.pinned_values = pins_.pinned_values.load(std::memory_order_relaxed);
  total.pinned_bytes = pins_.pinned_bytes.load(std::memory_order_relaxed);
  total.pinned_dropped_values = pins_.dropped_values.load(std::memory_order_relaxed);
  total.pinned_dropped_bytes = pins_.dropped_bytes.load(std::memory_order_relaxed);
  return total;
}

std::vector<EngineStats> ShardedEngine::ShardStats() const {
  std::vector<EngineStats> out;
  out.reserve(shards_.size());
  for (const auto& shard : shards_) {
    EngineStats one;
    AddStoreStats(shard->Stats(), &one);
    one.limit_maxbytes = memory_limit_bytes() / shards_.size();
    out.push_back(one);
  }
  return out;
}

// A seed from the kernel's random source; may block only before its pool is first initialised.
absl::StatusOr<uint64_t> DrawSeed() {
  uint64_t seed = 0;
  char* out = reinterpret_cast<char*>(&seed);
  for (size_t done = 0; done < sizeof(seed);) {
    const ssize_t n = getrandom(out + done, sizeof(seed) - done, 0);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return absl::InternalError(absl::StrCat("getrandom: ", std::strerror(errno)));
    done += static_cast<size_t>(n);
  }
  return seed;
}

// An engine whose segments live in options.restart_file, with the items a clean shutdown left
// there when they can be served.
absl::StatusOr<std::unique_ptr<Engine>> CreateRestartable(EngineOptions options, const Clock* clock,
                                                          int bits) {
  const int64_t started = clock->NowMillis();
  const size_t shards = size_t{1} << bits;
  const size_t budget = options.memory_limit_bytes / shards;
  RestartSettings settings;
  settings.software_version = options.software_version;
  settings.memory_limit_bytes = options.memory_limit_bytes;
  settings.max_item_bytes = options.max_item_bytes;
  settings.shard_count = shards;
  settings.databases = static_cast<uint64_t>(options.databases);
  settings.segment_bytes = ItemStore::SegmentBytesFor(budget);
  // A shard's segments never exceed its budget; the reserve and one more are slack (a raised
  // cache_memlimit cannot give a shard more slots than this).
  settings.slots_per_shard = budget / settings.segment_bytes + 2;
  absl::StatusOr<std::unique_ptr<RestartFile>> file =
      RestartFile::Open(options.restart_file, settings);
  if (!file.ok()) return file.status();
  const std::string name = absl::StrCat("restart file ", options.restart_file, ": ");
  std::string report;
  std::unique_ptr<ShardedEngine> engine;
  if ((*file)->restorable()) {
    options.hash_seed = (*file)->hash_seed();  // the shards and buckets it picked
    engine = std::make_unique<ShardedEngine>(options, clock, bits, file->get());
    uint64_t dropped = 0;
    if (std::string why = engine->RestoreFrom(**file, &dropped); why.empty()) {
      report =
          absl::StrCat(name, engine->Stats().curr_items, " items restored (", dropped,
                       " expired or flushed left out) in ", clock->NowMillis() - started, " ms");
    } else {
      engine.reset();
      (*file)->Discard(std::move(why));
    }
  }
  if (engine == nullptr) {
    engine = std::make_unique<ShardedEngine>(options, clock, bits, file->get());
    report = absl::StrCat(
        name, (*file)->discard_reason().empty() ? "new or empty" : (*file)->discard_reason(),
        "; starting empty");
  }
  if (absl::Status status = (*file)->MarkInUse(engine->options().hash_seed); !status.ok()) {
    return status;
  }
  engine->AdoptRestartFile(*std::move(file), std::move(report));
  return std::unique_ptr<Engine>(std::move(engine));
}

}  // namespace

absl::StatusOr<std::unique_ptr<Engine>> Engine::Create(const EngineOptions& options,
                                                       const Clock* clock) {
  if (clock == nullptr) return absl::InvalidArgumentError("clock must not be null");
  // Records keep value lengths in 32 bits; memcached's own ceiling for -I is 1 GiB.
  if (options.max_item_bytes == 0 || options.max_item_bytes > kMaxItemBytes) {
    return absl::InvalidArgumentError("max_item_bytes must be between 1 byte and 1 GiB");
  }
  // memcached's rule and message (memcached -m 1 -I 1m refuses to start).
  if (options.max_item_bytes > options.memory_limit_bytes / 2) {
    return absl::InvalidArgumentError("Cannot set item size limit higher than 1/2 of memory max.");
  }
  if (options.shard_count < 1 || options.shard_count > kMaxShards) {
    return absl::InvalidArgumentError(absl::StrCat("shard_count must be in 1..", kMaxShards));
  }
  if (options.databases < 1 || options.databases > kMaxDatabases) {
    return absl::InvalidArgumentError(absl::StrCat("databases must be in 1..", kMaxDatabases));
  }
  if (options.reclaim_period_millis <= 0 || options.reclaim_buckets_per_pass <= 0) {
    return absl::InvalidArgumentError("reclaim period and buckets per pass must be > 0");
  }
  EngineOptions seeded = options;
  if (seeded.hash_seed == 0) {
    absl::StatusOr<uint64_t> seed = DrawSeed();
    if (!seed.ok()) return seed.status();
    seeded.hash_seed = *seed;
  }
  int bits = std::bit_width(static_cast<unsigned>(options.shard_count - 1));
  // Fewer shards when the limit is small: each must hold kMinLargestItemsPerShard of the
  // largest items.
  while (bits > 0 &&
         options.memory_limit_bytes >> bits <
             std::max(kMinLargestItemsPerShard * options.max_item_bytes, kMinShardBudget)) {
    --bits;
  }
  if (options.restart_file.empty()) {
    return std::unique_ptr<Engine>(new ShardedEngine(seeded, clock, bits, nullptr));
  }
  return CreateRestartable(seeded, clock, bits);
}

}  // namespace memkv::storage
