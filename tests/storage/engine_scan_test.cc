// Engine::Scan and RandomCursor: a walk shows every live key, in bounded steps, skipping expired
// ones; keys present throughout a walk with stores (and bucket splits) between its steps are all
// shown; a random cursor leads to live keys.
#include <cstdint>
#include <set>
#include <string>

#include "gtest/gtest.h"
#include "storage/engine.h"
#include "tests/storage/engine_test_util.h"

namespace memkv::storage {
namespace {

using testing::MakeEngine;
using testing::Mode;
using testing::MustStore;
using testing::TestOptions;

// Walks to the end in steps of `max_buckets` / `max_items`, counting the steps.
std::multiset<std::string> WalkAll(Engine& engine, size_t max_buckets, size_t max_items,
                                   int* steps = nullptr) {
  std::multiset<std::string> keys;
  uint64_t cursor = 0;
  int count = 0;
  do {
    cursor = engine.Scan(cursor, max_buckets, max_items,
                         [&](const ItemView& item) { keys.emplace(item.key); });
    ++count;
  } while (cursor != 0);
  if (steps != nullptr) *steps = count;
  return keys;
}

TEST(EngineScanTest, EmptyEngineEndsTheWalk) {
  FakeClock clock;
  auto engine = MakeEngine(TestOptions(), &clock);
  int steps = 0;
  EXPECT_TRUE(WalkAll(*engine, 1'000'000, 10, &steps).empty());
  EXPECT_EQ(steps, 1);
}

TEST(EngineScanTest, ShowsEveryLiveKeyOnceAndSkipsExpiredOnes) {
  FakeClock clock;
  auto engine = MakeEngine(TestOptions(), &clock);
  std::multiset<std::string> expected;
  for (int i = 0; i < 500; ++i) {
    MustStore(*engine, "k" + std::to_string(i), "v");
    expected.insert("k" + std::to_string(i));
  }
  MustStore(*engine, "short", "v", Mode(StoreMode::kSet, 0, clock.NowMillis() + 10));
  clock.Advance(10);
  EXPECT_EQ(WalkAll(*engine, 1'000'000, 1'000'000), expected);
  int steps = 0;
  EXPECT_EQ(WalkAll(*engine, 100, 10, &steps), expected);
  // At most 10 items (a bucket more at most) or 100 buckets per step: many steps.
  EXPECT_GT(steps, 50);
}

TEST(EngineScanTest, StepsStopAtTheirBounds) {
  FakeClock clock;
  auto engine = MakeEngine(TestOptions(), &clock);
  for (int i = 0; i < 2000; ++i) MustStore(*engine, "k" + std::to_string(i), "v");
  size_t shown = 0;
  const uint64_t cursor = engine->Scan(0, 1'000'000, 5, [&](const ItemView&) { ++shown; });
  EXPECT_NE(cursor, 0u);
  EXPECT_GE(shown, 5u);
  EXPECT_LT(shown, 20u);  // whole buckets, each of about one item
  shown = 0;
  engine->Scan(0, 1, 1'000'000, [&](const ItemView&) { ++shown; });
  EXPECT_LT(shown, 20u);  // one bucket
}

TEST(EngineScanTest, KeysPresentThroughoutAreShownDespiteGrowthBetweenSteps) {
  FakeClock clock;
  EngineOptions options = TestOptions();
  options.shard_count = 2;
  auto engine = MakeEngine(options, &clock);
  std::set<std::string> kept;
  for (int i = 0; i < 3000; ++i) {
    MustStore(*engine, "kept" + std::to_string(i), "v");
    kept.insert("kept" + std::to_string(i));
  }
  std::set<std::string> seen;
  uint64_t cursor = 0;
  int added = 0;
  do {
    cursor = engine->Scan(cursor, 64, 16, [&](const ItemView& item) { seen.emplace(item.key); });
    // Each step is followed by stores that split buckets, behind and ahead of the cursor.
    for (int i = 0; i < 20; ++i) MustStore(*engine, "new" + std::to_string(added++), "v");
  } while (cursor != 0);
  for (const std::string& key : kept) EXPECT_TRUE(seen.count(key)) << key;
}

TEST(EngineScanTest, RandomCursorLeadsToLiveKeys) {
  FakeClock clock;
  auto engine = MakeEngine(TestOptions(), &clock);
  std::set<std::string> stored;
  for (int i = 0; i < 200; ++i) {
    MustStore(*engine, "k" + std::to_string(i), "v");
    stored.insert("k" + std::to_string(i));
  }
  std::set<std::string> picked;
  for (uint64_t r = 1; r < 400; ++r) {
    std::string key;
    uint64_t cursor = engine->RandomCursor(r * 0x9E3779B97F4A7C15ull);
    do {
      cursor = engine->Scan(cursor, 1024, 1, [&](const ItemView& item) {
        if (key.empty()) key = item.key;
      });
    } while (key.empty() && cursor != 0);
    if (!key.empty()) {
      EXPECT_TRUE(stored.count(key)) << key;
      picked.insert(key);
    }
  }
  // Different starting points lead to many different keys.
  EXPECT_GT(picked.size(), 50u);
}

}  // namespace
}  // namespace memkv::storage
