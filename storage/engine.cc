// ShardedEngine: the Engine behind Engine::Create. It hashes each key once, routes the call to the
// shard picked by the hash's high bits, and owns the background reclaimer.
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
#include "storage/key_hash.h"
#include "storage/reclaimer.h"
#include "storage/shard.h"
#include "storage/value_block.h"

namespace memkv::storage {
namespace {

constexpr int kMaxShards = 1 << 12;
constexpr size_t kMaxItemBytes = size_t{1} << 30;
// A shard's budget must hold at least this much, so that small limits use fewer shards rather
// than slices too small to hold a working set.
constexpr size_t kMinShardBudget = size_t{1} << 20;

class ShardedEngine final : public Engine {
 public:
  ShardedEngine(const EngineOptions& options, const Clock* clock, int shard_bits)
      : options_(options),
        memory_limit_(options.memory_limit_bytes),
        clock_(clock),
        shard_bits_(shard_bits) {
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
      shards_.push_back(std::make_unique<Shard>(config, clock));
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

  LookupResult Get(std::string_view key, absl::FunctionRef<void(const ItemView&)> on_hit) override {
    const uint64_t hash = Hash(key);
    return ShardFor(hash).Get(key, hash, on_hit);
  }

  absl::StatusOr<StoreOutcome> Store(std::string_view key, std::string_view value,
                                     const StoreArgs& args) override {
    const uint64_t hash = Hash(key);
    return ShardFor(hash).Store(key, hash, value, args);
  }

  ValueBuffer AllocateValue(size_t size) override { return ValueBlock::NewBuffer(size, &pins_); }

  absl::StatusOr<StoreOutcome> Store(std::string_view key, ValueBuffer&& value,
                                     const StoreArgs& args) override {
    // Taken over here so that a buffer not adopted is freed as this returns, after the shard's
    // lock is released.
    ValueBuffer buffer = std::move(value);
    const uint64_t hash = Hash(key);
    return ShardFor(hash).Store(key, hash, buffer.view(), args, &buffer);
  }

  size_t large_value_bytes() const override { return large_value_bytes_; }

  DeleteResult Delete(std::string_view key, uint64_t compare_cas) override {
    const uint64_t hash = Hash(key);
    return ShardFor(hash).Delete(key, hash, compare_cas);
  }

  bool Touch(std::string_view key, int64_t expiry_millis) override {
    const uint64_t hash = Hash(key);
    return ShardFor(hash).Touch(key, hash, expiry_millis);
  }

  ArithmeticOutcome Increment(std::string_view key, uint64_t delta, bool decrement,
                              uint64_t compare_cas) override {
    const uint64_t hash = Hash(key);
    return ShardFor(hash).Increment(key, hash, delta, decrement, compare_cas);
  }

  absl::StatusOr<UpdateOutcome> Update(
      std::string_view key, absl::FunctionRef<Mutation(const ItemView* current)> decide) override {
    const uint64_t hash = Hash(key);
    return ShardFor(hash).Update(key, hash, decide);
  }

  absl::StatusOr<bool> StoreAll(
      absl::Span<const std::pair<std::string_view, std::string_view>> pairs,
      StoreAllWhen when) override;

  absl::StatusOr<TransferResult> Transfer(std::string_view source, std::string_view destination,
                                          bool keep_source, bool replace) override;
  uint64_t ScanShard(size_t shard, uint64_t cursor, size_t max_buckets, size_t max_items,
                     absl::FunctionRef<void(const ItemView&)> on_item) override;
  absl::Status SetMemoryLimit(size_t bytes) override;
  size_t memory_limit_bytes() const override {
    return memory_limit_.load(std::memory_order_relaxed);
  }
  uint64_t Scan(uint64_t cursor, size_t max_buckets, size_t max_items,
                absl::FunctionRef<void(const ItemView&)> on_item) override;
  uint64_t RandomCursor(uint64_t random) override {
    const size_t shard = static_cast<size_t>(random % shards_.size());
    // The high half picks the bucket, so that shard and bucket are not correlated.
    return MakeCursor(shard, shards_[shard]->BucketAt(random >> 32));
  }

  void FlushAll(int64_t delay_millis) override {
    const int64_t when = clock_->NowMillis() + std::max<int64_t>(delay_millis, 0);
    for (auto& shard : shards_) shard->FlushAt(when);
  }

  uint64_t ItemCount() const override {
    uint64_t count = 0;
    for (const auto& shard : shards_) count += shard->Stats().curr_items;
    return count;
  }

  EngineStats Stats() const override;
  std::vector<EngineStats> ShardStats() const override;
  const Clock& clock() const override { return *clock_; }
  const EngineOptions& options() const override { return options_; }

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
  // A Scan cursor: the shard in the top bits, the bucket below (buckets stay far below 2^48).
  static constexpr int kCursorShardShift = 48;
  static uint64_t MakeCursor(size_t shard, size_t bucket) {
    return (static_cast<uint64_t>(shard) << kCursorShardShift) | bucket;
  }

  EngineOptions options_;
  std::atomic<size_t> memory_limit_;
  absl::Mutex limit_mu_;  // one SetMemoryLimit at a time
  ItemLimits limits_;     // the same in every shard
  size_t large_value_bytes_ = 0;
  PinCounters pins_;  // before the shards, whose large values count their pins here
  const Clock* const clock_;
  const int shard_bits_;
  std::vector<std::unique_ptr<Shard>> shards_;
  std::unique_ptr<Reclaimer> reclaimer_;  // last: stopped first
};

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

absl::StatusOr<bool> ShardedEngine::StoreAll(
    absl::Span<const std::pair<std::string_view, std::string_view>> pairs,
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
    if (shards_[indexes[i]]->HasLiveLocked(pairs[i].first, hashes[i], now)) return false;
  }
  for (size_t i = 0; i < pairs.size(); ++i) {
    absl::Status status =
        shards_[indexes[i]]->SetLocked(pairs[i].first, hashes[i], pairs[i].second, now);
    if (!status.ok()) return status;  // out of memory: the pairs before this one stay stored
  }
  return true;
}

absl::StatusOr<Engine::TransferResult> ShardedEngine::Transfer(
    std::string_view source, std::string_view destination, bool keep_source,
    bool replace) ABSL_NO_THREAD_SAFETY_ANALYSIS {
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
  if (!from.CopyLiveLocked(source, source_hash, now, &value, &meta)) {
    return TransferResult::kNoSource;
  }
  if (source == destination) return TransferResult::kDone;
  if (!replace && to.HasLiveLocked(destination, destination_hash, now)) {
    return TransferResult::kDestinationExists;
  }
  if (absl::Status status = to.PutCopyLocked(destination, destination_hash, value, meta, now);
      !status.ok()) {
    return status;
  }
  if (!keep_source) from.DeleteLocked(source, source_hash);
  return TransferResult::kDone;
}

uint64_t ShardedEngine::ScanShard(size_t shard, uint64_t cursor, size_t max_buckets,
                                  size_t max_items,
                                  absl::FunctionRef<void(const ItemView&)> on_item) {
  if (shard >= shards_.size()) return 0;
  const Shard::ScanStep step =
      shards_[shard]->Scan(static_cast<size_t>(cursor), max_buckets, max_items, on_item);
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

uint64_t ShardedEngine::Scan(uint64_t cursor, size_t max_buckets, size_t max_items,
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
        shards_[shard]->Scan(bucket, buckets_left, items_left, count_and_show);
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
  // Fewer shards when the limit is small: each must hold two of the largest items.
  while (bits > 0 && options.memory_limit_bytes >> bits <
                         std::max(2 * options.max_item_bytes, kMinShardBudget)) {
    --bits;
  }
  return std::unique_ptr<Engine>(new ShardedEngine(seeded, clock, bits));
}

}  // namespace memkv::storage
