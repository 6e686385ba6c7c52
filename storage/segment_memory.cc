#include "storage/segment_memory.h"

namespace memkv::storage {

char* SegmentMemory::Acquire(uint32_t id) {
  if (!in_region()) {
    // Default-initialised: untouched pages of a large allocation are not resident until written.
    return new char[segment_bytes_];
  }
  if (id == 0 || id > region_.slots) return nullptr;
  return region_.base + (size_t{id} - 1) * segment_bytes_;
}

void SegmentMemory::Release(char* segment) {
  if (!in_region()) delete[] segment;
}

}  // namespace memkv::storage
