// ZipfGenerator: draws ranks 0..n-1 with P(rank k) proportional to 1 / (k + 1)^theta, for any
// theta >= 0 and any n, in O(1) time per draw and O(1) setup.
//
// The method is rejection-inversion (W. Hormann and G. Derflinger, "Rejection-inversion to
// generate variates from monotone discrete distributions", ACM TOMACS 6(3), 1996), as in Apache
// Commons' RejectionInversionZipfSampler. It is exact, unlike Gray et al.'s approximation used by
// YCSB, and needs no O(n) zeta sum, so a key space of 10^9 costs nothing to set up.
//
// Immutable after construction; Next() takes the caller's Rng, so one generator may be shared by
// threads that each bring their own Rng.
#ifndef MEMKV_TOOLS_BENCH_ZIPF_H_
#define MEMKV_TOOLS_BENCH_ZIPF_H_

#include <cstdint>

#include "tools/bench/random.h"

namespace memkv::bench {

class ZipfGenerator {
 public:
  // REQUIRES: n >= 1, theta >= 0 (theta = 0 is uniform).
  ZipfGenerator(uint64_t n, double theta);

  // A rank in [0, n): 0 is the most popular.
  uint64_t Next(Rng& rng) const;

 private:
  double H(double x) const;
  double HIntegral(double x) const;
  double HIntegralInverse(double x) const;

  uint64_t n_;
  double theta_;
  double h_integral_x1_;
  double h_integral_n_;
  double s_;
};

}  // namespace memkv::bench

#endif  // MEMKV_TOOLS_BENCH_ZIPF_H_
