// RespCommandCounters: error codes kept by code up to the room, the rest still counted; snapshots
// add up across threads and subtract a baseline as CONFIG RESETSTAT needs.
#include "server/exec/resp_command_counters.h"

#include <string>

#include "gtest/gtest.h"

namespace memkv::server {
namespace {

TEST(RespErrorCountersTest, CountsByCodeUpToTheRoom) {
  RespErrorCounters errors;
  errors.Add("ERR");
  errors.Add("NOAUTH");
  errors.Add("ERR");
  ASSERT_EQ(errors.size(), 2u);
  EXPECT_EQ(errors.code(0), "ERR");
  EXPECT_EQ(errors.count(0), 2u);
  EXPECT_EQ(errors.code(1), "NOAUTH");
  for (size_t i = 0; i < kRespErrorCodes + 3; ++i) errors.Add("E" + std::to_string(i));
  EXPECT_EQ(errors.size(), kRespErrorCodes);
  EXPECT_EQ(errors.untracked(), 5u) << "the codes past the room";
  errors.Add(std::string(100, 'X'));  // cut to Redis's 31 bytes, and no room left
  EXPECT_EQ(errors.untracked(), 6u);
  EXPECT_EQ(RespCountersSnapshot::Of({}).TotalErrors(), 0u);
}

TEST(RespCountersSnapshotTest, AddsThreadsAndSubtractsABaseline) {
  RespCommandCounters one, two;
  one.commands[3].calls.Add(2);
  one.commands[3].nanos.Add(5000);
  one.errors.Add("ERR");
  two.commands[3].calls.Add(1);
  two.commands[4].rejected_calls.Add();
  two.errors.Add("WRONGPASS");
  two.errors.Add("ERR");
  RespCountersSnapshot sum = RespCountersSnapshot::Of(one);
  sum.Add(RespCountersSnapshot::Of(two));
  EXPECT_EQ(sum.commands[3].calls, 3u);
  EXPECT_EQ(sum.commands[3].nanos, 5000u);
  EXPECT_EQ(sum.commands[4].rejected_calls, 1u);
  EXPECT_EQ(sum.TotalErrors(), 3u);

  const RespCountersSnapshot base = RespCountersSnapshot::Of(one);
  one.commands[3].calls.Add();
  one.errors.Add("OOM");
  const RespCountersSnapshot since = RespCountersSnapshot::Of(one).Minus(base);
  EXPECT_EQ(since.commands[3].calls, 1u);
  EXPECT_EQ(since.commands[3].nanos, 0u);
  ASSERT_EQ(since.errors.size(), 1u) << "ERR did not happen since: not listed, as Redis";
  EXPECT_EQ(since.errors[0].first, "OOM");
}

}  // namespace
}  // namespace memkv::server
