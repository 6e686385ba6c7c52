// storage::Engine expiry through a FakeClock: boundaries, Touch, lazy removal, the reclaimer
// pass and flush_all with and without a delay.
#include <string>

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

class EngineExpiryTest : public ::testing::Test {
 protected:
  int64_t In(int64_t millis) const { return clock_.NowMillis() + millis; }
  StoreArgs Expiring(int64_t millis) const { return Mode(StoreMode::kSet, 0, In(millis)); }

  FakeClock clock_;
  std::unique_ptr<Engine> engine_ = MakeEngine(TestOptions(), &clock_);
};

TEST_F(EngineExpiryTest, LiveUntilTheExpiryMillisecond) {
  MustStore(*engine_, "k", "v", Expiring(1000));
  clock_.Advance(999);
  EXPECT_TRUE(Read(*engine_, "k").has_value());
  clock_.Advance(1);  // now == expiry: expired
  EXPECT_EQ(engine_->Get("k", [](const ItemView&) { FAIL(); }), LookupResult::kExpired);
  // Removed by that access: the next one is a plain miss.
  EXPECT_EQ(engine_->Get("k", [](const ItemView&) { FAIL(); }), LookupResult::kMiss);
  EXPECT_EQ(engine_->ItemCount(), 0u);
  EXPECT_EQ(engine_->Stats().reclaimed, 1u);
  EXPECT_EQ(engine_->Stats().expired_unfetched, 0u);  // it was read once
}

TEST_F(EngineExpiryTest, ZeroNeverExpires) {
  MustStore(*engine_, "k", "v");
  clock_.Advance(int64_t{10} * 365 * 86'400'000);
  EXPECT_TRUE(Read(*engine_, "k").has_value());
}

TEST_F(EngineExpiryTest, PastExpiryStoresNothingAndRemovesTheOldValue) {
  MustStore(*engine_, "k", "old");
  EXPECT_EQ(MustStore(*engine_, "k", "new", Expiring(0)).result, StoreResult::kStored);
  EXPECT_FALSE(Read(*engine_, "k").has_value());
  EXPECT_EQ(MustStore(*engine_, "j", "new", Expiring(-5000)).result, StoreResult::kStored);
  EXPECT_FALSE(Read(*engine_, "j").has_value());
  EXPECT_EQ(engine_->ItemCount(), 0u);
}

TEST_F(EngineExpiryTest, ExpiredKeyCountsAsMissingForAddAndReplace) {
  MustStore(*engine_, "k", "v", Expiring(10));
  clock_.Advance(10);
  EXPECT_EQ(MustStore(*engine_, "k", "r", Mode(StoreMode::kReplace)).result,
            StoreResult::kNotStored);
  EXPECT_EQ(MustStore(*engine_, "k", "a", Mode(StoreMode::kAdd)).result, StoreResult::kStored);
  EXPECT_EQ(Read(*engine_, "k")->value, "a");
}

TEST_F(EngineExpiryTest, TouchSetsANewExpiry) {
  MustStore(*engine_, "k", "v", Expiring(1000));
  EXPECT_TRUE(engine_->Touch("k", In(5000)));
  EXPECT_EQ(Read(*engine_, "k")->expiry_millis, In(5000));
  clock_.Advance(4999);
  EXPECT_TRUE(Read(*engine_, "k").has_value());
  clock_.Advance(1);
  EXPECT_FALSE(Read(*engine_, "k").has_value());
  EXPECT_FALSE(engine_->Touch("k", In(5000)));
  EXPECT_FALSE(engine_->Touch("never", In(5000)));
}

