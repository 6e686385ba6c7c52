// Rng: a small, fast, seedable pseudo-random generator (SplitMix64) for choosing keys, operations
// and value sizes. Not for cryptography. Deterministic for a given seed, so that a run can be
// repeated. Not thread-safe: each worker thread owns its own.
#ifndef MEMKV_TOOLS_BENCH_RANDOM_H_
#define MEMKV_TOOLS_BENCH_RANDOM_H_

#include <cstdint>

namespace memkv::bench {

// SplitMix64's finalizer: a good 64-bit mixing function (also used to derive values from keys).
inline uint64_t Mix64(uint64_t x) {
  x ^= x >> 30;
  x *= 0xbf58476d1ce4e5b9ULL;
  x ^= x >> 27;
  x *= 0x94d049bb133111ebULL;
  x ^= x >> 31;
  return x;
}

class Rng {
 public:
  explicit Rng(uint64_t seed) : state_(seed) {}

  uint64_t Next() {
    state_ += 0x9e3779b97f4a7c15ULL;
    return Mix64(state_);
  }

  // Uniform in [0, 1), 53 random bits.
  double NextDouble() { return static_cast<double>(Next() >> 11) * 0x1.0p-53; }

  // Uniform in [0, n) by Lemire's multiply-shift; the bias (< n / 2^64) is far below noise.
  // REQUIRES: n > 0.
  uint64_t Uniform(uint64_t n) {
    return static_cast<uint64_t>((static_cast<unsigned __int128>(Next()) * n) >> 64);
  }

 private:
  uint64_t state_;
};

}  // namespace memkv::bench

#endif  // MEMKV_TOOLS_BENCH_RANDOM_H_
