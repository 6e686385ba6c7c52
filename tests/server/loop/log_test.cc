// The log's line format (what an operator greps for and journald stores) and the throttle that
// keeps a repeating event to one line per period.
#include "server/loop/log.h"

#include <cstdint>

#include "absl/time/civil_time.h"
#include "absl/time/clock.h"
#include "gtest/gtest.h"

namespace memkv::server {
namespace {

TEST(LogTest, LineHasUtcTimestampLevelAndOneNewline) {
  absl::Time when =
      absl::FromCivil(absl::CivilSecond(2026, 12, 4, 23, 42, 46), absl::UTCTimeZone()) +
      absl::Milliseconds(7);
  EXPECT_EQ(FormatLogLine(when, LogLevel::kWarning, "connection limit reached"),
            "2026-12-04T23:42:46.007Z WARN  connection limit reached\n");
  EXPECT_EQ(FormatLogLine(when, LogLevel::kInfo, "stopped\n"),
            "2026-12-04T23:42:46.007Z INFO  stopped\n");
  EXPECT_EQ(FormatLogLine(when, LogLevel::kError, "x").substr(24), " ERROR x\n");
  EXPECT_EQ(FormatLogLine(when, LogLevel::kDebug, "x").substr(24), " DEBUG x\n");
}

TEST(LogThrottleTest, OneLinePerPeriodCountingTheRest) {
  LogThrottle throttle(absl::Hours(1));
  uint64_t held_back = 99;
  EXPECT_TRUE(throttle.Allow(&held_back));
  EXPECT_EQ(held_back, 0u);
  for (int i = 0; i < 5; ++i) EXPECT_FALSE(throttle.Allow(&held_back));

  LogThrottle fast(absl::ZeroDuration());
  EXPECT_TRUE(fast.Allow(&held_back));
  EXPECT_EQ(held_back, 0u);
  EXPECT_TRUE(fast.Allow(&held_back));  // a zero period holds nothing back
}

TEST(LogThrottleTest, TheNextLineSaysHowManyWereHeldBack) {
  LogThrottle throttle(absl::Milliseconds(50));
  uint64_t held_back = 0;
  ASSERT_TRUE(throttle.Allow(&held_back));
  int refused = 0;
  // Until the period is over: however long that takes on a loaded machine.
  while (!throttle.Allow(&held_back)) ++refused;
  EXPECT_GT(refused, 0);
  EXPECT_EQ(held_back, static_cast<uint64_t>(refused));
}

}  // namespace
}  // namespace memkv::server
