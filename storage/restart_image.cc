#include "storage/restart_image.h"

#include <cstring>

namespace memkv::storage {
namespace {

// No shard has more segments than this: 32-bit references at the smallest segment size.
constexpr size_t kMaxIds = size_t{1} << 20;

}  // namespace

void ImageWriter::U32s(const std::vector<uint32_t>& v) {
  U32(static_cast<uint32_t>(v.size()));
  for (uint32_t x : v) U32(x);
}

void ImageWriter::U64s(const std::vector<uint64_t>& v) {
  U32(static_cast<uint32_t>(v.size()));
  for (uint64_t x : v) U64(x);
}

void ImageWriter::Shard(const ShardImage& image) {
  U64(image.cas_counter);
  U64(static_cast<uint64_t>(image.flush_at_millis));
  U32(image.layout.head);
  U32(image.layout.reserve);
  U32s(image.layout.sealed);
  U32s(image.layout.free);
  U32s(image.layout.fill);
  U64s(image.digests);
  U64(image.large_offset);
  U64(image.large_bytes);
}

bool ImageReader::Raw(void* p, size_t n) {
  if (!ok_ || in_.size() < n) {
    ok_ = false;
    std::memset(p, 0, n);
    return false;
  }
  std::memcpy(p, in_.data(), n);
  in_.remove_prefix(n);
  return true;
}

uint32_t ImageReader::U32() { return Fixed<uint32_t>(); }
uint64_t ImageReader::U64() { return Fixed<uint64_t>(); }
std::vector<uint32_t> ImageReader::U32s(size_t max) { return Vector<uint32_t>(max); }
std::vector<uint64_t> ImageReader::U64s(size_t max) { return Vector<uint64_t>(max); }

ShardImage ImageReader::Shard() {
  ShardImage image;
  image.cas_counter = U64();
  image.flush_at_millis = static_cast<int64_t>(U64());
  image.layout.head = U32();
  image.layout.reserve = U32();
  image.layout.sealed = U32s(kMaxIds);
  image.layout.free = U32s(kMaxIds);
  image.layout.fill = U32s(kMaxIds);
  image.digests = U64s(kMaxIds);
  image.large_offset = U64();
  image.large_bytes = U64();
  return image;
}

}  // namespace memkv::storage
