// Engine::Transfer (Redis RENAME, RENAMENX, COPY): what moves with the value, when the
// destination is replaced, failures that leave the source alone, and several threads moving
// values between keys at once without losing or duplicating any.
#include <algorithm>
#include <cstdint>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "gtest/gtest.h"
#include "storage/engine.h"
#include "tests/storage/engine_test_util.h"

namespace memkv::storage {
namespace {

using testing::MakeEngine;
using testing::Mode;
using testing::MustStore;
using testing::Read;
using testing::TestOptions;
using Result = Engine::TransferResult;

TEST(EngineTransferTest, RenameMovesValueFlagsAndExpiryWithAFreshCas) {
  FakeClock clock;
  auto engine = MakeEngine(TestOptions(), &clock);
  const int64_t expiry = clock.NowMillis() + 60'000;
  const uint64_t old_cas = MustStore(*engine, "a", "value", Mode(StoreMode::kSet, 42, expiry)).cas;
  auto result = engine->Transfer("a", "b", /*keep_source=*/false, /*replace=*/true);
  ASSERT_TRUE(result.ok()) << result.status();
  EXPECT_EQ(*result, Result::kDone);
  EXPECT_FALSE(Read(*engine, "a").has_value());
  auto moved = Read(*engine, "b");
  ASSERT_TRUE(moved.has_value());
  EXPECT_EQ(moved->value, "value");
  EXPECT_EQ(moved->client_flags, 42u);
  EXPECT_EQ(moved->expiry_millis, expiry);
  EXPECT_NE(moved->cas, old_cas);
  EXPECT_EQ(engine->ItemCount(), 1u);
}

TEST(EngineTransferTest, CopyKeepsTheSource) {
  FakeClock clock;
  auto engine = MakeEngine(TestOptions(), &clock);
  MustStore(*engine, "a", "value", Mode(StoreMode::kSet, 7));
  ASSERT_EQ(*engine->Transfer("a", "b", /*keep_source=*/true, /*replace=*/false), Result::kDone);
  EXPECT_EQ(Read(*engine, "a")->value, "value");
  EXPECT_EQ(Read(*engine, "b")->value, "value");
  EXPECT_EQ(Read(*engine, "b")->client_flags, 7u);
}

TEST(EngineTransferTest, LiveDestinationIsReplacedOnlyWhenAsked) {
  FakeClock clock;
  auto engine = MakeEngine(TestOptions(), &clock);
  MustStore(*engine, "a", "new");
  MustStore(*engine, "b", "old");
  EXPECT_EQ(*engine->Transfer("a", "b", false, /*replace=*/false), Result::kDestinationExists);
  EXPECT_EQ(Read(*engine, "a")->value, "new");
  EXPECT_EQ(Read(*engine, "b")->value, "old");
  EXPECT_EQ(*engine->Transfer("a", "b", false, /*replace=*/true), Result::kDone);
  EXPECT_EQ(Read(*engine, "b")->value, "new");
}

TEST(EngineTransferTest, ExpiredDestinationDoesNotCountAndExpiredSourceIsMissing) {
  FakeClock clock;
  auto engine = MakeEngine(TestOptions(), &clock);
  MustStore(*engine, "a", "v");
  MustStore(*engine, "b", "gone", Mode(StoreMode::kSet, 0, clock.NowMillis() + 1000));
  MustStore(*engine, "c", "gone", Mode(StoreMode::kSet, 0, clock.NowMillis() + 1000));
  clock.Advance(1000);
  EXPECT_EQ(*engine->Transfer("a", "b", false, /*replace=*/false), Result::kDone);
  EXPECT_EQ(*engine->Transfer("c", "d", false, true), Result::kNoSource);
  EXPECT_EQ(*engine->Transfer("nothing", "d", true, true), Result::kNoSource);
  EXPECT_FALSE(Read(*engine, "d").has_value());
}

TEST(EngineTransferTest, SameKeyChangesNothing) {
  FakeClock clock;
  auto engine = MakeEngine(TestOptions(), &clock);
  const uint64_t cas = MustStore(*engine, "a", "v").cas;
  EXPECT_EQ(*engine->Transfer("a", "a", false, true), Result::kDone);
  EXPECT_EQ(*engine->Transfer("a", "a", false, false), Result::kDone);
  EXPECT_EQ(Read(*engine, "a")->cas, cas);
  EXPECT_EQ(*engine->Transfer("b", "b", false, true), Result::kNoSource);
}

TEST(EngineTransferTest, TooLargeForTheDestinationKeyLeavesTheSource) {
  FakeClock clock;
  EngineOptions options = TestOptions();
  auto engine = MakeEngine(options, &clock);
  // key + value exactly at the item limit: a longer destination key no longer fits.
  const std::string value(options.max_item_bytes - 1, 'x');
  MustStore(*engine, "a", value);
  MustStore(*engine, "bb", "old");
  auto result = engine->Transfer("a", "bb", false, true);
  ASSERT_FALSE(result.ok());
  EXPECT_TRUE(absl::IsResourceExhausted(result.status()));
  EXPECT_EQ(Read(*engine, "a")->value, value);
  EXPECT_EQ(Read(*engine, "bb")->value, "old");
}

// Values move between keys on several threads, RENAMENX-style (never over a live key) and
// RENAME-style onto keys known to be empty of others' values: every value stays under exactly
// one key. Bounded by a count of moves, not by time.
TEST(EngineTransferTest, ConcurrentMovesNeitherLoseNorDuplicateValues) {
  FakeClock clock;
  EngineOptions options = TestOptions();
  options.shard_count = 8;
  auto engine = MakeEngine(options, &clock);
  constexpr int kKeys = 64;
  constexpr int kValues = 16;
  constexpr int kThreads = 4;
  constexpr int kMovesPerThread = 20'000;
  auto key = [](int i) { return "key" + std::to_string(i); };
  for (int i = 0; i < kValues; ++i) MustStore(*engine, key(i), "value" + std::to_string(i));
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      std::mt19937 random(t + 1);
      for (int n = 0; n < kMovesPerThread; ++n) {
        const int from = static_cast<int>(random() % kKeys);
        const int to = static_cast<int>(random() % kKeys);
        auto result = engine->Transfer(key(from), key(to), /*keep_source=*/false,
                                       /*replace=*/false);
        ASSERT_TRUE(result.ok()) << result.status();
      }
    });
  }
  for (std::thread& thread : threads) thread.join();
  std::vector<std::string> values;
  for (int i = 0; i < kKeys; ++i) {
    if (auto item = Read(*engine, key(i))) values.push_back(item->value);
  }
  std::sort(values.begin(), values.end());
  std::vector<std::string> expected;
  for (int i = 0; i < kValues; ++i) expected.push_back("value" + std::to_string(i));
  std::sort(expected.begin(), expected.end());
  EXPECT_EQ(values, expected);
  EXPECT_EQ(engine->ItemCount(), static_cast<uint64_t>(kValues));
}

}  // namespace
}  // namespace memkv::storage
