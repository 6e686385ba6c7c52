#include "tools/bench/zipf.h"

#include <algorithm>
#include <cmath>

namespace memkv::bench {
namespace {

// log1p(x) / x, accurate near 0.
double Helper1(double x) {
  if (std::abs(x) > 1e-8) return std::log1p(x) / x;
  return 1 - x * (0.5 - x * (1.0 / 3.0 - 0.25 * x));
}

// expm1(x) / x, accurate near 0.
double Helper2(double x) {
  if (std::abs(x) > 1e-8) return std::expm1(x) / x;
  return 1 + x * 0.5 * (1 + x / 3.0 * (1 + 0.25 * x));
}

}  // namespace

ZipfGenerator::ZipfGenerator(uint64_t n, double theta) : n_(n), theta_(theta) {
  h_integral_x1_ = HIntegral(1.5) - 1.0;
  h_integral_n_ = HIntegral(static_cast<double>(n_) + 0.5);
  s_ = 2.0 - HIntegralInverse(HIntegral(2.5) - H(2.0));
}

// The density 1/x^theta that bounds the probabilities from above.
double ZipfGenerator::H(double x) const { return std::exp(-theta_ * std::log(x)); }

// An antiderivative of H: (x^(1-theta) - 1) / (1 - theta), or log(x) when theta = 1.
double ZipfGenerator::HIntegral(double x) const {
  const double log_x = std::log(x);
  return Helper2((1.0 - theta_) * log_x) * log_x;
}

double ZipfGenerator::HIntegralInverse(double x) const {
  double t = x * (1.0 - theta_);
  if (t < -1.0) t = -1.0;  // rounding; the exact value is never below -1
  return std::exp(Helper1(t) * x);
}

uint64_t ZipfGenerator::Next(Rng& rng) const {
  const double max_k = static_cast<double>(n_);
  while (true) {
    const double u = h_integral_n_ + rng.NextDouble() * (h_integral_x1_ - h_integral_n_);
    const double x = HIntegralInverse(u);
    const double k = std::clamp(std::floor(x + 0.5), 1.0, max_k);
    // Accept at once in the region where the hat is known to be tight, else test properly.
    if (k - x <= s_ || u >= HIntegral(k + 0.5) - H(k)) return static_cast<uint64_t>(k) - 1;
  }
}

}  // namespace memkv::bench
