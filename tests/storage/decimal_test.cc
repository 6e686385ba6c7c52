// memcached 1.6.18's incr/decr number rules (each expectation was checked against a real
// memcached 1.6.18: set the value, incr by 1, read it back).
#include "storage/decimal.h"

#include <cstdint>
#include <optional>
#include <string>

#include "gtest/gtest.h"

namespace memkv::storage {
namespace {

TEST(ParseIncrementableTest, AcceptsWhatMemcachedAccepts) {
  EXPECT_EQ(ParseIncrementable("0"), 0u);
  EXPECT_EQ(ParseIncrementable("10"), 10u);
  EXPECT_EQ(ParseIncrementable("12 "), 12u);
  EXPECT_EQ(ParseIncrementable(" 12"), 12u);
  EXPECT_EQ(ParseIncrementable("\t7"), 7u);
  EXPECT_EQ(ParseIncrementable("1 2"), 1u);  // stops at the space, ignores the rest
  EXPECT_EQ(ParseIncrementable("+5"), 5u);
  EXPECT_EQ(ParseIncrementable("5\n"), 5u);
  EXPECT_EQ(ParseIncrementable("-0"), 0u);
  EXPECT_EQ(ParseIncrementable("18446744073709551615"), UINT64_MAX);
  EXPECT_EQ(ParseIncrementable("00000000000000000000001"), 1u);  // 23 digits, fits
  EXPECT_EQ(ParseIncrementable(std::string("9\0x", 3)), 9u);
}

TEST(ParseIncrementableTest, RejectsWhatMemcachedRejects) {
  EXPECT_EQ(ParseIncrementable(""), std::nullopt);
  EXPECT_EQ(ParseIncrementable(" "), std::nullopt);
  EXPECT_EQ(ParseIncrementable("12a"), std::nullopt);
  EXPECT_EQ(ParseIncrementable("-1"), std::nullopt);
  EXPECT_EQ(ParseIncrementable("0x10"), std::nullopt);
  EXPECT_EQ(ParseIncrementable("abc"), std::nullopt);
  EXPECT_EQ(ParseIncrementable("+"), std::nullopt);
  EXPECT_EQ(ParseIncrementable("18446744073709551616"), std::nullopt);
  EXPECT_EQ(ParseIncrementable("99999999999999999999"), std::nullopt);
}

TEST(ApplyDeltaTest, IncrWrapsDecrStopsAtZero) {
  EXPECT_EQ(ApplyDelta(1, 2, false), 3u);
  EXPECT_EQ(ApplyDelta(UINT64_MAX, 1, false), 0u);
  EXPECT_EQ(ApplyDelta(UINT64_MAX, 3, false), 2u);
  EXPECT_EQ(ApplyDelta(10, 3, true), 7u);
  EXPECT_EQ(ApplyDelta(10, 10, true), 0u);
  EXPECT_EQ(ApplyDelta(10, 11, true), 0u);
  EXPECT_EQ(ApplyDelta(0, UINT64_MAX, true), 0u);
}

TEST(FormatIncrementedTest, PadsToTheOldLengthLikeMemcached) {
  EXPECT_EQ(FormatIncremented(11, 2), "11");
  EXPECT_EQ(FormatIncremented(9, 2), "9 ");    // "10" decr 1
  EXPECT_EQ(FormatIncremented(99, 3), "99 ");  // "100" decr 1
  EXPECT_EQ(FormatIncremented(10, 1), "10");   // "9" incr 1 grows
  EXPECT_EQ(FormatIncremented(0, 20), "0" + std::string(19, ' '));
  EXPECT_EQ(FormatIncremented(UINT64_MAX, 0), "18446744073709551615");
}

}  // namespace
}  // namespace memkv::storage
