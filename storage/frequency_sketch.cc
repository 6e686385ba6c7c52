#include "storage/frequency_sketch.h"

#include <algorithm>
#include <bit>

namespace memkv::storage {
namespace {

// SplitMix64's finalizer: the KeyHash's low bits pick the index bucket and its high bits the
// shard, so the sketch remixes the hash rather than reuse either.
uint64_t Remix(uint64_t x) {
  x ^= x >> 30;
  x *= 0xbf58476d1ce4e5b9ULL;
  x ^= x >> 27;
  x *= 0x94d049bb133111ebULL;
  x ^= x >> 31;
  return x;
}

}  // namespace

FrequencySketch::FrequencySketch(size_t counters)
    : counters_(std::bit_ceil(std::max<size_t>(counters, 64)), 0),
      mask_(counters_.size() - 1),
      period_(4 * counters_.size()) {}

size_t FrequencySketch::Slot(uint64_t hash, int which) const {
  const uint64_t mixed = Remix(hash);
  return static_cast<size_t>(which == 0 ? mixed : mixed >> 32) & mask_;
}

void FrequencySketch::Record(uint64_t hash) {
  for (int which = 0; which < 2; ++which) {
    uint8_t& counter = counters_[Slot(hash, which)];
    if (counter < kMax) ++counter;
  }
  if (++lookups_ >= period_) Age();
}

uint32_t FrequencySketch::Estimate(uint64_t hash) const {
  return std::min(counters_[Slot(hash, 0)], counters_[Slot(hash, 1)]);
}

void FrequencySketch::Age() {
  for (uint8_t& counter : counters_) counter >>= 1;
  lookups_ = 0;
}

}  // namespace memkv::storage
