// ZipfGenerator: ranks stay in range and their frequencies follow 1 / rank^theta.
#include "tools/bench/zipf.h"

#include <cmath>
#include <cstdint>
#include <vector>

#include "gtest/gtest.h"
#include "tools/bench/random.h"

namespace memkv::bench {
namespace {

class ZipfTest : public testing::TestWithParam<double> {};

// With 2 million draws, each of the first ranks' counts must be within a few standard deviations
// of the exact expectation, and the head must fall off as 1/rank^theta.
TEST_P(ZipfTest, FrequenciesFollowThePowerLaw) {
  const double theta = GetParam();
  constexpr uint64_t kN = 1000;
  constexpr int kDraws = 2'000'000;
  const ZipfGenerator zipf(kN, theta);
  Rng rng(42);
  std::vector<int> counts(kN, 0);
  for (int i = 0; i < kDraws; ++i) {
    const uint64_t rank = zipf.Next(rng);
    ASSERT_LT(rank, kN);
    ++counts[rank];
  }
  double normaliser = 0;
  for (uint64_t k = 1; k <= kN; ++k) normaliser += std::pow(static_cast<double>(k), -theta);
  for (uint64_t rank : {0, 1, 2, 3, 4, 9, 19, 49, 99, 499, 999}) {
    const double expected = std::pow(rank + 1.0, -theta) / normaliser * kDraws;
    EXPECT_NEAR(counts[rank], expected, 5 * std::sqrt(expected) + 1) << "rank " << rank;
  }
  // The law itself, independent of the normalisation: count(1) / count(10) ~ 10^theta.
  const double ratio = static_cast<double>(counts[0]) / counts[9];
  EXPECT_NEAR(std::log10(ratio), theta, 0.05);
}

INSTANTIATE_TEST_SUITE_P(Thetas, ZipfTest, testing::Values(0.5, 0.99, 1.0, 1.2));

TEST(ZipfTest, ZeroThetaIsUniform) {
  const ZipfGenerator zipf(10, 0);
  Rng rng(1);
  std::vector<int> counts(10, 0);
  for (int i = 0; i < 100000; ++i) ++counts[zipf.Next(rng)];
  for (int count : counts) EXPECT_NEAR(count, 10000, 500);
}

TEST(ZipfTest, OneKeyAndHugeKeySpaces) {
  Rng rng(3);
  const ZipfGenerator one(1, 0.99);
  for (int i = 0; i < 1000; ++i) ASSERT_EQ(one.Next(rng), 0u);
  const uint64_t n = uint64_t{1} << 40;  // costs nothing to set up
  const ZipfGenerator huge(n, 0.99);
  int zeros = 0;
  for (int i = 0; i < 100000; ++i) {
    const uint64_t rank = huge.Next(rng);
    ASSERT_LT(rank, n);
    zeros += rank == 0 ? 1 : 0;
  }
  EXPECT_GT(zeros, 0);
}

}  // namespace
}  // namespace memkv::bench
