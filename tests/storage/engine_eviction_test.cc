// storage::Engine under a small memory limit: the limit holds, evictions are counted, and items
// read recently survive a fill of cold items.
#include <algorithm>
#include <string>

#include "gtest/gtest.h"
#include "storage/engine.h"
#include "tests/storage/engine_test_util.h"

namespace memkv::storage {
namespace {

using testing::MakeEngine;
using testing::MustStore;
using testing::Read;
using testing::TestOptions;

constexpr size_t kLimit = size_t{4} << 20;

EngineOptions SmallOptions() {
  EngineOptions options = TestOptions();
  options.memory_limit_bytes = kLimit;
  options.max_item_bytes = 64 << 10;
  options.shard_count = 4;
  return options;
}

std::string Key(const char* prefix, int i) { return prefix + std::to_string(i); }
std::string Value(int i) { return std::string(100, static_cast<char>('a' + i % 26)); }

TEST(EngineEvictionTest, FillBeyondTheLimitKeepsItemsBoundedAndCountsEvictions) {
  FakeClock clock;
  auto engine = MakeEngine(SmallOptions(), &clock);
  constexpr int kItems = 200'000;  // ~24 MB of keys and values into a 4 MB limit
  for (int i = 0; i < kItems; ++i) MustStore(*engine, Key("key", i), Value(i));
  const EngineStats stats = engine->Stats();
  EXPECT_LT(stats.curr_items * 110, kLimit);
  EXPECT_GT(stats.curr_items, kLimit / 2 / 200);  // the space is used, not thrown away
  EXPECT_LE(stats.bytes, kLimit);
  EXPECT_EQ(stats.evictions, kItems - stats.curr_items);
  EXPECT_EQ(stats.evicted_unfetched, stats.evictions);
  EXPECT_EQ(stats.total_items, static_cast<uint64_t>(kItems));
  // The newest items are there, the oldest are gone, and values are intact.
  EXPECT_EQ(Read(*engine, Key("key", kItems - 1))->value, Value(kItems - 1));
  EXPECT_FALSE(Read(*engine, Key("key", 0)).has_value());
}

TEST(EngineEvictionTest, RecentlyReadItemsSurviveAFillOfColdItems) {
  FakeClock clock;
  auto engine = MakeEngine(SmallOptions(), &clock);
  constexpr int kHot = 500;
  for (int i = 0; i < kHot; ++i) MustStore(*engine, Key("hot", i), Value(i));
  for (int i = 0; i < 200'000; ++i) {
    MustStore(*engine, Key("cold", i), Value(i));
    if (i % 2000 == 0) {
      for (int h = 0; h < kHot; ++h) ASSERT_TRUE(Read(*engine, Key("hot", h)).has_value()) << h;
    }
  }
  for (int h = 0; h < kHot; ++h) EXPECT_EQ(Read(*engine, Key("hot", h))->value, Value(h));
  EXPECT_GT(engine->Stats().evictions, 0u);
}

TEST(EngineEvictionTest, ExpiredItemsAreReclaimedBeforeLiveOnesAreEvicted) {
  FakeClock clock;
  auto engine = MakeEngine(SmallOptions(), &clock);
  StoreArgs expiring;
  expiring.expiry_millis = clock.NowMillis() + 1000;
  for (int i = 0; i < 100'000; ++i) {
    ASSERT_TRUE(engine->Store(Key("old", i), Value(i), expiring).ok());
  }
  clock.Advance(1000);
  for (int i = 0; i < 20'000; ++i) MustStore(*engine, Key("new", i), Value(i));
  const EngineStats stats = engine->Stats();
  EXPECT_GT(stats.reclaimed, 0u);
  for (int i = 0; i < 20'000; i += 97) EXPECT_TRUE(Read(*engine, Key("new", i)).has_value()) << i;
}

TEST(EngineEvictionTest, LargeItemsFitAndEvictSmallOnes) {
  FakeClock clock;
  auto engine = MakeEngine(SmallOptions(), &clock);
  for (int i = 0; i < 20'000; ++i) MustStore(*engine, Key("small", i), Value(i));
  const std::string big(60 << 10, 'B');
  for (int i = 0; i < 200; ++i) MustStore(*engine, Key("big", i), big);
  EXPECT_EQ(Read(*engine, Key("big", 199))->value, big);
  EXPECT_LE(engine->Stats().bytes, kLimit);
}

TEST(EngineEvictionTest, OverwritingTheSameKeysKeepsEverything) {
  FakeClock clock;
  auto engine = MakeEngine(SmallOptions(), &clock);
  // 2,000 keys x 110 bytes fit easily; rewriting them many times must not evict any.
  for (int round = 0; round < 50; ++round) {
    for (int i = 0; i < 2000; ++i) MustStore(*engine, Key("k", i), Value(i + round));
  }
  EXPECT_EQ(engine->ItemCount(), 2000u);
  EXPECT_EQ(engine->Stats().evictions, 0u);
  for (int i = 0; i < 2000; i += 13) EXPECT_EQ(Read(*engine, Key("k", i))->value, Value(i + 49));
}

// memcached -m 3 and its default -I 1m: one shard. A large value's record is ~50 bytes, so the
// records of all of them share one segment; making room must evict one value at a time, not
// clean that segment and lose every one (the cache held 2 to 22 of these by turns before).
TEST(EngineEvictionTest, LargeValuesAreEvictedOneAtATime) {
  FakeClock clock;
  EngineOptions options = TestOptions();
  options.memory_limit_bytes = size_t{3} << 20;
  options.max_item_bytes = size_t{1} << 20;
  auto engine = MakeEngine(options, &clock);
  ASSERT_EQ(engine->options().shard_count, 1);
  const std::string value(66 << 10, 'v');
  const uint64_t fits = options.memory_limit_bytes / value.size();  // 46, less the overheads
  uint64_t fewest = fits;
  for (int i = 0; i < 300; ++i) {
    MustStore(*engine, Key("large", i), value);
    if (i >= static_cast<int>(fits)) fewest = std::min(fewest, engine->ItemCount());
    ASSERT_LE(engine->Stats().memory_bytes, options.memory_limit_bytes);
  }
  EXPECT_GE(fewest * 10, fits * 9);  // at least 90% of what fits, at every step
  // The newest are the ones kept.
  for (int i = 300 - static_cast<int>(fewest); i < 300; ++i) {
    EXPECT_TRUE(Read(*engine, Key("large", i)).has_value()) << i;
  }
}

// Evicting large values one at a time keeps the second chance: one read since the cleaner last
// passed survives a flood of cold ones.
TEST(EngineEvictionTest, ARecentlyReadLargeValueSurvivesAFloodOfLargeOnes) {
  FakeClock clock;
  EngineOptions options = TestOptions();
  options.memory_limit_bytes = size_t{3} << 20;
  options.max_item_bytes = size_t{1} << 20;
  auto engine = MakeEngine(options, &clock);
  const std::string value(66 << 10, 'v');
  MustStore(*engine, "hot", value);
  for (int i = 0; i < 300; ++i) {
    ASSERT_TRUE(Read(*engine, "hot").has_value()) << i;
    MustStore(*engine, Key("cold", i), value);
  }
  EXPECT_TRUE(Read(*engine, "hot").has_value());
}

}  // namespace
}  // namespace memkv::storage
