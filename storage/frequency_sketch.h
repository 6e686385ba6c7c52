// FrequencySketch: an approximate count of how often each key was looked up recently, in one
// byte per counter (TinyLFU's count-min sketch: G. Einziger, R. Friedman and B. Manes, "TinyLFU:
// A Highly Efficient Cache Admission Policy", ACM ToS 13(4), 2017). The eviction policy asks it
// whether an item that was not read since its segment was last cleaned is still popular (it was
// looked up, hit or miss, several times recently) before evicting it: see item_store.h.
//
// Each key has two counters (picked by its hash); its estimate is the smaller, so a collision
// can only overstate it. Counters saturate at 15, and after 4 lookups per counter all of them
// are halved, so the estimate follows the recent past, not all history. (With 10 per counter, as
// TinyLFU suggests for its relative comparisons, the counters of a key space much larger than
// the cache fill with collisions and an absolute threshold tells keys apart less well; with 1
// per counter it forgets too soon. 4 measured best on the cache-aside benchmark.)
//
// Threads: not thread-safe; the owning ItemStore uses it under the shard's lock.
#ifndef MEMKV_STORAGE_FREQUENCY_SKETCH_H_
#define MEMKV_STORAGE_FREQUENCY_SKETCH_H_

#include <cstddef>
#include <cstdint>
#include <vector>

namespace memkv::storage {

class FrequencySketch {
 public:
  // counters: rounded up to a power of two, at least 64.
  explicit FrequencySketch(size_t counters);

  // Counts one lookup of the key whose KeyHash is `hash`.
  void Record(uint64_t hash);
  // The key's recent lookups (0..15), approximately.
  uint32_t Estimate(uint64_t hash) const;

  size_t memory_bytes() const { return counters_.size(); }

 private:
  static constexpr uint8_t kMax = 15;
  size_t Slot(uint64_t hash, int which) const;
  void Age();

  std::vector<uint8_t> counters_;
  size_t mask_;
  uint64_t lookups_ = 0;  // since the last halving
  uint64_t period_;       // lookups between halvings
};

}  // namespace memkv::storage

#endif  // MEMKV_STORAGE_FREQUENCY_SKETCH_H_
