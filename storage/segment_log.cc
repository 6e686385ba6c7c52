#include "storage/segment_log.h"

#include <bit>
#include <cassert>

namespace memkv::storage {

SegmentLog::SegmentLog(size_t segment_bytes, SegmentRegion region)
    : segment_bytes_(segment_bytes),
      offset_bits_(std::countr_zero(segment_bytes / kGranularity)),
      offset_mask_((uint32_t{1} << offset_bits_) - 1),
      memory_(segment_bytes, region),
      segments_(1, nullptr),
      fill_(1, 0) {
  assert(std::has_single_bit(segment_bytes) && segment_bytes >= 4096 &&
         segment_bytes <= (size_t{16} << 20));
  reserve_ = NewSegment();
}

SegmentLog::~SegmentLog() {
  for (char* segment : segments_) {
    if (segment != nullptr) memory_.Release(segment);
  }
}

uint32_t SegmentLog::NewSegment() {
  uint32_t id;
  if (!unused_ids_.empty()) {
    id = unused_ids_.back();
    unused_ids_.pop_back();
  } else {
    if ((uint64_t{segments_.size()} << offset_bits_) > UINT32_MAX ||
        segments_.size() > memory_.slots()) {
      return 0;
    }
    id = static_cast<uint32_t>(segments_.size());
    segments_.push_back(nullptr);
    fill_.push_back(0);
  }
  segments_[id] = memory_.Acquire(id);
  fill_[id] = 0;
  ++allocated_;
  return id;
}

uint32_t SegmentLog::TryAppend(size_t bytes) {
  if (head_ == 0 || fill_[head_] + bytes > segment_bytes_) return kNull;
  const uint32_t ref = Ref(head_, fill_[head_]);
  fill_[head_] += static_cast<uint32_t>(bytes);
  return ref;
}

void SegmentLog::SealHead() {
  if (head_ == 0) return;
  if (fill_[head_] == 0) {
    free_.push_back(head_);
  } else {
    sealed_.push_back(head_);
  }
  head_ = 0;
}

bool SegmentLog::TakeFreeHead() {
  if (free_.empty()) return false;
  SealHead();
  head_ = free_.back();
  free_.pop_back();
  fill_[head_] = 0;
  return true;
}

bool SegmentLog::AllocateHead() {
  const uint32_t id = NewSegment();
  if (id == 0) return false;
  SealHead();
  head_ = id;
  return true;
}

void SegmentLog::CleanOldest(absl::FunctionRef<size_t(uint32_t ref)> visit) {
  assert(!sealed_.empty());
  const uint32_t segment = sealed_.front();
  sealed_.pop_front();
  const size_t end = fill_[segment];
  for (size_t offset = 0; offset < end;) offset += visit(Ref(segment, offset));
  fill_[segment] = 0;
  if (reserve_ == 0) {
    reserve_ = segment;
  } else {
    free_.push_back(segment);
  }
}

uint32_t SegmentLog::AppendForCleaning(size_t bytes) {
  if (const uint32_t ref = TryAppend(bytes); ref != kNull) return ref;
  // The survivors of one segment fit in one segment, so switching once is always enough.
  assert(reserve_ != 0);
  SealHead();
  head_ = reserve_;
  reserve_ = 0;
  const uint32_t ref = TryAppend(bytes);
  assert(ref != kNull);
  return ref;
}

bool SegmentLog::ReleaseOneFree() {
  if (free_.empty()) return false;
  const uint32_t id = free_.back();
  free_.pop_back();
  memory_.Release(segments_[id]);
  segments_[id] = nullptr;
  unused_ids_.push_back(id);
  --allocated_;
  return true;
}

void SegmentLog::Reset() {
  SealHead();
  for (uint32_t id : sealed_) {
    fill_[id] = 0;
    free_.push_back(id);
  }
  sealed_.clear();
}

SegmentLog::Layout SegmentLog::layout() const {
  Layout layout;
  layout.head = head_;
  layout.reserve = reserve_;
  layout.sealed.assign(sealed_.begin(), sealed_.end());
  layout.free = free_;
  layout.fill = fill_;
  return layout;
}

std::string_view SegmentLog::RegionSlot(uint32_t id, size_t fill) {
  if (!memory_.in_region() || fill > segment_bytes_) return {};
  const char* slot = memory_.Acquire(id);
  return slot == nullptr ? std::string_view() : std::string_view(slot, fill);
}

bool SegmentLog::Restore(const Layout& layout) {
  if (!memory_.in_region() || layout.fill.empty() || layout.fill.size() - 1 > memory_.slots()) {
    return false;
  }
  const size_t ids = layout.fill.size();
  std::vector<bool> used(ids, false);
  auto claim = [&](uint32_t id) {
    if (id == 0 || id >= ids || used[id] || layout.fill[id] > segment_bytes_ ||
        layout.fill[id] % kGranularity != 0) {
      return false;
    }
    used[id] = true;
    return true;
  };
  for (uint32_t id : layout.sealed) {
    if (!claim(id)) return false;
  }
  for (uint32_t id : layout.free) {
    if (!claim(id)) return false;
  }
  if ((layout.head != 0 && !claim(layout.head)) ||
      (layout.reserve != 0 && !claim(layout.reserve))) {
    return false;
  }
  // The constructor's reserve is slot 0's: the layout decides anew what every slot holds.
  segments_.assign(ids, nullptr);
  fill_.assign(ids, 0);
  unused_ids_.clear();
  allocated_ = 0;
  for (uint32_t id = 1; id < ids; ++id) {
    if (!used[id]) {
      unused_ids_.push_back(id);
      continue;
    }
    segments_[id] = memory_.Acquire(id);
    fill_[id] = layout.fill[id];
    ++allocated_;
  }
  sealed_.assign(layout.sealed.begin(), layout.sealed.end());
  free_ = layout.free;
  for (uint32_t id : free_) fill_[id] = 0;
  head_ = layout.head;
  reserve_ = layout.reserve;
  if (reserve_ != 0) {
    fill_[reserve_] = 0;
  } else if (!free_.empty()) {  // AppendForCleaning relies on a reserve
    reserve_ = free_.back();
    free_.pop_back();
  } else {
    reserve_ = NewSegment();
  }
  return true;
}

}  // namespace memkv::storage
