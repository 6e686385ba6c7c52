// ShardImage: what a warm restart (restart_file.h) needs to know of one shard beyond its
// segments' bytes, and its encoding in the restart file's metadata section.
//
// The segments themselves stay in the file's mapped region; the image says which segment plays
// which part of the shard's log (SegmentLog::Layout), a digest of each segment holding records
// (so that a damaged file is never served), where the shard's large values were written (they
// live in heap blocks while serving, so a shutdown copies them into the file), and the counters
// that must go on where they stopped (CAS uniques, a pending flush_all).
//
// Encoding: fixed-width integers in the machine's byte order (the file header's byte-order mark
// refuses a file from another kind of machine); vectors as a 32-bit count and their elements.
//
// Threads: plain values; no synchronisation.
#ifndef MEMKV_STORAGE_RESTART_IMAGE_H_
#define MEMKV_STORAGE_RESTART_IMAGE_H_

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "storage/segment_log.h"

namespace memkv::storage {

struct ShardImage {
  uint64_t cas_counter = 0;
  int64_t flush_at_millis = 0;
  SegmentLog::Layout layout;
  // XXH3 of each segment's filled bytes, in SegmentLog::SegmentsInLogOrder() order.
  std::vector<uint64_t> digests;
  // The shard's large values, back to back in log order, in the file's large-value section.
  uint64_t large_offset = 0;
  uint64_t large_bytes = 0;
};

// Appends fixed-width fields to a string.
class ImageWriter {
 public:
  explicit ImageWriter(std::string* out) : out_(out) {}
  void U32(uint32_t v) { Raw(&v, sizeof(v)); }
  void U64(uint64_t v) { Raw(&v, sizeof(v)); }
  void U32s(const std::vector<uint32_t>& v);
  void U64s(const std::vector<uint64_t>& v);
  void Shard(const ShardImage& image);

 private:
  void Raw(const void* p, size_t n) { out_->append(static_cast<const char*>(p), n); }
  std::string* out_;
};

// Reads what ImageWriter wrote; every read past the end fails (ok() becomes false) and returns 0.
class ImageReader {
 public:
  explicit ImageReader(std::string_view in) : in_(in) {}
  bool ok() const { return ok_; }
  bool at_end() const { return in_.empty(); }
  uint32_t U32();
  uint64_t U64();
  // A count above `max` fails, so that a damaged count cannot ask for gigabytes.
  std::vector<uint32_t> U32s(size_t max);
  std::vector<uint64_t> U64s(size_t max);
  ShardImage Shard();

 private:
  bool Raw(void* p, size_t n);
  template <typename T>
  T Fixed() {
    T v;
    Raw(&v, sizeof(v));
    return v;
  }
  template <typename T>
  std::vector<T> Vector(size_t max) {
    const uint32_t count = U32();
    if (count > max || count > in_.size() / sizeof(T)) ok_ = false;
    std::vector<T> v;
    if (!ok_) return v;
    v.reserve(count);
    for (uint32_t i = 0; i < count; ++i) v.push_back(Fixed<T>());
    return v;
  }
  std::string_view in_;
  bool ok_ = true;
};

}  // namespace memkv::storage

#endif  // MEMKV_STORAGE_RESTART_IMAGE_H_
