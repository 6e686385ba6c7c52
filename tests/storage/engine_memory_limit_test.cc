// Engine::SetMemoryLimit and ScanShard (memcached's cache_memlimit and per-class dumps): lowering
// the limit evicts every shard down to its new budget and later stores keep within it; a limit
// too small for the shards' segments is refused, changing nothing; raising it is accepted;
// ScanShard over every shard shows each live key exactly once.
#include <cstdint>
#include <set>
#include <string>

#include "absl/status/status.h"
#include "gtest/gtest.h"
#include "storage/engine.h"
#include "tests/storage/engine_test_util.h"

namespace memkv::storage {
namespace {

using testing::MakeEngine;
using testing::MustStore;
using testing::TestOptions;

EngineOptions SixtyFourMegabytes() {
  EngineOptions options = TestOptions();
  options.memory_limit_bytes = size_t{64} << 20;
  return options;
}

void Fill(Engine& engine, int count, size_t value_bytes) {
  const std::string value(value_bytes, 'v');
  for (int i = 0; i < count; ++i) MustStore(engine, "fill" + std::to_string(i), value);
}

TEST(EngineMemoryLimitTest, LoweringEvictsDownToTheNewLimit) {
  FakeClock clock;
  auto engine = MakeEngine(SixtyFourMegabytes(), &clock);
  Fill(*engine, 6000, 10000);
  const EngineStats before = engine->Stats();
  ASSERT_GT(before.memory_bytes, size_t{40} << 20);

  ASSERT_TRUE(engine->SetMemoryLimit(size_t{16} << 20).ok());
  const EngineStats after = engine->Stats();
  EXPECT_EQ(engine->memory_limit_bytes(), size_t{16} << 20);
  EXPECT_EQ(after.limit_maxbytes, size_t{16} << 20);
  EXPECT_LE(after.memory_bytes, size_t{16} << 20);
  EXPECT_GT(after.evictions, before.evictions);
  EXPECT_LT(after.curr_items, before.curr_items);
  EXPECT_EQ(engine->options().memory_limit_bytes, size_t{64} << 20);  // the starting limit

  // Stores go on and keep within the new limit.
  Fill(*engine, 3000, 10000);
  EXPECT_LE(engine->Stats().memory_bytes, size_t{16} << 20);
}

TEST(EngineMemoryLimitTest, TooSmallForTheShardsIsRefusedAndChangesNothing) {
  FakeClock clock;
  auto engine = MakeEngine(SixtyFourMegabytes(), &clock);
  Fill(*engine, 100, 1000);
  const absl::Status status = engine->SetMemoryLimit(size_t{1} << 20);
  EXPECT_TRUE(absl::IsInvalidArgument(status)) << status;
  EXPECT_EQ(engine->memory_limit_bytes(), size_t{64} << 20);
  EXPECT_EQ(engine->Stats().curr_items, 100u);
}

TEST(EngineMemoryLimitTest, RaisingIsAccepted) {
  FakeClock clock;
  auto engine = MakeEngine(SixtyFourMegabytes(), &clock);
  ASSERT_TRUE(engine->SetMemoryLimit(size_t{16} << 20).ok());
  ASSERT_TRUE(engine->SetMemoryLimit(size_t{128} << 20).ok());
  EXPECT_EQ(engine->Stats().limit_maxbytes, size_t{128} << 20);
  Fill(*engine, 9000, 10000);  // 90 MB: more than the starting limit holds
  EXPECT_GT(engine->Stats().memory_bytes, size_t{64} << 20);
  EXPECT_LE(engine->Stats().memory_bytes, size_t{128} << 20);
}

TEST(EngineScanShardTest, EveryShardWalkedShowsEachKeyOnce) {
  FakeClock clock;
  auto engine = MakeEngine(SixtyFourMegabytes(), &clock);
  std::multiset<std::string> stored;
  for (int i = 0; i < 5000; ++i) {
    stored.insert("key" + std::to_string(i));
    MustStore(*engine, "key" + std::to_string(i), "v");
  }
  std::multiset<std::string> seen;
  const size_t shards = static_cast<size_t>(engine->options().shard_count);
  ASSERT_GT(shards, 1u);
  for (size_t shard = 0; shard < shards; ++shard) {
    uint64_t cursor = 0;
    do {
      cursor = engine->ScanShard(shard, cursor, 8, 16,
                                 [&](const ItemView& item) { seen.emplace(item.key); });
    } while (cursor != 0);
  }
  EXPECT_EQ(seen, stored);
  // A shard that does not exist ends at once.
  EXPECT_EQ(engine->ScanShard(shards, 0, 8, 16, [](const ItemView&) { FAIL(); }), 0u);
}

}  // namespace
}  // namespace memkv::storage
