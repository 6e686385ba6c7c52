#include "storage/segment_log.h"

#include <bit>
#include <cassert>

namespace memkv::storage {

SegmentLog::SegmentLog(size_t segment_bytes)
    : segment_bytes_(segment_bytes),
      offset_bits_(std::countr_zero(segment_bytes / kGranularity)),
      offset_mask_((uint32_t{1} << offset_bits_) - 1),
      segments_(1),
      fill_(1, 0) {
  assert(std::has_single_bit(segment_bytes) && segment_bytes >= 4096 &&
         segment_bytes <= (size_t{16} << 20));
  reserve_ = NewSegment();
}

uint32_t SegmentLog::NewSegment() {
  uint32_t id;
  if (!unused_ids_.empty()) {
    id = unused_ids_.back();
    unused_ids_.pop_back();
  } else {
    if ((uint64_t{segments_.size()} << offset_bits_) > UINT32_MAX) return 0;
    id = static_cast<uint32_t>(segments_.size());
    segments_.emplace_back();
    fill_.push_back(0);
  }
  // Default-initialised: untouched pages of a large allocation are not resident until written.
  segments_[id].reset(new char[segment_bytes_]);
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
  segments_[id].reset();
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

}  // namespace memkv::storage
