// SegmentMemory: where one SegmentLog's segments live. Either the heap (one allocation per
// segment, given back when the log releases the segment) or a region of fixed slots that someone
// else owns (a slice of the restart file's mapping, restart_file.h), where segment id i is always
// slot i - 1.
//
// Why a region: a warm restart (--restart-file) reopens the segments where the last process left
// them, so each segment must sit at an offset of the file that its id alone determines.
//
// Threads: none of its own; used by its SegmentLog under the owning shard's lock.
#ifndef MEMKV_STORAGE_SEGMENT_MEMORY_H_
#define MEMKV_STORAGE_SEGMENT_MEMORY_H_

#include <cstddef>
#include <cstdint>

namespace memkv::storage {

// A run of `slots` segments of memory at `base`, owned by the caller; empty = the heap.
struct SegmentRegion {
  char* base = nullptr;
  size_t slots = 0;
};

class SegmentMemory {
 public:
  SegmentMemory(size_t segment_bytes, SegmentRegion region)
      : segment_bytes_(segment_bytes), region_(region) {}
  SegmentMemory(const SegmentMemory&) = delete;
  SegmentMemory& operator=(const SegmentMemory&) = delete;

  bool in_region() const { return region_.base != nullptr; }
  // The most segment ids a region can hold (ids 1..slots()); unlimited on the heap.
  size_t slots() const { return in_region() ? region_.slots : SIZE_MAX; }

  // Memory for segment `id` (>= 1), or null if a region has no slot for it. Its bytes are
  // unspecified: uninitialised heap, or what the region's slot held before (a restored segment).
  char* Acquire(uint32_t id);
  // Gives back the memory Acquire returned: frees a heap segment; a region's slot keeps its pages
  // (the restart file reserved them all at start, so that writing a slot again can never fail
  // for want of space: on a full tmpfs that would be a SIGBUS, not an error).
  void Release(char* segment);

 private:
  const size_t segment_bytes_;
  const SegmentRegion region_;
};

}  // namespace memkv::storage

#endif  // MEMKV_STORAGE_SEGMENT_MEMORY_H_
