#include "storage/shard.h"

#include <string>

#include "storage/decimal.h"
#include "storage/key_hash.h"
#include "xxhash.h"

namespace memkv::storage {
namespace {

uint32_t Seconds(int64_t millis) { return static_cast<uint32_t>(millis / 1000); }

}  // namespace

absl::Status TooLargeError() { return absl::ResourceExhaustedError("object too large for cache"); }

Shard::Shard(const ShardConfig& config, const Clock* clock)
    : config_(config),
      clock_(clock),
      store_(config.budget_bytes, config.hash_seed, config.pins, config.region) {}

uint64_t Shard::NextCas() {
  // Interleaving the shard index makes CAS uniques engine-wide without a shared atomic: on the
  // 2-core dev VM a relaxed fetch_add contended by 2 threads cost 8-9 ns against 1.2 ns for a
  // counter each thread owns. Small beside a store (~1 us), but this one is free: the shard's
  // lock is held anyway.
  return (++cas_counter_ << config_.shard_bits) | static_cast<uint64_t>(config_.index);
}

void Shard::ApplyDueFlush(int64_t now_millis) {
  if (flush_at_millis_ != 0 && now_millis >= flush_at_millis_) {
    store_.Clear();
    flush_at_millis_ = 0;
  }
}

Shard::Located Shard::Locate(uint32_t db, std::string_view key, uint64_t hash) const {
  const uint32_t physical = config_.databases->Physical(db);
  return Located{key, physical, DatabaseHash(hash, physical, config_.hash_seed)};
}

ItemStore::Ref Shard::FindLive(const Located& at, int64_t now_millis, bool* expired) {
  ApplyDueFlush(now_millis);
  *expired = false;
  ItemStore::Ref ref = store_.Find(at.key, at.db, at.hash);
  if (ref != ItemStore::kNull && IsExpired(store_.Meta(ref).expiry_millis, now_millis)) {
    store_.Remove(ref, RemoveReason::kExpired);
    *expired = true;
    return ItemStore::kNull;
  }
  return ref;
}

ItemView Shard::View(ItemStore::Ref ref) const {
  const ItemMeta meta = store_.Meta(ref);
  ItemView view;
  view.key = store_.Key(ref);
  view.value = store_.Value(ref);
  view.value_block = store_.Block(ref);
  view.client_flags = meta.client_flags;
  view.cas = meta.cas;
  view.expiry_millis = meta.expiry_millis;
  view.last_access_millis = int64_t{meta.last_access_sec} * 1000;
  view.fetched = meta.fetched;
  view.stale = meta.stale;
  view.win_token_sent = meta.win_token_sent;
  return view;
}

absl::Status Shard::PutLocked(const Located& at, const std::string_view (&parts)[2],
                              const ItemMeta& meta, int64_t now_millis, ValueBuffer* adopt) {
  if (IsExpired(meta.expiry_millis, now_millis)) {
    // memcached answers STORED and the item is gone at once; so is any older value.
    RemoveIfPresent(at);
    return absl::OkStatus();
  }
  return store_.Put(at.key, at.db, at.hash, parts, meta, now_millis, adopt);
}

LookupResult Shard::Get(uint32_t db, std::string_view key, uint64_t hash,
                        absl::FunctionRef<void(const ItemView&)> on_hit) {
  const int64_t now = clock_->NowMillis();
  absl::MutexLock lock(&mu_);
  store_.RecordLookup(hash);
  bool expired;
  ItemStore::Ref ref = FindLive(Locate(db, key, hash), now, &expired);
  if (ref == ItemStore::kNull) return expired ? LookupResult::kExpired : LookupResult::kMiss;
  on_hit(View(ref));
  store_.MarkAccessed(ref, Seconds(now));
  return LookupResult::kHit;
}

absl::StatusOr<StoreOutcome> Shard::Store(uint32_t db, std::string_view key, uint64_t hash,
                                          std::string_view value, const StoreArgs& args,
                                          ValueBuffer* adopt) {
  const int64_t now = clock_->NowMillis();
  const bool concatenate = args.mode == StoreMode::kAppend || args.mode == StoreMode::kPrepend;
  // As memcached, which sizes the item before looking at the key: a value too large fails
  // whatever the mode, and a plain set also drops the old value so that it is not served stale.
  const bool plain_set = args.mode == StoreMode::kSet && args.compare_cas == 0;
  absl::MutexLock lock(&mu_);
  const Located at = Locate(db, key, hash);
  if (!concatenate && !config_.limits.Fits(key.size(), value.size())) {
    if (plain_set) RemoveIfPresent(at);
    return TooLargeError();
  }
  bool expired;
  ItemStore::Ref ref = FindLive(at, now, &expired);
  const bool present = ref != ItemStore::kNull;
  if (args.compare_cas != 0) {
    if (!present) return StoreOutcome{StoreResult::kNotFound, 0};
    if (store_.Meta(ref).cas != args.compare_cas) return StoreOutcome{StoreResult::kExists, 0};
  }
  if ((args.mode == StoreMode::kAdd && present) ||
      ((args.mode == StoreMode::kReplace || concatenate) && !present)) {
    return StoreOutcome{StoreResult::kNotStored, 0};
  }
  ItemMeta meta;
  std::string_view parts[2] = {value, {}};
  if (concatenate) {
    // memcached answers NOT_STORED when the combined item would be too large.
    if (key.size() + store_.Value(ref).size() + value.size() > config_.limits.max_item_bytes) {
      return StoreOutcome{StoreResult::kNotStored, 0};
    }
    const ItemMeta old = store_.Meta(ref);
    meta.client_flags = old.client_flags;
    meta.expiry_millis = old.expiry_millis;
    parts[0] = args.mode == StoreMode::kAppend ? store_.Value(ref) : value;
    parts[1] = args.mode == StoreMode::kAppend ? value : store_.Value(ref);
  } else {
    meta.client_flags = args.client_flags;
    meta.expiry_millis = args.expiry_millis;
  }
  meta.cas = args.new_cas != 0 ? args.new_cas : NextCas();
  meta.last_access_sec = Seconds(now);
  // Append and prepend make a new value: there is nothing to adopt.
  if (absl::Status status = PutLocked(at, parts, meta, now, concatenate ? nullptr : adopt);
      !status.ok()) {
    if (plain_set) RemoveIfPresent(at);
    return status;
  }
  return StoreOutcome{StoreResult::kStored, meta.cas};
}

void Shard::RemoveIfPresent(const Located& at) {
  if (ItemStore::Ref old = store_.Find(at.key, at.db, at.hash); old != ItemStore::kNull) {
    store_.Remove(old, RemoveReason::kDeleted);
  }
}

DeleteResult Shard::Delete(uint32_t db, std::string_view key, uint64_t hash, uint64_t compare_cas) {
  const int64_t now = clock_->NowMillis();
  absl::MutexLock lock(&mu_);
  bool expired;
  ItemStore::Ref ref = FindLive(Locate(db, key, hash), now, &expired);
  if (ref == ItemStore::kNull) return DeleteResult::kNotFound;
  if (compare_cas != 0 && store_.Meta(ref).cas != compare_cas) return DeleteResult::kExists;
  store_.Remove(ref, RemoveReason::kDeleted);
  return DeleteResult::kDeleted;
}

bool Shard::Touch(uint32_t db, std::string_view key, uint64_t hash, int64_t expiry_millis) {
  const int64_t now = clock_->NowMillis();
  absl::MutexLock lock(&mu_);
  bool expired;
  ItemStore::Ref ref = FindLive(Locate(db, key, hash), now, &expired);
  if (ref == ItemStore::kNull) return false;
  store_.MarkAccessed(ref, Seconds(now));
  ItemMeta meta = store_.Meta(ref);
  meta.expiry_millis = expiry_millis;
  return store_.SetMeta(ref, meta, now).ok();
}

ArithmeticOutcome Shard::Increment(uint32_t db, std::string_view key, uint64_t hash, uint64_t delta,
                                   bool decrement, uint64_t compare_cas) {
  const int64_t now = clock_->NowMillis();
  absl::MutexLock lock(&mu_);
  const Located at = Locate(db, key, hash);
  bool expired;
  ItemStore::Ref ref = FindLive(at, now, &expired);
  if (ref == ItemStore::kNull) return {ArithmeticResult::kNotFound, 0, 0};
  ItemMeta meta = store_.Meta(ref);
  if (compare_cas != 0 && meta.cas != compare_cas) return {ArithmeticResult::kExists, 0, 0};
  const std::string_view old_value = store_.Value(ref);
  const std::optional<uint64_t> current = ParseIncrementable(old_value);
  if (!current.has_value()) return {ArithmeticResult::kNonNumeric, 0, 0};
  const uint64_t result = ApplyDelta(*current, delta, decrement);
  const std::string text = FormatIncremented(result, old_value.size());
  meta.cas = NextCas();
  meta.last_access_sec = Seconds(now);
  // Put rewrites the record in place when the number keeps its length (memcached pads to it).
  // Only a longer number needs memory; if none can be found the old value stays and the caller
  // sees a miss (the interface has no out-of-memory outcome for incr).
  const std::string_view parts[2] = {text, {}};
  if (!store_.Put(at.key, at.db, at.hash, parts, meta, now).ok()) {
    return {ArithmeticResult::kNotFound, 0, 0};
  }
  return {ArithmeticResult::kOk, result, meta.cas};
}

absl::StatusOr<UpdateOutcome> Shard::Update(
    uint32_t db, std::string_view key, uint64_t hash,
    absl::FunctionRef<Mutation(const ItemView* current)> decide) {
  const int64_t now = clock_->NowMillis();
  absl::MutexLock lock(&mu_);
  const Located at = Locate(db, key, hash);
  bool expired;
  ItemStore::Ref ref = FindLive(at, now, &expired);
  Mutation mutation;
  if (ref == ItemStore::kNull) {
    mutation = decide(nullptr);
  } else {
    const ItemView view = View(ref);
    mutation = decide(&view);
  }
  return ApplyMutation(at, ref, mutation, now);
}

absl::StatusOr<UpdateOutcome> Shard::ApplyMutation(const Located& at, ItemStore::Ref ref,
                                                   const Mutation& m, int64_t now_millis) {
  const bool existed = ref != ItemStore::kNull;
  switch (m.kind) {
    case Mutation::Kind::kNone:
      if (!existed) return UpdateOutcome{false, 0};
      if (m.mark_accessed) store_.MarkAccessed(ref, Seconds(now_millis));
      return UpdateOutcome{true, store_.Meta(ref).cas};
    case Mutation::Kind::kDelete:
      if (existed) store_.Remove(ref, RemoveReason::kDeleted);
      return UpdateOutcome{existed, 0};
    case Mutation::Kind::kStore: {
      if (!config_.limits.Fits(at.key.size(), m.parts[0].size() + m.parts[1].size())) {
        return TooLargeError();
      }
      ItemMeta meta;
      meta.client_flags = m.client_flags;
      meta.expiry_millis = m.expiry_millis;
      meta.cas = m.new_cas != 0 ? m.new_cas : NextCas();
      meta.last_access_sec = Seconds(now_millis);
      meta.stale = m.set_stale;
      meta.win_token_sent = m.set_win_token_sent;
      if (absl::Status s = PutLocked(at, m.parts, meta, now_millis); !s.ok()) return s;
      if (IsExpired(meta.expiry_millis, now_millis)) return UpdateOutcome{existed, 0};
      if (m.mark_accessed) {
        // Put does not say where the record went; finding it again under the lock costs one
        // bucket walk, where the caller's own Get would cost a hash and a lock too.
        store_.MarkAccessed(store_.Find(at.key, at.db, at.hash), Seconds(now_millis));
      }
      return UpdateOutcome{existed, meta.cas};
    }
    case Mutation::Kind::kModify: {
      if (!existed) return UpdateOutcome{false, 0};
      // Before reading the meta, so that SetMeta writes the access back with the other fields.
      if (m.mark_accessed) store_.MarkAccessed(ref, Seconds(now_millis));
      ItemMeta meta = store_.Meta(ref);
      if (m.set_client_flags) meta.client_flags = m.client_flags;
      if (m.set_expiry) meta.expiry_millis = m.expiry_millis;
      if (m.set_stale) {
        meta.stale = true;
        meta.win_token_sent = false;
        meta.cas = m.new_cas != 0 ? m.new_cas : NextCas();
      } else if (m.new_cas != 0) {
        meta.cas = m.new_cas;
      }
      if (m.set_win_token_sent) meta.win_token_sent = true;
      if (absl::Status s = store_.SetMeta(ref, meta, now_millis); !s.ok()) return s;
      return UpdateOutcome{true, meta.cas};
    }
  }
  return UpdateOutcome{existed, 0};
}

void Shard::FlushAt(int64_t when_millis) {
  const int64_t now = clock_->NowMillis();
  absl::MutexLock lock(&mu_);
  flush_at_millis_ = when_millis;
  ApplyDueFlush(now);
}

void Shard::FlushDbLocked(uint32_t db) {
  ApplyDueFlush(clock_->NowMillis());
  store_.ClearDb(config_.databases->Physical(db));
}

DbCounts Shard::CountsLocked(uint32_t db) const {
  return store_.CountsOf(config_.databases->Physical(db));
}

void Shard::ReclaimPass(size_t max_buckets) {
  const int64_t now = clock_->NowMillis();
  absl::MutexLock lock(&mu_);
  ApplyDueFlush(now);
  store_.ReclaimExpired(now, max_buckets);
}

bool Shard::SetBudget(size_t budget_bytes) {
  // Segments cleaned per lock hold: a lowering by gigabytes must not stall this shard's clients.
  constexpr int kSegmentsPerStep = 4;
  size_t max_steps = 0;
  {
    absl::MutexLock lock(&mu_);
    store_.SetBudget(budget_bytes);
    // Two passes over every segment held now clear every second chance and so evict enough;
    // bounded, because clients keep storing and reading meanwhile.
    max_steps = 2 * (store_.memory_bytes() / store_.segment_bytes() + 1) / kSegmentsPerStep + 8;
  }
  for (size_t steps = 0; steps < max_steps; ++steps) {
    const int64_t now = clock_->NowMillis();
    absl::MutexLock lock(&mu_);
    const ItemStore::FitStep step = store_.FitBudgetStep(now, kSegmentsPerStep);
    if (step != ItemStore::FitStep::kMore) return step == ItemStore::FitStep::kFits;
  }
  absl::MutexLock lock(&mu_);
  return store_.memory_bytes() <= budget_bytes;
}

StoreStats Shard::Stats() const {
  absl::MutexLock lock(&mu_);
  StoreStats stats = store_.stats();
  stats.memory_bytes = store_.memory_bytes();
  stats.segment_bytes = store_.segment_bytes();
  return stats;
}

size_t Shard::LongestChainForTest() const {
  absl::MutexLock lock(&mu_);
  return store_.LongestChainForTest();
}

Shard::ScanStep Shard::Scan(uint32_t db, size_t first_bucket, size_t max_buckets, size_t max_items,
                            absl::FunctionRef<void(const ItemView&)> on_item) {
  const int64_t now = clock_->NowMillis();
  absl::MutexLock lock(&mu_);
  ApplyDueFlush(now);
  const uint32_t physical = config_.databases->Physical(db);
  // A shard without items in the database is passed at once, its buckets uncounted: a walk of a
  // small keyspace then takes as few steps as its items need (an empty one ends in one).
  const size_t count = store_.CountsOf(physical).curr_items == 0 ? 0 : store_.bucket_count();
  size_t bucket = first_bucket;
  size_t shown = 0;
  // A bucket is shown whole even past max_items: the next step starts at a bucket boundary.
  for (size_t visited = 0;
       bucket < count && (visited == 0 || (visited < max_buckets && shown < max_items));
       ++bucket, ++visited) {
    store_.ForEachInBucket(bucket, [&](ItemStore::Ref ref) {
      if (store_.Db(ref) != physical || IsExpired(store_.Meta(ref).expiry_millis, now)) return;
      const ItemView view = View(ref);
      on_item(view);
      ++shown;
    });
  }
  return ScanStep{bucket, bucket >= count};
}

size_t Shard::BucketAt(uint64_t random) const {
  absl::MutexLock lock(&mu_);
  return static_cast<size_t>(random % store_.bucket_count());
}

bool Shard::CopyLiveLocked(uint32_t db, std::string_view key, uint64_t hash, int64_t now_millis,
                           std::string* value, ItemMeta* meta) {
  bool expired;
  const ItemStore::Ref ref = FindLive(Locate(db, key, hash), now_millis, &expired);
  if (ref == ItemStore::kNull) return false;
  value->assign(store_.Value(ref));
  *meta = store_.Meta(ref);
  return true;
}

absl::Status Shard::PutCopyLocked(uint32_t db, std::string_view key, uint64_t hash,
                                  std::string_view value, const ItemMeta& meta,
                                  int64_t now_millis) {
  if (!config_.limits.Fits(key.size(), value.size())) return TooLargeError();
  ItemMeta fresh;
  fresh.client_flags = meta.client_flags;
  fresh.expiry_millis = meta.expiry_millis;
  fresh.cas = NextCas();
  fresh.last_access_sec = Seconds(now_millis);
  const std::string_view parts[2] = {value, {}};
  return PutLocked(Locate(db, key, hash), parts, fresh, now_millis);
}

bool Shard::HasLiveLocked(uint32_t db, std::string_view key, uint64_t hash, int64_t now_millis) {
  bool expired;
  return FindLive(Locate(db, key, hash), now_millis, &expired) != ItemStore::kNull;
}

absl::Status Shard::SetLocked(uint32_t db, std::string_view key, uint64_t hash,
                              std::string_view value, int64_t now_millis) {
  ItemMeta meta;
  meta.cas = NextCas();
  meta.last_access_sec = Seconds(now_millis);
  const std::string_view parts[2] = {value, {}};
  return PutLocked(Locate(db, key, hash), parts, meta, now_millis);
}

absl::StatusOr<ShardImage> Shard::CaptureImage(
    absl::FunctionRef<absl::Status(std::string_view)> write_large) {
  absl::MutexLock lock(&mu_);
  ShardImage image;
  image.cas_counter = cas_counter_;
  image.flush_at_millis = flush_at_millis_;
  image.layout = store_.LogLayout();
  for (std::string_view segment : store_.SegmentsInLogOrder()) {
    image.digests.push_back(XXH3_64bits(segment.data(), segment.size()));
  }
  absl::Status status = store_.ForEachLargeValue([&](std::string_view value) {
    image.large_bytes += value.size();
    return write_large(value);
  });
  if (!status.ok()) return status;
  return image;
}

bool Shard::MatchesImage(const ShardImage& image) {
  absl::MutexLock lock(&mu_);
  const SegmentLog::Layout& layout = image.layout;
  const std::vector<uint32_t> order = layout.InLogOrder();
  if (order.size() != image.digests.size()) return false;
  for (size_t i = 0; i < order.size(); ++i) {
    if (order[i] >= layout.fill.size()) return false;
    const std::string_view slot = store_.RegionSlot(order[i], layout.fill[order[i]]);
    if (slot.data() == nullptr || XXH3_64bits(slot.data(), slot.size()) != image.digests[i]) {
      return false;
    }
  }
  return true;
}

bool Shard::RestoreImage(const ShardImage& image, std::string_view large, uint64_t* dropped) {
  absl::MutexLock lock(&mu_);
  const int64_t now = clock_->NowMillis();
  cas_counter_ = image.cas_counter;
  const bool flushed = image.flush_at_millis != 0 && now >= image.flush_at_millis;
  flush_at_millis_ = flushed ? 0 : image.flush_at_millis;
  return store_.Restore(image.layout, large, now, flushed, dropped);
}

}  // namespace memkv::storage
