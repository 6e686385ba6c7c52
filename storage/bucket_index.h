// BucketIndex: the bucket heads of one shard's hash table, grown by linear hashing.
//
// Each bucket holds the 4-byte reference of the first record of its chain (chains are threaded
// through the records, see item_record.h). The table grows one bucket at a time: Split() divides
// the next bucket of the current round between itself and a new bucket at the end, so the load
// stays at most one item per bucket without ever rehashing the whole table under the shard's lock
// (a whole-table doubling of a 131K-item shard stalled a Store for 15 ms on the 2-core dev VM).
// Buckets live in 4 KiB chunks, so growth never copies the table and costs no slack.
//
// Threads: not thread-safe; used under the owning shard's lock.
#ifndef MEMKV_STORAGE_BUCKET_INDEX_H_
#define MEMKV_STORAGE_BUCKET_INDEX_H_

#include <cstddef>
#include <cstdint>
#include <memory>
#include <vector>

#include "absl/functional/function_ref.h"

namespace memkv::storage {

class BucketIndex {
 public:
  BucketIndex();

  size_t bucket_count() const { return round_size_ + split_; }
  // Bytes held: the chunks and the directory.
  size_t memory_bytes() const {
    return chunks_.size() * (kChunkBuckets * sizeof(uint32_t) + sizeof(chunks_[0]));
  }

  // The bucket a hash falls in (its low bits; the shard was picked by the high bits).
  size_t BucketOf(uint64_t hash) const {
    size_t bucket = hash & (round_size_ - 1);
    if (bucket < split_) bucket = hash & (2 * round_size_ - 1);
    return bucket;
  }
  uint32_t& Head(size_t bucket) { return chunks_[bucket >> kChunkBits][bucket & kChunkMask]; }
  uint32_t Head(size_t bucket) const { return chunks_[bucket >> kChunkBits][bucket & kChunkMask]; }

  // Adds one bucket by splitting the next one of this round. hash_of(ref) gives a record's hash,
  // next_of(ref) the address of its `next` link.
  void Split(absl::FunctionRef<uint64_t(uint32_t ref)> hash_of,
             absl::FunctionRef<uint32_t*(uint32_t ref)> next_of);
  // Empties every bucket (keeps the size).
  void Clear();

 private:
  static constexpr int kChunkBits = 10;
  static constexpr size_t kChunkBuckets = size_t{1} << kChunkBits;
  static constexpr size_t kChunkMask = kChunkBuckets - 1;

  std::vector<std::unique_ptr<uint32_t[]>> chunks_;
  size_t round_size_ = kChunkBuckets;  // buckets at the start of this round (a power of two)
  size_t split_ = 0;                   // next bucket to split in this round
};

}  // namespace memkv::storage

#endif  // MEMKV_STORAGE_BUCKET_INDEX_H_