TEST_F(EngineExpiryTest, TouchToZeroMakesPermanentAndToPastExpires) {
  MustStore(*engine_, "k", "v", Expiring(1000));
  EXPECT_TRUE(engine_->Touch("k", 0));
  clock_.Advance(100'000);
  EXPECT_TRUE(Read(*engine_, "k").has_value());
  EXPECT_TRUE(engine_->Touch("k", In(-1)));
  EXPECT_EQ(engine_->Get("k", [](const ItemView&) {}), LookupResult::kExpired);
}

TEST_F(EngineExpiryTest, ReclaimerPassRemovesExpiredItemsWithoutAccess) {
  for (int i = 0; i < 100; ++i) {
    MustStore(*engine_, "short" + std::to_string(i), "v", Expiring(1000));
    MustStore(*engine_, "long" + std::to_string(i), "v", Expiring(100'000));
  }
  EXPECT_EQ(engine_->ItemCount(), 200u);
  clock_.Advance(1000);
  // Enough passes to visit every bucket of every shard.
  for (int pass = 0; pass < 64; ++pass) engine_->ReclaimExpiredForTest();
  EXPECT_EQ(engine_->ItemCount(), 100u);
  const EngineStats stats = engine_->Stats();
  EXPECT_EQ(stats.reclaimed, 100u);
  EXPECT_EQ(stats.expired_unfetched, 100u);
  EXPECT_TRUE(Read(*engine_, "long7").has_value());
}

TEST_F(EngineExpiryTest, ReclaimerPassIsBounded) {
  EngineOptions options = TestOptions();
  options.shard_count = 1;
  options.reclaim_buckets_per_pass = 1;
  auto engine = MakeEngine(options, &clock_);
  for (int i = 0; i < 1000; ++i) {
    MustStore(*engine, "k" + std::to_string(i), "v", Expiring(1));
  }
  clock_.Advance(1);
  engine->ReclaimExpiredForTest();
  EXPECT_LT(engine->Stats().reclaimed, 100u);  // one bucket at ~1 item per bucket
  EXPECT_GT(engine->ItemCount(), 900u);
}

TEST_F(EngineExpiryTest, FlushAllNowRemovesEverything) {
  for (int i = 0; i < 50; ++i) MustStore(*engine_, "k" + std::to_string(i), "v");
  engine_->FlushAll();
  EXPECT_EQ(engine_->ItemCount(), 0u);
  EXPECT_FALSE(Read(*engine_, "k1").has_value());
  MustStore(*engine_, "after", "v");
  EXPECT_TRUE(Read(*engine_, "after").has_value());
}

TEST_F(EngineExpiryTest, FlushAllWithDelayAppliesWhenItsTimeComes) {
  MustStore(*engine_, "before", "v");
  engine_->FlushAll(2000);
  MustStore(*engine_, "during", "v");
  clock_.Advance(1999);
  EXPECT_TRUE(Read(*engine_, "before").has_value());
  EXPECT_TRUE(Read(*engine_, "during").has_value());
  clock_.Advance(1);
  EXPECT_FALSE(Read(*engine_, "before").has_value());
  EXPECT_FALSE(Read(*engine_, "during").has_value());
  MustStore(*engine_, "after", "v");
  clock_.Advance(10'000);
  EXPECT_TRUE(Read(*engine_, "after").has_value());
}

TEST_F(EngineExpiryTest, PendingFlushIsAppliedByTheReclaimer) {
  for (int i = 0; i < 50; ++i) MustStore(*engine_, "k" + std::to_string(i), "v");
  engine_->FlushAll(500);
  clock_.Advance(500);
  engine_->ReclaimExpiredForTest();
  EXPECT_EQ(engine_->ItemCount(), 0u);
}

TEST_F(EngineExpiryTest, LaterFlushReplacesAPendingOne) {
  MustStore(*engine_, "k", "v");
  engine_->FlushAll(1000);
  engine_->FlushAll(5000);
  clock_.Advance(1000);
  EXPECT_TRUE(Read(*engine_, "k").has_value());
  clock_.Advance(4000);
  EXPECT_FALSE(Read(*engine_, "k").has_value());
}

TEST(EngineReclaimerThreadTest, StartsAndStopsCleanly) {
  RealClock clock;
  EngineOptions options;
  options.reclaim_period_millis = 1;
  auto engine = MakeEngine(options, &clock);
  StoreArgs args;
  args.expiry_millis = clock.NowMillis() + 60'000;
  EXPECT_TRUE(engine->Store("k", "v", args).ok());
  EXPECT_TRUE(Read(*engine, "k").has_value());
  engine.reset();  // the destructor joins the reclaimer thread
}

}  // namespace
}  // namespace memkv::storage
