#include "storage/item_store.h"

#include <algorithm>
#include <bit>
#include <cassert>
#include <cstring>
#include <string>

#include "storage/key_hash.h"

namespace memkv::storage {
namespace {

// glibc malloc's header and rounding, charged to each large value with the block's header.
constexpr size_t kMallocOverhead = 16;

// An unread record is kept by a cleaning when its key was looked up at least this often lately
// (FrequencySketch's estimate): a key filled after one miss and never asked for again has 1.
constexpr uint32_t kKeepLookups = 3;

// One sketch counter per this many bytes of budget: about three per item of a few hundred bytes,
// and 0.8% of the memory (charged to the budget).
constexpr size_t kBudgetBytesPerCounter = 128;

absl::Status OutOfMemory() { return absl::ResourceExhaustedError("out of memory storing object"); }

bool Overlaps(std::string_view part, std::string_view range) {
  return !part.empty() && part.data() < range.data() + range.size() &&
         range.data() < part.data() + part.size();
}

size_t ExternalCharge(size_t value_len) { return sizeof(ValueBlock) + value_len + kMallocOverhead; }

// Writes parts[0] + parts[1] at dest.
void CopyParts(char* dest, const std::string_view (&parts)[2]) {
  // memcpy from an empty view's null data is undefined even for 0 bytes.
  if (!parts[0].empty()) std::memcpy(dest, parts[0].data(), parts[0].size());
  if (!parts[1].empty()) std::memcpy(dest + parts[0].size(), parts[1].data(), parts[1].size());
}

}  // namespace

size_t ItemStore::SegmentBytesFor(size_t budget_bytes) {
  return std::clamp<size_t>(std::bit_floor(std::max<size_t>(budget_bytes / 64, 1)), 32 << 10,
                            1 << 20);
}

ItemStore::ItemStore(size_t budget_bytes, uint64_t hash_seed, PinCounters* pins,
                     SegmentRegion region)
    : budget_bytes_(budget_bytes),
      hash_seed_(hash_seed),
      pins_(pins != nullptr ? pins : &own_pins_),
      log_(SegmentBytesFor(budget_bytes), region),
      max_inline_bytes_(std::min(log_.segment_bytes() / 8, kMaxInlineRecordBytes)),
      sketch_(budget_bytes / kBudgetBytesPerCounter) {
  stats_.hash_buckets = index_.bucket_count();
}

ItemStore::~ItemStore() { Clear(); }

uint64_t ItemStore::HashOf(Ref ref) const {
  const ItemRecord record = Record(ref);
  return DatabaseHash(KeyHash(record.key(), hash_seed_), record.db(), hash_seed_);
}

void ItemStore::CountExpiryChange(uint32_t db, int64_t before, int64_t after) {
  // Unsigned: the sum is kept modulo 2^64 (StoreStats::expiry_sum).
  const uint64_t added = after != 0 ? static_cast<uint64_t>(after - kExpirySumEpochMillis) : 0;
  const uint64_t removed = before != 0 ? static_cast<uint64_t>(before - kExpirySumEpochMillis) : 0;
  const uint64_t count_delta = (after != 0 ? 1 : 0) - (before != 0 ? 1 : 0);
  stats_.with_expiry += count_delta;
  stats_.expiry_sum += added - removed;
  if (db != 0) {
    DbCounts& counts = db_counts_[db];
    counts.with_expiry += count_delta;
    counts.expiry_sum += added - removed;
  }
}

void ItemStore::CountItem(uint32_t db, int delta, int64_t expiry_millis) {
  stats_.curr_items += static_cast<uint64_t>(static_cast<int64_t>(delta));
  if (db != 0) db_counts_[db].curr_items += static_cast<uint64_t>(static_cast<int64_t>(delta));
  if (delta > 0) {
    CountExpiryChange(db, 0, expiry_millis);
  } else {
    CountExpiryChange(db, expiry_millis, 0);
    if (db != 0) {
      // A database left empty gives its entry back: the map holds only databases in use.
      if (auto it = db_counts_.find(db); it != db_counts_.end() && it->second.curr_items == 0) {
        db_counts_.erase(it);
      }
    }
  }
}

void ItemStore::AddCountsTo(std::vector<DbCounts>* by_db) const {
  auto add = [](const DbCounts& from, DbCounts* to) {
    to->curr_items += from.curr_items;
    to->with_expiry += from.with_expiry;
    to->expiry_sum += from.expiry_sum;
  };
  add(CountsOf(0), &(*by_db)[0]);
  for (const auto& [db, counts] : db_counts_) add(counts, &(*by_db)[db]);
}

DbCounts ItemStore::CountsOf(uint32_t db) const {
  if (db != 0) {
    const auto it = db_counts_.find(db);
    return it == db_counts_.end() ? DbCounts{} : it->second;
  }
  DbCounts counts{stats_.curr_items, stats_.with_expiry, stats_.expiry_sum};
  for (const auto& [other, c] : db_counts_) {
    counts.curr_items -= c.curr_items;
    counts.with_expiry -= c.with_expiry;
    counts.expiry_sum -= c.expiry_sum;
  }
  return counts;
}

size_t ItemStore::LongestChainForTest() const {
  size_t longest = 0;
  for (size_t bucket = 0; bucket < index_.bucket_count(); ++bucket) {
    size_t length = 0;
    for (Ref ref = index_.Head(bucket); ref != kNull; ref = Record(ref).next()) ++length;
    longest = std::max(longest, length);
  }
  return longest;
}

void ItemStore::ForEachInBucket(size_t bucket, absl::FunctionRef<void(Ref ref)> on_item) const {
  for (Ref ref = index_.Head(bucket); ref != kNull; ref = Record(ref).next()) on_item(ref);
}

uint32_t* ItemStore::LinkTo(std::string_view key, uint32_t db, uint64_t hash) {
  uint32_t* link = BucketFor(hash);
  while (*link != kNull) {
    const ItemRecord record(log_.At(*link));
    if (record.key() == key && record.db() == db) return link;
    link = NextOf(*link);
  }
  return link;
}

uint32_t* ItemStore::LinkTo(Ref ref) {
  uint32_t* link = BucketFor(HashOf(ref));
  while (*link != ref) {
    assert(*link != kNull);
    link = NextOf(*link);
  }
  return link;
}

ItemStore::Ref ItemStore::Find(std::string_view key, uint32_t db, uint64_t hash) const {
  return *const_cast<ItemStore*>(this)->LinkTo(key, db, hash);
}

void ItemStore::MarkAccessed(Ref ref, uint32_t now_sec) {
  ItemRecord record = Record(ref);
  record.set(ItemRecord::kFetched, true);
  record.set(ItemRecord::kAccessed, true);
  record.set_last_access_sec(now_sec);
}

absl::Status ItemStore::SetMeta(Ref ref, const ItemMeta& meta, int64_t now_millis) {
  ItemRecord record = Record(ref);
  if (record.FitsMeta(meta)) {
    CountExpiryChange(record.db(), record.expiry_millis(), meta.expiry_millis);
    record.WriteMeta(meta);
    return absl::OkStatus();
  }
  // The record has no room for a flags or expiry field: rewrite it with one, keeping its second
  // chance (which lives outside ItemMeta) so that a read just before, as Touch makes, counts.
  const bool accessed = record.has(ItemRecord::kAccessed);
  const std::string key(record.key());
  const std::string value(record.value());
  const std::string_view parts[2] = {value, {}};
  const uint32_t db = record.db();
  const uint64_t hash = HashOf(ref);
  absl::Status status = Put(key, db, hash, parts, meta, now_millis);
  if (status.ok() && accessed) Record(Find(key, db, hash)).set(ItemRecord::kAccessed, true);
  return status;
}

ValueBlock* ItemStore::BlockFor(const std::string_view (&parts)[2], size_t value_len,
                                ValueBuffer* adopt) {
  if (adopt != nullptr) {
    if (ValueBlock* adopted = ValueBlock::Adopt(adopt, pins_); adopted != nullptr) return adopted;
  }
  ValueBlock* block = ValueBlock::New(value_len, pins_);
  CopyParts(block->bytes(), parts);
  return block;
}

bool ItemStore::RewriteInPlace(Ref ref, const std::string_view (&parts)[2], const ItemMeta& meta,
                               ValueBuffer* adopt) {
  ItemRecord record = Record(ref);
  const size_t value_len = record.value_len();
  if (parts[0].size() + parts[1].size() != value_len || !record.FitsMeta(meta) ||
      PartsPointInto(ref, parts)) {
    return false;
  }
  if (!record.has(ItemRecord::kExternal)) {
    CopyParts(record.value_data(), parts);
  } else if (adopt == nullptr && !record.external_block()->pinned()) {
    CopyParts(record.value_data(), parts);  // nobody else can be reading it
  } else {
    // A send may be reading the pinned bytes; an adopted block saves the copy. Same size, same
    // charge: the budget does not change.
    ValueBlock* old = record.external_block();
    record.set_external_block(BlockFor(parts, value_len, adopt));
    old->DropOwner(value_len);
  }
  CountExpiryChange(record.db(), record.expiry_millis(), meta.expiry_millis);
  record.WriteMeta(meta);
  // A rewrite is a use: without a second chance the item, which keeps its old place in the log,
  // could be evicted as soon as the cleaner reaches that place, unlike a freshly appended one.
  record.set(ItemRecord::kAccessed, true);
  ++stats_.total_items;
  return true;
}

void ItemStore::Retire(Ref ref, RemoveReason reason) {
  ItemRecord record = Record(ref);
  record.set(ItemRecord::kDead, true);
  CountItem(record.db(), -1, record.expiry_millis());
  stats_.bytes -= record.size();
  if (record.has(ItemRecord::kExternal)) {
    record.external_block()->DropOwner(record.value_len());
    external_bytes_ -= ExternalCharge(record.value_len());
    stats_.bytes -= record.value_len();
  }
  const bool fetched = record.has(ItemRecord::kFetched);
  if (reason == RemoveReason::kExpired) {
    ++stats_.reclaimed;
    if (!fetched) ++stats_.expired_unfetched;
  } else if (reason == RemoveReason::kEvicted) {
    ++stats_.evictions;
    if (!fetched) ++stats_.evicted_unfetched;
  }
}

void ItemStore::Remove(Ref ref, RemoveReason reason) {
  uint32_t* link = LinkTo(ref);
  *link = Record(ref).next();
  Retire(ref, reason);
}

bool ItemStore::KeepForFrequency(const ItemRecord& record, size_t size) {
  // At most half a segment's worth of budget per cleaning, a large value's block included, so
  // that a cleaning always frees space (a segment of pointers to large values could otherwise
  // keep all of them).
  const size_t charge =
      size + (record.has(ItemRecord::kExternal) ? ExternalCharge(record.value_len()) : 0);
  if (kept_for_frequency_ + charge > log_.segment_bytes() / 2 ||
      sketch_.Estimate(KeyHash(record.key(), hash_seed_)) < kKeepLookups) {
    return false;
  }
  kept_for_frequency_ += charge;
  return true;
}

size_t ItemStore::CleanRecord(Ref ref, int64_t now_millis) {
  ItemRecord record = Record(ref);
  const size_t size = record.size();
  if (record.has(ItemRecord::kDead)) return size;
  if (IsExpired(record.expiry_millis(), now_millis)) {
    Remove(ref, RemoveReason::kExpired);
  } else if (record.has(ItemRecord::kAccessed) || KeepForFrequency(record, size)) {
    // Second chance: move it to the head of the log, forgetting the access.
    const Ref moved = log_.AppendForCleaning(size);
    std::memcpy(log_.At(moved), log_.At(ref), size);
    ItemRecord(log_.At(moved)).set(ItemRecord::kAccessed, false);
    *LinkTo(ref) = moved;
  } else {
    Remove(ref, RemoveReason::kEvicted);
  }
  return size;
}

bool ItemStore::CleanOne(int64_t now_millis) {
  if (!log_.has_sealed()) {
    if (log_.head_empty()) return false;
    log_.SealHead();
  }
  kept_for_frequency_ = 0;
  log_.CleanOldest([&](Ref ref) { return CleanRecord(ref, now_millis); });
  evict_segment_ = 0;
  evict_offset_ = 0;
  return true;
}

bool ItemStore::EvictOneLarge(int64_t now_millis) {
  const uint32_t segment = log_.oldest();
  if (segment == 0) return false;
  if (segment != evict_segment_) {
    evict_segment_ = segment;
    evict_offset_ = 0;
  }
  // Records never move inside a segment until it is cleaned, so the walk resumes where it left.
  const size_t end = log_.fill(segment);
  while (evict_offset_ < end) {
    const Ref ref = log_.RefAt(segment, evict_offset_);
    const ItemRecord record = Record(ref);
    evict_offset_ += record.size();
    // An accessed one keeps its second chance: the cleaner moves it when it cleans the segment.
    if (record.has(ItemRecord::kDead) || !record.has(ItemRecord::kExternal) ||
        record.has(ItemRecord::kAccessed)) {
      continue;
    }
    Remove(ref, IsExpired(record.expiry_millis(), now_millis) ? RemoveReason::kExpired
                                                              : RemoveReason::kEvicted);
    return true;
  }
  return false;
}

int ItemStore::MaxPasses() const {
  // Every pass clears the second chances of one segment's items, so after twice the number of
  // segments everything left is cold and cleaning frees space.
  return 2 * static_cast<int>(budget_bytes_ / log_.segment_bytes()) + 8;
}

absl::Status ItemStore::Allocate(size_t bytes, int64_t now_millis, Ref* ref) {
  for (int pass = 0; pass < MaxPasses(); ++pass) {
    if ((*ref = log_.TryAppend(bytes)) != kNull) return absl::OkStatus();
    if (log_.TakeFreeHead()) continue;
    if (used_bytes() + log_.segment_bytes() <= budget_bytes_ && log_.AllocateHead()) continue;
    // Each eviction frees a large value towards a new head: not a pass (there are finitely many).
    if (EvictOneLarge(now_millis)) {
      --pass;
      continue;
    }
    if (!CleanOne(now_millis)) break;
  }
  return OutOfMemory();
}

absl::Status ItemStore::FitBudget(int64_t now_millis) {
  for (int pass = 0; pass < MaxPasses();) {
    if (used_bytes() <= budget_bytes_) return absl::OkStatus();
    // Each frees memory and there are finitely many: not passes.
    if (log_.ReleaseOneFree() || EvictOneLarge(now_millis)) continue;
    ++pass;
    if (!CleanOne(now_millis)) break;
  }
  return used_bytes() <= budget_bytes_ ? absl::OkStatus() : OutOfMemory();
}

ItemStore::FitStep ItemStore::FitBudgetStep(int64_t now_millis, int max_segments) {
  for (int cleaned = 0; cleaned < max_segments;) {
    if (used_bytes() <= budget_bytes_) return FitStep::kFits;
    if (log_.ReleaseOneFree()) continue;
    if (!CleanOne(now_millis)) return FitStep::kStuck;
    ++cleaned;
  }
  if (used_bytes() <= budget_bytes_) return FitStep::kFits;
  // A cleaned segment whose items all had second chances frees nothing; the log still shrinks
  // as long as cleaning returns segments to the free list, which the next step releases.
  return FitStep::kMore;
}

bool ItemStore::PartsPointInto(Ref ref, const std::string_view (&parts)[2]) const {
  const std::string_view value = Record(ref).value();
  return Overlaps(parts[0], value) || Overlaps(parts[1], value);
}

absl::Status ItemStore::Put(std::string_view key, uint32_t db, uint64_t hash,
                            const std::string_view (&parts)[2], const ItemMeta& meta,
                            int64_t now_millis, ValueBuffer* adopt) {
  // The item replaced, if any; valid until Allocate below may clean or move it.
  const Ref replaced = Find(key, db, hash);
  if (replaced != kNull && RewriteInPlace(replaced, parts, meta, adopt)) return absl::OkStatus();
  const size_t value_len = parts[0].size() + parts[1].size();
  const bool external =
      ItemRecord::SizeFor(key.size(), value_len, meta, false, db) > max_inline_bytes_;
  const size_t size = ItemRecord::SizeFor(key.size(), value_len, meta, external, db);
  const size_t charge = external ? ExternalCharge(value_len) : 0;
  // A record longer than a segment can never be placed: fail before evicting anything for it.
  if (size > log_.segment_bytes() || size + charge + 2 * log_.segment_bytes() > budget_bytes_) {
    return OutOfMemory();
  }

  // Making room may clean the segment holding the item this one replaces; if the parts point
  // into it (append, prepend, Update), copy them out first. Only then, to save the copy.
  std::string copy;
  std::string_view source[2] = {parts[0], parts[1]};
  const bool may_clean = external || !log_.HeadHasRoom(size) || used_bytes() > budget_bytes_;
  if (may_clean && replaced != kNull && PartsPointInto(replaced, parts)) {
    copy.reserve(value_len);
    copy.append(parts[0]).append(parts[1]);
    source[0] = copy;
    source[1] = {};
  }

  external_bytes_ += charge;
  Ref ref = kNull;
  absl::Status status = FitBudget(now_millis);
  if (status.ok()) status = Allocate(size, now_millis, &ref);
  if (!status.ok()) {
    external_bytes_ -= charge;
    return status;
  }
  ItemRecord record(log_.At(ref));
  record.Init(key, value_len, meta, external, db);
  if (external) {
    record.set_external_block(BlockFor(source, value_len, adopt));
  } else {
    CopyParts(record.value_data(), source);
  }

  uint32_t* link = LinkTo(key, db, hash);
  const Ref old = *link;
  record.set_next(old == kNull ? kNull : Record(old).next());
  *link = ref;
  ++stats_.total_items;
  CountItem(db, +1, meta.expiry_millis);
  stats_.bytes += size + (external ? value_len : 0);
  if (old != kNull) Retire(old, RemoveReason::kDeleted);
  if (stats_.curr_items > index_.bucket_count()) Grow(now_millis);
  return absl::OkStatus();
}

void ItemStore::Grow(int64_t now_millis) {
  index_.Split([&](Ref ref) { return HashOf(ref); }, [&](Ref ref) { return NextOf(ref); });
  stats_.hash_buckets = index_.bucket_count();
  // The index counts against the budget: give back segments if it no longer holds.
  (void)FitBudget(now_millis);
}

void ItemStore::Clear() {
  for (size_t bucket = 0; bucket < index_.bucket_count(); ++bucket) {
    for (Ref ref = index_.Head(bucket); ref != kNull;) {
      ItemRecord record = Record(ref);
      if (record.has(ItemRecord::kExternal)) record.external_block()->DropOwner(record.value_len());
      ref = record.next();
    }
  }
  index_.Clear();
  log_.Reset();
  evict_segment_ = 0;
  evict_offset_ = 0;
  external_bytes_ = 0;
  stats_.curr_items = 0;
  stats_.with_expiry = 0;
  stats_.expiry_sum = 0;
  stats_.bytes = 0;
  db_counts_.clear();
}

void ItemStore::ClearDb(uint32_t db) {
  const uint64_t in_db = CountsOf(db).curr_items;
  if (in_db == 0) return;
  if (in_db == stats_.curr_items) {
    Clear();
    return;
  }
  for (size_t bucket = 0; bucket < index_.bucket_count(); ++bucket) {
    uint32_t* link = &index_.Head(bucket);
    while (*link != kNull) {
      const Ref ref = *link;
      const ItemRecord record = Record(ref);
      if (record.db() == db) {
        *link = record.next();
        Retire(ref, RemoveReason::kDeleted);
      } else {
        link = NextOf(ref);
      }
    }
  }
}

void ItemStore::ReclaimExpired(int64_t now_millis, size_t max_buckets) {
  const size_t visits = std::min(max_buckets, index_.bucket_count());
  for (size_t n = 0; n < visits; ++n) {
    if (++reclaim_cursor_ >= index_.bucket_count()) reclaim_cursor_ = 0;
    uint32_t* link = &index_.Head(reclaim_cursor_);
    while (*link != kNull) {
      const Ref ref = *link;
      ItemRecord record = Record(ref);
      if (IsExpired(record.expiry_millis(), now_millis)) {
        *link = record.next();
        Retire(ref, RemoveReason::kExpired);
      } else {
        link = NextOf(ref);
      }
    }
  }
}

std::vector<std::string_view> ItemStore::SegmentsInLogOrder() const {
  std::vector<std::string_view> segments;
  for (uint32_t id : log_.SegmentsInLogOrder()) {
    segments.emplace_back(log_.At(log_.RefAt(id, 0)), log_.fill(id));
  }
  return segments;
}

absl::Status ItemStore::ForEachLargeValue(
    absl::FunctionRef<absl::Status(std::string_view)> on_value) const {
  for (uint32_t id : log_.SegmentsInLogOrder()) {
    for (size_t offset = 0; offset < log_.fill(id);) {
      const ItemRecord record = Record(log_.RefAt(id, offset));
      offset += record.size();
      if (record.has(ItemRecord::kDead) || !record.has(ItemRecord::kExternal)) continue;
      if (absl::Status status = on_value(record.value()); !status.ok()) return status;
    }
  }
  return absl::OkStatus();
}

bool ItemStore::Restore(const SegmentLog::Layout& layout, std::string_view large,
                        int64_t now_millis, bool drop_all, uint64_t* dropped) {
  if (stats_.curr_items != 0 || !log_.Restore(layout)) return false;
  for (uint32_t id : log_.SegmentsInLogOrder()) {
    const size_t fill = log_.fill(id);
    for (size_t offset = 0; offset < fill;) {
      const Ref ref = log_.RefAt(id, offset);
      ItemRecord record = Record(ref);
      // The digests matched, so a record that does not fit its segment is a format bug: refuse.
      const size_t size = record.size();
      if (size == 0 || offset + size > fill || record.key_len() > fill) return false;
      offset += size;
      if (record.has(ItemRecord::kDead)) continue;
      const char* large_value = nullptr;
      if (record.has(ItemRecord::kExternal)) {
        if (large.size() < record.value_len()) return false;
        large_value = large.data();
        large.remove_prefix(record.value_len());
      }
      if (drop_all || IsExpired(record.expiry_millis(), now_millis)) {
        record.set(ItemRecord::kDead, true);
        ++*dropped;
        continue;
      }
      if (large_value != nullptr) {
        ValueBlock* block = ValueBlock::New(record.value_len(), pins_);
        std::memcpy(block->bytes(), large_value, record.value_len());
        record.set_external_block(block);
        external_bytes_ += ExternalCharge(record.value_len());
        stats_.bytes += record.value_len();
      }
      uint32_t* head = BucketFor(HashOf(ref));
      record.set_next(*head);
      *head = ref;
      CountItem(record.db(), +1, record.expiry_millis());
      stats_.bytes += size;
      if (stats_.curr_items > index_.bucket_count()) {
        index_.Split([&](Ref r) { return HashOf(r); }, [&](Ref r) { return NextOf(r); });
      }
    }
  }
  stats_.hash_buckets = index_.bucket_count();
  return large.empty();
}

}  // namespace memkv::storage
