#include <string>
#include <string_view>
#include <vector>

#include "gtest/gtest.h"
#include "tools/bench/cache_aside.h"
#include "tools/bench/options.h"

namespace memkv::bench {
namespace {

BenchOptions Parse(std::vector<std::string_view> args) {
  absl::StatusOr<BenchOptions> options = ParseBenchOptions(args);
  EXPECT_TRUE(options.ok()) << options.status();
  return options.ok() ? *options : BenchOptions();
}

TEST(CacheAsideSourceTest, EtcSizesFollowThePublishedDistribution) {
  const BenchOptions options = Parse({"--cache-aside", "-v", "etc"});
  ASSERT_EQ(options.value_mix, ValueMix::kEtc);
  double sum = 0;
  size_t above_1k = 0;
  std::vector<size_t> sizes;
  constexpr int kKeys = 200'000;
  for (uint64_t key = 0; key < kKeys; ++key) {
    const size_t size = ValueSizeFor(options, key);
    ASSERT_GE(size, kEtcValueMin);
    ASSERT_LE(size, kEtcValueMax);
    EXPECT_EQ(size, ValueSizeFor(options, key)) << "a key's size is fixed";
    sum += static_cast<double>(size);
    if (size > 1024) ++above_1k;
  }
  // Generalized Pareto (scale 214.476, shape 0.348238): mean 329, P(> 1024) = 6.0%.
  EXPECT_NEAR(sum / kKeys, 329, 15);
  EXPECT_NEAR(static_cast<double>(above_1k) / kKeys, 0.060, 0.004);
}

TEST(CacheAsideSourceTest, RangeSizesStayInTheRange) {
  const BenchOptions options = Parse({"--cache-aside", "-v", "10-20"});
  for (uint64_t key = 0; key < 10'000; ++key) {
    const size_t size = ValueSizeFor(options, key);
    ASSERT_GE(size, 10u);
    ASSERT_LE(size, 20u);
  }
}

TEST(CacheAsideSourceTest, TheSeedFixesTheSequence) {
  BenchOptions a = Parse({"--cache-aside", "--distribution", "zipf:0.99", "-k", "1000000"});
  BenchOptions b = a;
  b.seed = 2;
  SyntheticSource first(a), again(a), other(b);
  int differ = 0;
  for (int i = 0; i < 1000; ++i) {
    CacheAsideRequest x, y, z;
    ASSERT_TRUE(first.Next(&x) && again.Next(&y) && other.Next(&z));
    EXPECT_EQ(x.key, y.key);
    EXPECT_FALSE(x.is_set);
    EXPECT_LT(x.key, 1'000'000u);
    differ += x.key != z.key ? 1 : 0;
  }
  EXPECT_GT(differ, 500);
}

TEST(CacheAsideSourceTest, ParsesTraces) {
  absl::StatusOr<Trace> trace =
      ParseTrace("# comment\n\nget a 10\r\nset  b\t20\nget a 30\n  get c 0\n");
  ASSERT_TRUE(trace.ok()) << trace.status();
  ASSERT_EQ(trace->requests.size(), 4u);
  EXPECT_EQ(trace->distinct_keys, 3u);
  EXPECT_EQ(trace->min_size, 0u);
  EXPECT_EQ(trace->max_size, 30u);
  EXPECT_FALSE(trace->requests[0].is_set);
  EXPECT_TRUE(trace->requests[1].is_set);
  EXPECT_EQ(trace->requests[2].key, trace->requests[0].key);
  EXPECT_EQ(trace->requests[2].size, 30u);
  EXPECT_EQ(trace->requests[3].key, 2u);
  TraceSource source(&*trace);
  CacheAsideRequest request;
  int count = 0;
  while (source.Next(&request)) ++count;
  EXPECT_EQ(count, 4);
}

TEST(CacheAsideSourceTest, RejectsBadTraceLines) {
  for (std::string_view bad : {"put a 1\n", "get a\n", "get a 1 2\n", "get a -1\n",
                               "get a 99999999999\n", "# only a comment\n"}) {
    EXPECT_FALSE(ParseTrace(bad).ok()) << bad;
  }
  absl::StatusOr<Trace> trace = ParseTrace("get a 1\nget b x\n");
  ASSERT_FALSE(trace.ok());
  EXPECT_NE(std::string(trace.status().message()).find("line 2"), std::string::npos);
}

TEST(CacheAsideSourceTest, OptionsRefuseWhatWouldChangeTheSequence) {
  for (std::vector<std::string_view> args :
       {std::vector<std::string_view>{"--cache-aside", "-c", "2"},
        std::vector<std::string_view>{"--cache-aside", "-t", "2"},
        std::vector<std::string_view>{"--trace", "x", "-r", "100"},
        std::vector<std::string_view>{"--cache-aside", "--preload"},
        std::vector<std::string_view>{"--cache-aside", "-m", "4"}}) {
    EXPECT_FALSE(ParseBenchOptions(args).ok()) << args[0] << " " << args[1];
  }
  EXPECT_EQ(Parse({"--trace", "t.trace"}).trace_path, "t.trace");
  EXPECT_TRUE(Parse({"--trace", "t.trace"}).cache_aside);
  EXPECT_EQ(Parse({"--cache-aside", "--interval", "7"}).interval, 7u);
}

}  // namespace
}  // namespace memkv::bench
