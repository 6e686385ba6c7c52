#include "storage/bucket_index.h"

namespace memkv::storage {

BucketIndex::BucketIndex() {
  chunks_.emplace_back(new uint32_t[kChunkBuckets]());  // value-initialised: empty chains
}

void BucketIndex::Split(absl::FunctionRef<uint64_t(uint32_t ref)> hash_of,
                        absl::FunctionRef<uint32_t*(uint32_t ref)> next_of) {
  const size_t from = split_;
  const size_t to = round_size_ + split_;
  if ((to & kChunkMask) == 0) chunks_.emplace_back(new uint32_t[kChunkBuckets]());
  const uint64_t mask = 2 * round_size_ - 1;
  uint32_t* keep = &Head(from);
  uint32_t* move = &Head(to);
  uint32_t ref = *keep;
  while (ref != 0) {
    uint32_t* next = next_of(ref);
    const uint32_t following = *next;
    uint32_t*& tail = (hash_of(ref) & mask) == to ? move : keep;
    *tail = ref;
    tail = next;
    ref = following;
  }
  *keep = 0;
  *move = 0;
  if (++split_ == round_size_) {
    round_size_ *= 2;
    split_ = 0;
  }
}

void BucketIndex::Clear() {
  for (auto& chunk : chunks_) {
    for (size_t i = 0; i < kChunkBuckets; ++i) chunk[i] = 0;
  }
}

}  // namespace memkv::storage
