// LatencyHistogram: bucket layout, the <1% relative error bound, quantiles against exact ones.
#include "tools/bench/histogram.h"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <vector>

#include "gtest/gtest.h"
#include "tools/bench/random.h"

namespace memkv::bench {
namespace {

TEST(LatencyHistogramTest, BucketsTileTheWholeRangeWithoutGaps) {
  EXPECT_EQ(LatencyHistogram::BucketLow(0), 0u);
  for (size_t i = 0; i + 1 < LatencyHistogram::kBucketCount; ++i) {
    ASSERT_LE(LatencyHistogram::BucketLow(i), LatencyHistogram::BucketHigh(i)) << i;
    ASSERT_EQ(LatencyHistogram::BucketHigh(i) + 1, LatencyHistogram::BucketLow(i + 1)) << i;
  }
  EXPECT_EQ(LatencyHistogram::BucketHigh(LatencyHistogram::kBucketCount - 1), UINT64_MAX);
  EXPECT_EQ(LatencyHistogram::BucketIndex(UINT64_MAX), LatencyHistogram::kBucketCount - 1);
}

TEST(LatencyHistogramTest, SmallValuesAreExact) {
  for (uint64_t v = 0; v < 256; ++v) {
    const size_t index = LatencyHistogram::BucketIndex(v);
    EXPECT_EQ(LatencyHistogram::BucketLow(index), v);
    EXPECT_EQ(LatencyHistogram::BucketHigh(index), v);
  }
}

// Every value lands in a bucket that holds it and whose midpoint is within 1/256 of it.
TEST(LatencyHistogramTest, BucketMidpointIsWithinOnePercentOfEveryValue) {
  Rng rng(7);
  std::vector<uint64_t> values = {255, 256, 257, 511, 512, 1000, 1023, 1024, UINT64_MAX};
  for (int i = 0; i < 200000; ++i) values.push_back(rng.Next() >> rng.Uniform(64));
  double worst = 0;
  for (uint64_t v : values) {
    const size_t index = LatencyHistogram::BucketIndex(v);
    const uint64_t low = LatencyHistogram::BucketLow(index);
    const uint64_t high = LatencyHistogram::BucketHigh(index);
    ASSERT_LE(low, v);
    ASSERT_GE(high, v);
    if (v == 0) continue;
    const double mid = static_cast<double>(low) + static_cast<double>(high - low) / 2;
    worst = std::max(worst, std::abs(mid - static_cast<double>(v)) / static_cast<double>(v));
  }
  EXPECT_LE(worst, 1.0 / 256 + 1e-12);
}

TEST(LatencyHistogramTest, QuantilesMatchExactOnesWithinOnePercent) {
  Rng rng(11);
  LatencyHistogram histogram;
  std::vector<uint64_t> values;
  for (int i = 0; i < 100000; ++i) {
    // Log-uniform from 1 us to 100 ms in ns, like latencies.
    const uint64_t v = static_cast<uint64_t>(1000.0 * std::pow(1e5, rng.NextDouble()));
    values.push_back(v);
    histogram.Record(v);
  }
  std::sort(values.begin(), values.end());
  for (double q : {0.0, 0.1, 0.5, 0.9, 0.99, 0.999, 0.9999, 1.0}) {
    const size_t rank = std::max<size_t>(1, static_cast<size_t>(std::ceil(q * values.size())));
    const double exact = static_cast<double>(values[rank - 1]);
    const double got = static_cast<double>(histogram.ValueAtQuantile(q));
    EXPECT_NEAR(got, exact, exact * 0.01) << "q=" << q;
  }
  EXPECT_EQ(histogram.min(), values.front());
  EXPECT_EQ(histogram.max(), values.back());
  EXPECT_EQ(histogram.count(), values.size());
}

TEST(LatencyHistogramTest, MergeEqualsRecordingIntoOne) {
  LatencyHistogram a;
  LatencyHistogram b;
  LatencyHistogram both;
  for (uint64_t v = 1; v < 100000; v += 37) {
    (v % 2 == 0 ? a : b).Record(v);
    both.Record(v);
  }
  a.Merge(b);
  EXPECT_EQ(a.count(), both.count());
  EXPECT_EQ(a.min(), both.min());
  EXPECT_EQ(a.max(), both.max());
  EXPECT_DOUBLE_EQ(a.mean(), both.mean());
  for (double q : {0.25, 0.5, 0.75, 0.99}) EXPECT_EQ(a.ValueAtQuantile(q), both.ValueAtQuantile(q));
}

TEST(LatencyHistogramTest, EmptyAndClear) {
  LatencyHistogram histogram;
  EXPECT_EQ(histogram.ValueAtQuantile(0.5), 0u);
  EXPECT_EQ(histogram.min(), 0u);
  histogram.Record(5000);
  EXPECT_EQ(histogram.ValueAtQuantile(0.99), 5000u);  // clamped to the exact max
  histogram.Clear();
  EXPECT_EQ(histogram.count(), 0u);
  EXPECT_EQ(histogram.max(), 0u);
}

}  // namespace
}  // namespace memkv::bench
