#include "tools/bench/histogram.h"

#include <algorithm>
#include <cmath>

namespace memkv::bench {

LatencyHistogram::LatencyHistogram() : counts_(kBucketCount, 0) {}

void LatencyHistogram::Merge(const LatencyHistogram& other) {
  for (size_t i = 0; i < kBucketCount; ++i) counts_[i] += other.counts_[i];
  count_ += other.count_;
  sum_ += other.sum_;
  min_ = std::min(min_, other.min_);
  max_ = std::max(max_, other.max_);
}

void LatencyHistogram::Clear() {
  std::fill(counts_.begin(), counts_.end(), 0);
  count_ = 0;
  sum_ = 0;
  min_ = UINT64_MAX;
  max_ = 0;
}

double LatencyHistogram::mean() const {
  return count_ == 0 ? 0.0 : static_cast<double>(sum_) / static_cast<double>(count_);
}

uint64_t LatencyHistogram::BucketLow(size_t index) {
  if (index < kLinearLimit) return index;
  const size_t half = kLinearLimit / 2;
  const int shift = static_cast<int>((index - kLinearLimit) / half) + 1;
  const uint64_t sub = (index - kLinearLimit) % half + half;
  return sub << shift;
}

uint64_t LatencyHistogram::BucketHigh(size_t index) {
  if (index < kLinearLimit) return index;
  const int shift = static_cast<int>((index - kLinearLimit) / (kLinearLimit / 2)) + 1;
  return BucketLow(index) + ((uint64_t{1} << shift) - 1);
}

uint64_t LatencyHistogram::ValueAtQuantile(double q) const {
  if (count_ == 0) return 0;
  q = std::clamp(q, 0.0, 1.0);
  const uint64_t rank =
      std::max<uint64_t>(1, static_cast<uint64_t>(std::ceil(q * static_cast<double>(count_))));
  uint64_t seen = 0;
  for (size_t i = 0; i < kBucketCount; ++i) {
    seen += counts_[i];
    if (seen >= rank) {
      const uint64_t low = BucketLow(i);
      const uint64_t mid = low + (BucketHigh(i) - low) / 2;
      return std::clamp(mid, min_, max_);
    }
  }
  return max_;
}

}  // namespace memkv::bench
