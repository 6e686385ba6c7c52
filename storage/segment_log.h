// SegmentLog: the memory of one shard, as a log of fixed-size segments into which item records
// are appended, addressed by 32-bit references.
//
// Records are appended to the head segment; a full head is sealed and joins a FIFO of sealed
// segments. Space is reclaimed by cleaning the oldest sealed segment: the caller visits each of
// its records and either drops it or re-appends it (AppendForCleaning), after which the segment
// is empty and reusable. One reserve segment is always kept, so that a cleaning whose survivors
// overflow the head can always finish: the survivors of one segment fit in one segment.
//
// Why a log and not malloc per item: glibc malloc costs 8 bytes of header and rounds to 16, and
// pointers are 8 bytes; a log packs records at 8-byte granularity with no per-record header and
// lets chains use 4-byte references (offset / 8 within the shard's segments: 32 GB per shard).
//
// Threads: not thread-safe; used under the owning shard's lock.
#ifndef MEMKV_STORAGE_SEGMENT_LOG_H_
#define MEMKV_STORAGE_SEGMENT_LOG_H_

#include <cstddef>
#include <cstdint>
#include <deque>
#include <string_view>
#include <vector>

#include "absl/functional/function_ref.h"
#include "storage/segment_memory.h"

namespace memkv::storage {

class SegmentLog {
 public:
  static constexpr uint32_t kNull = 0;
  static constexpr size_t kGranularity = 8;

  // segment_bytes: a power of two between 4 KiB and 16 MiB. Allocates the reserve segment (its
  // pages stay untouched, so not resident, until a cleaning needs it). region: where segments
  // live (segment_memory.h); empty = the heap.
  explicit SegmentLog(size_t segment_bytes, SegmentRegion region = {});
  ~SegmentLog();
  SegmentLog(const SegmentLog&) = delete;
  SegmentLog& operator=(const SegmentLog&) = delete;

  char* At(uint32_t ref) const {
    return segments_[ref >> offset_bits_] + (size_t{ref & offset_mask_} * kGranularity);
  }
  size_t segment_bytes() const { return segment_bytes_; }
  // Memory held by segments, including the reserve and free ones.
  size_t allocated_bytes() const { return allocated_ * segment_bytes_; }

  // Reserves `bytes` (a multiple of kGranularity, at most segment_bytes()) at the end of the
  // head; kNull if there is no head or it lacks room.
  uint32_t TryAppend(size_t bytes);
  bool HeadHasRoom(size_t bytes) const {
    return head_ != 0 && fill_[head_] + bytes <= segment_bytes_;
  }
  // Seals the head (if any) and makes a free segment the head. False if none is free.
  bool TakeFreeHead();
  // Seals the head (if any) and makes a newly allocated segment the head. False if the 32-bit
  // references cannot address another segment.
  bool AllocateHead();
  // Moves the head, if it holds anything, to the sealed FIFO; there is no head afterwards.
  void SealHead();
  bool has_sealed() const { return !sealed_.empty(); }
  // The segment CleanOldest reaches next: the oldest sealed one, else the head; 0 if neither.
  uint32_t oldest() const { return !sealed_.empty() ? sealed_.front() : head_; }
  // Bytes appended to `segment` (records lie back to back from offset 0 up to here).
  size_t fill(uint32_t segment) const { return fill_[segment]; }
  // The reference of the record at `offset` (a multiple of kGranularity) in `segment`.
  uint32_t RefAt(uint32_t segment, size_t offset) const { return Ref(segment, offset); }
  bool head_empty() const { return head_ == 0 || fill_[head_] == 0; }

  // Takes the oldest sealed segment and calls visit(ref) for each record in it, oldest first;
  // visit returns the record's size and may call AppendForCleaning. The segment is then free
  // (or becomes the reserve, if the reserve was used). REQUIRES: has_sealed().
  void CleanOldest(absl::FunctionRef<size_t(uint32_t ref)> visit);
  // Appends during CleanOldest; switches to the reserve when the head is full. Never fails.
  uint32_t AppendForCleaning(size_t bytes);

  // Returns one free segment's memory to the allocator. False if none is free.
  bool ReleaseOneFree();
  // Forgets every record: all segments become free (flush_all).
  void Reset();

  // Which segment plays which part, for a warm restart (restart_file.h): with the segments'
  // bytes left in a region, it is all a later log needs to hold the same records.
  struct Layout {
    uint32_t head = 0;
    uint32_t reserve = 0;
    std::vector<uint32_t> sealed;  // oldest first
    std::vector<uint32_t> free;
    std::vector<uint32_t> fill;  // indexed by id; 0 for ids not in use

    // The segments that hold records, in the order CleanOldest would reach them: the sealed
    // ones oldest first, then the head if it holds anything.
    std::vector<uint32_t> InLogOrder() const {
      std::vector<uint32_t> order = sealed;
      if (head != 0 && head < fill.size() && fill[head] != 0) order.push_back(head);
      return order;
    }
  };
  Layout layout() const;
  // layout().InLogOrder(): the segments holding records, oldest first.
  std::vector<uint32_t> SegmentsInLogOrder() const { return layout().InLogOrder(); }
  // Takes over `layout`'s segments where the region holds them. REQUIRES: a log just constructed
  // over a region. False, changing nothing, if the layout names an id the region has no slot
  // for, names one twice, or gives a fill beyond a segment.
  bool Restore(const Layout& layout);
  // The first `fill` bytes of the region's slot for segment `id`, whatever the log makes of it
  // (a restore checks the saved segments' digests before taking them over); empty if the log is
  // not over a region or has no such slot.
  std::string_view RegionSlot(uint32_t id, size_t fill);

 private:
  uint32_t NewSegment();  // 0 if out of references
  uint32_t Ref(uint32_t segment, size_t offset) const {
    return (segment << offset_bits_) | static_cast<uint32_t>(offset / kGranularity);
  }

  const size_t segment_bytes_;
  const int offset_bits_;
  const uint32_t offset_mask_;
  SegmentMemory memory_;
  // Indexed by segment id; id 0 is never used so that reference 0 means null. Owned through
  // memory_ (null for ids whose memory was released).
  std::vector<char*> segments_;
  std::vector<uint32_t> fill_;        // bytes used in each segment
  std::vector<uint32_t> unused_ids_;  // ids whose memory was released
  std::deque<uint32_t> sealed_;       // oldest first
  std::vector<uint32_t> free_;        // allocated, empty
  uint32_t head_ = 0;
  uint32_t reserve_ = 0;
  size_t allocated_ = 0;  // segments holding memory
};

}  // namespace memkv::storage

#endif  // MEMKV_STORAGE_SEGMENT_LOG_H_
