// LatencyHistogram: a log-linear histogram of non-negative integers (nanoseconds here), in the
// manner of HdrHistogram: values below 256 have a bucket each; above, every power-of-two range
// [2^m, 2^(m+1)) is cut into 128 equal buckets. A bucket's width is thus at most 1/128 of its
// lower bound, and reporting its midpoint is off by at most 1/256 (0.4%) of the true value, over
// the whole 64-bit range, in a fixed 7,424 counters (58 KiB). Min and max are kept exactly.
//
// Recording is a few instructions and never allocates, so each worker thread records into its
// own histogram and they are merged at the end. Not thread-safe: one owner at a time.
#ifndef MEMKV_TOOLS_BENCH_HISTOGRAM_H_
#define MEMKV_TOOLS_BENCH_HISTOGRAM_H_

#include <cstddef>
#include <cstdint>
#include <vector>

namespace memkv::bench {

class LatencyHistogram {
 public:
  static constexpr int kSubBucketBits = 7;                             // 128 per power of two
  static constexpr size_t kLinearLimit = size_t{2} << kSubBucketBits;  // 256 exact buckets
  static constexpr size_t kBucketCount =
      kLinearLimit + (64 - kSubBucketBits - 1) * (kLinearLimit / 2);

  LatencyHistogram();

  void Record(uint64_t value) {
    ++counts_[BucketIndex(value)];
    ++count_;
    sum_ += value;
    if (value < min_) min_ = value;
    if (value > max_) max_ = value;
  }
  void Merge(const LatencyHistogram& other);
  void Clear();

  uint64_t count() const { return count_; }
  uint64_t min() const { return count_ == 0 ? 0 : min_; }
  uint64_t max() const { return max_; }
  double mean() const;

  // The value at quantile q in [0, 1]: the smallest recorded value v such that at least
  // ceil(q * count) values are <= v, within the relative error above. 0 when empty.
  uint64_t ValueAtQuantile(double q) const;

  static size_t BucketIndex(uint64_t value) {
    if (value < kLinearLimit) return static_cast<size_t>(value);
    const int msb = 63 - __builtin_clzll(value);
    const int shift = msb - kSubBucketBits;  // >= 1
    const uint64_t sub = value >> shift;     // in [128, 256)
    return kLinearLimit + static_cast<size_t>(shift - 1) * (kLinearLimit / 2) +
           static_cast<size_t>(sub - kLinearLimit / 2);
  }
  // The smallest and largest value that land in bucket `index`.
  static uint64_t BucketLow(size_t index);
  static uint64_t BucketHigh(size_t index);

 private:
  std::vector<uint64_t> counts_;
  uint64_t count_ = 0;
  uint64_t sum_ = 0;
  uint64_t min_ = UINT64_MAX;
  uint64_t max_ = 0;
};

}  // namespace memkv::bench

#endif  // MEMKV_TOOLS_BENCH_HISTOGRAM_H_
