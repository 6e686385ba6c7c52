// memkv-bench's summary: the per-connection spread and Jain's fairness index, and the JSON.
#include <vector>

#include "gtest/gtest.h"
#include "tools/bench/report.h"

namespace memkv::bench {
namespace {

TEST(SpreadTest, EqualConnectionsAreFair) {
  const std::vector<uint64_t> counts = {100, 100, 100, 100};
  const Spread spread = ComputeSpread(counts, 2.0);
  EXPECT_DOUBLE_EQ(spread.min, 50);
  EXPECT_DOUBLE_EQ(spread.median, 50);
  EXPECT_DOUBLE_EQ(spread.max, 50);
  EXPECT_DOUBLE_EQ(spread.jain, 1.0);
}

TEST(SpreadTest, OneConnectionTakingEverythingScoresOneOverN) {
  const std::vector<uint64_t> counts = {0, 0, 0, 0, 400};
  const Spread spread = ComputeSpread(counts, 1.0);
  EXPECT_DOUBLE_EQ(spread.min, 0);
  EXPECT_DOUBLE_EQ(spread.median, 0);
  EXPECT_DOUBLE_EQ(spread.max, 400);
  EXPECT_DOUBLE_EQ(spread.jain, 0.2);
}

TEST(SpreadTest, MedianOfEvenCountAndJainInBetween) {
  const std::vector<uint64_t> counts = {30, 10, 20, 40};
  const Spread spread = ComputeSpread(counts, 1.0);
  EXPECT_DOUBLE_EQ(spread.median, 25);
  // (100)^2 / (4 * (900 + 100 + 400 + 1600)) = 10000 / 12000
  EXPECT_DOUBLE_EQ(spread.jain, 10000.0 / 12000.0);
}

TEST(ReportTest, JsonHoldsTheFiguresAndEscapesServerText) {
  BenchOptions options;
  WorkerStats stats;
  stats.gets = 90;
  stats.sets = 10;
  stats.keys_requested = 90;
  stats.hits = 45;
  stats.misses = 45;
  stats.per_connection = {100};
  for (uint64_t v = 1000; v <= 100000; v += 1000) stats.latency.Record(v);
  stats.AddError("garbage: '\x01\"quoted\"'");
  const Summary summary = Summarize(stats, 2.0, 0);
  const std::string json = FormatJson(options, stats, summary);
  EXPECT_NE(json.find("\"ops_per_sec\":50.000"), std::string::npos) << json;
  EXPECT_NE(json.find("\"hit_ratio\":0.500000"), std::string::npos) << json;
  EXPECT_NE(json.find("\"errors\":1"), std::string::npos) << json;
  EXPECT_NE(json.find("\"p50\":50.0"), std::string::npos) << json;
  EXPECT_NE(json.find("garbage: '\\u0001\\\"quoted\\\"'"), std::string::npos) << json;
  EXPECT_EQ(json.back(), '\n');
  EXPECT_EQ(json.find('\n'), json.size() - 1);  // one line
}

}  // namespace
}  // namespace memkv::bench
