// storage::Engine::Increment: memcached incr/decr semantics on stored values.
#include <cstdint>
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

class EngineIncrementTest : public ::testing::Test {
 protected:
  FakeClock clock_;
  std::unique_ptr<Engine> engine_ = MakeEngine(TestOptions(), &clock_);
};

TEST_F(EngineIncrementTest, IncrAndDecr) {
  MustStore(*engine_, "n", "10");
  ArithmeticOutcome out = engine_->Increment("n", 5, false);
  EXPECT_EQ(out.result, ArithmeticResult::kOk);
  EXPECT_EQ(out.value, 15u);
  EXPECT_EQ(Read(*engine_, "n")->value, "15");
  out = engine_->Increment("n", 3, true);
  EXPECT_EQ(out.value, 12u);
  EXPECT_EQ(Read(*engine_, "n")->value, "12");
}

TEST_F(EngineIncrementTest, ShorterResultIsPaddedLikeMemcached) {
  MustStore(*engine_, "n", "10");
  EXPECT_EQ(engine_->Increment("n", 1, true).value, 9u);
  EXPECT_EQ(Read(*engine_, "n")->value, "9 ");
  EXPECT_EQ(engine_->Increment("n", 1, false).value, 10u);
  EXPECT_EQ(Read(*engine_, "n")->value, "10");
  EXPECT_EQ(engine_->Increment("n", 90, false).value, 100u);
  EXPECT_EQ(Read(*engine_, "n")->value, "100");
}

TEST_F(EngineIncrementTest, IncrWrapsAtTwoToThe64) {
  MustStore(*engine_, "n", "18446744073709551615");
  ArithmeticOutcome out = engine_->Increment("n", 1, false);
  EXPECT_EQ(out.result, ArithmeticResult::kOk);
  EXPECT_EQ(out.value, 0u);
  EXPECT_EQ(Read(*engine_, "n")->value, "0" + std::string(19, ' '));
  EXPECT_EQ(engine_->Increment("n", 5, false).value, 5u);
}

TEST_F(EngineIncrementTest, DecrStopsAtZero) {
  MustStore(*engine_, "n", "7");
  EXPECT_EQ(engine_->Increment("n", 100, true).value, 0u);
  EXPECT_EQ(engine_->Increment("n", 1, true).value, 0u);
  EXPECT_EQ(Read(*engine_, "n")->value, "0");
}

TEST_F(EngineIncrementTest, NonNumericValuesAreRefusedAndKept) {
  for (const char* value : {"", "abc", "12a", "-1", "0x10", "18446744073709551616"}) {
    SCOPED_TRACE(value);
    MustStore(*engine_, "n", value);
    EXPECT_EQ(engine_->Increment("n", 1, false).result, ArithmeticResult::kNonNumeric);
    EXPECT_EQ(engine_->Increment("n", 1, true).result, ArithmeticResult::kNonNumeric);
    EXPECT_EQ(Read(*engine_, "n")->value, value);
  }
}

TEST_F(EngineIncrementTest, WhitespaceAndSignAsMemcached) {
  MustStore(*engine_, "n", " 12");
  EXPECT_EQ(engine_->Increment("n", 1, false).value, 13u);
  EXPECT_EQ(Read(*engine_, "n")->value, "13 ");
  MustStore(*engine_, "n", "1 2");
  EXPECT_EQ(engine_->Increment("n", 1, false).value, 2u);
  EXPECT_EQ(Read(*engine_, "n")->value, "2  ");
  MustStore(*engine_, "n", "+5");
  EXPECT_EQ(engine_->Increment("n", 1, false).value, 6u);
}

TEST_F(EngineIncrementTest, MissingKeyIsNotFound) {
  EXPECT_EQ(engine_->Increment("none", 1, false).result, ArithmeticResult::kNotFound);
  EXPECT_FALSE(Read(*engine_, "none").has_value());
}

TEST_F(EngineIncrementTest, KeepsFlagsAndExpiryAndGivesNewCas) {
  const int64_t expiry = clock_.NowMillis() + 10'000;
  const uint64_t cas = MustStore(*engine_, "n", "1", Mode(StoreMode::kSet, 77, expiry)).cas;
  ArithmeticOutcome out = engine_->Increment("n", 1, false);
  EXPECT_NE(out.cas, cas);
  auto item = Read(*engine_, "n");
  EXPECT_EQ(item->cas, out.cas);
  EXPECT_EQ(item->client_flags, 77u);
  EXPECT_EQ(item->expiry_millis, expiry);
}

TEST_F(EngineIncrementTest, CompareCas) {
  const uint64_t cas = MustStore(*engine_, "n", "1").cas;
  EXPECT_EQ(engine_->Increment("n", 1, false, cas + 1).result, ArithmeticResult::kExists);
  EXPECT_EQ(Read(*engine_, "n")->value, "1");
  EXPECT_EQ(engine_->Increment("n", 1, false, cas).result, ArithmeticResult::kOk);
  EXPECT_EQ(Read(*engine_, "n")->value, "2");
}

TEST_F(EngineIncrementTest, ExpiredItemIsNotFound) {
  MustStore(*engine_, "n", "1", Mode(StoreMode::kSet, 0, clock_.NowMillis() + 1000));
  clock_.Advance(1000);
  EXPECT_EQ(engine_->Increment("n", 1, false).result, ArithmeticResult::kNotFound);
}

}  // namespace
}  // namespace memkv::storage
