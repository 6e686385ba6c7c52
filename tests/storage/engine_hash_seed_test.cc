// storage::Engine's key hash is seeded per engine (EngineOptions::hash_seed, drawn from the
// kernel when 0): keys crafted to share one bucket chain under one seed spread out under another.
#include <cstdint>
#include <string>
#include <vector>

#include "gtest/gtest.h"
#include "storage/engine.h"
#include "storage/key_hash.h"
#include "tests/storage/engine_test_util.h"

namespace memkv::storage {
namespace {

using testing::MakeEngine;
using testing::MustStore;
using testing::TestOptions;

constexpr uint64_t kSeedA = 0x9e3779b97f4a7c15;
constexpr uint64_t kSeedB = 0xc2b2ae3d27d4eb4f;
// A fresh shard's index has 1,024 buckets and a one-shard engine takes the bucket from the hash's
// low bits: keys whose hashes agree there share one chain until the index grows past them.
constexpr uint64_t kBucketMask = 1023;
constexpr size_t kCrafted = 64;

EngineOptions OneShard(uint64_t seed) {
  EngineOptions options = TestOptions();
  options.shard_count = 1;
  options.hash_seed = seed;
  return options;
}

// What an attacker who knew the seed would do: try keys until kCrafted of them fall in bucket 0
// (about 65,000 candidates, a few milliseconds).
std::vector<std::string> KeysSharingOneBucket(uint64_t seed) {
  std::vector<std::string> keys;
  for (uint64_t i = 0; keys.size() < kCrafted; ++i) {
    std::string key = "flood:" + std::to_string(i);
    if ((KeyHash(key, seed) & kBucketMask) == 0) keys.push_back(std::move(key));
  }
  return keys;
}

TEST(EngineHashSeedTest, KeysCraftedForOneSeedSpreadUnderAnother) {
  FakeClock clock;
  const std::vector<std::string> keys = KeysSharingOneBucket(kSeedA);
  auto engine_a = MakeEngine(OneShard(kSeedA), &clock);
  auto engine_b = MakeEngine(OneShard(kSeedB), &clock);
  for (const std::string& key : keys) {
    MustStore(*engine_a, key, "v");
    MustStore(*engine_b, key, "v");
  }
  ASSERT_EQ(engine_a->ItemCount(), kCrafted);
  ASSERT_EQ(engine_b->ItemCount(), kCrafted);
  // The flood works against the seed it was made for: one chain holds every key...
  EXPECT_EQ(engine_a->LongestChainForTest(), kCrafted);
  // ...and not against another: 64 keys over 1,024 buckets rarely put 3 in one.
  EXPECT_LE(engine_b->LongestChainForTest(), 4u);
  for (const std::string& key : keys) {
    EXPECT_TRUE(testing::Read(*engine_a, key).has_value()) << key;
    EXPECT_TRUE(testing::Read(*engine_b, key).has_value()) << key;
  }
}

TEST(EngineHashSeedTest, ZeroSeedIsDrawnPerEngine) {
  FakeClock clock;
  auto first = MakeEngine(OneShard(0), &clock);
  auto second = MakeEngine(OneShard(0), &clock);
  EXPECT_NE(first->options().hash_seed, 0u);
  EXPECT_NE(first->options().hash_seed, second->options().hash_seed);
  auto fixed = MakeEngine(OneShard(kSeedA), &clock);
  EXPECT_EQ(fixed->options().hash_seed, kSeedA);
}

}  // namespace
}  // namespace memkv::storage
