// Store modes, CAS, Get, Delete, append/prepend and the size limit of storage::Engine.
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
using testing::Read;
using testing::TestOptions;

class EngineStoreTest : public ::testing::Test {
 protected:
  FakeClock clock_;
  std::unique_ptr<Engine> engine_ = MakeEngine(TestOptions(), &clock_);
};

TEST_F(EngineStoreTest, SetThenGetReturnsValueFlagsAndCas) {
  const StoreOutcome stored = MustStore(*engine_, "k", "hello", Mode(StoreMode::kSet, 42));
  EXPECT_EQ(stored.result, StoreResult::kStored);
  EXPECT_NE(stored.cas, 0u);
  auto item = Read(*engine_, "k");
  ASSERT_TRUE(item.has_value());
  EXPECT_EQ(item->key, "k");
  EXPECT_EQ(item->value, "hello");
  EXPECT_EQ(item->client_flags, 42u);
  EXPECT_EQ(item->cas, stored.cas);
  EXPECT_EQ(item->expiry_millis, 0);
  EXPECT_FALSE(item->fetched);
}

TEST_F(EngineStoreTest, GetMarksFetchedAfterTheCallback) {
  MustStore(*engine_, "k", "v");
  EXPECT_FALSE(Read(*engine_, "k")->fetched);
  EXPECT_TRUE(Read(*engine_, "k")->fetched);
}

TEST_F(EngineStoreTest, GetMissDoesNotCallBack) {
  bool called = false;
  EXPECT_EQ(engine_->Get("absent", [&](const ItemView&) { called = true; }), LookupResult::kMiss);
  EXPECT_FALSE(called);
}

TEST_F(EngineStoreTest, EmptyValueAndBinaryValue) {
  MustStore(*engine_, "empty", "");
  const std::string binary("a\0b\r\nc", 6);
  MustStore(*engine_, "bin", binary);
  EXPECT_EQ(Read(*engine_, "empty")->value, "");
  EXPECT_EQ(Read(*engine_, "bin")->value, binary);
}

TEST_F(EngineStoreTest, SetOverwritesAndChangesCas) {
  const uint64_t first = MustStore(*engine_, "k", "one").cas;
  const uint64_t second = MustStore(*engine_, "k", "two", Mode(StoreMode::kSet, 7)).cas;
  EXPECT_NE(first, second);
  EXPECT_EQ(Read(*engine_, "k")->value, "two");
  EXPECT_EQ(Read(*engine_, "k")->client_flags, 7u);
  EXPECT_EQ(engine_->ItemCount(), 1u);
}

TEST_F(EngineStoreTest, AddOnlyWhenMissing) {
  EXPECT_EQ(MustStore(*engine_, "k", "a", Mode(StoreMode::kAdd)).result, StoreResult::kStored);
  EXPECT_EQ(MustStore(*engine_, "k", "b", Mode(StoreMode::kAdd)).result, StoreResult::kNotStored);
  EXPECT_EQ(Read(*engine_, "k")->value, "a");
}

TEST_F(EngineStoreTest, ReplaceOnlyWhenPresent) {
  EXPECT_EQ(MustStore(*engine_, "k", "a", Mode(StoreMode::kReplace)).result,
            StoreResult::kNotStored);
  EXPECT_FALSE(Read(*engine_, "k").has_value());
  MustStore(*engine_, "k", "a");
  EXPECT_EQ(MustStore(*engine_, "k", "b", Mode(StoreMode::kReplace, 3)).result,
            StoreResult::kStored);
  EXPECT_EQ(Read(*engine_, "k")->value, "b");
  EXPECT_EQ(Read(*engine_, "k")->client_flags, 3u);
}

TEST_F(EngineStoreTest, AppendAndPrependKeepFlagsAndExpiry) {
  const int64_t expiry = clock_.NowMillis() + 60'000;
  MustStore(*engine_, "k", "mid", Mode(StoreMode::kSet, 9, expiry));
  EXPECT_EQ(MustStore(*engine_, "k", "END", Mode(StoreMode::kAppend, 1, 0)).result,
            StoreResult::kStored);
  EXPECT_EQ(MustStore(*engine_, "k", "start-", Mode(StoreMode::kPrepend, 2, 5)).result,
            StoreResult::kStored);
  auto item = Read(*engine_, "k");
  EXPECT_EQ(item->value, "start-midEND");
  EXPECT_EQ(item->client_flags, 9u);
  EXPECT_EQ(item->expiry_millis, expiry);
}

TEST_F(EngineStoreTest, AppendAndPrependOnMissingKeyAreNotStored) {
  EXPECT_EQ(MustStore(*engine_, "k", "x", Mode(StoreMode::kAppend)).result,
            StoreResult::kNotStored);
  EXPECT_EQ(MustStore(*engine_, "k", "x", Mode(StoreMode::kPrepend)).result,
            StoreResult::kNotStored);
  EXPECT_EQ(engine_->ItemCount(), 0u);
}

TEST_F(EngineStoreTest, AppendRepeatedlyDoublesTheValue) {
  MustStore(*engine_, "k", "abc");
  for (int i = 0; i < 5; ++i) {
    const std::string current = Read(*engine_, "k")->value;
    MustStore(*engine_, "k", current, Mode(StoreMode::kAppend));
  }
  const std::string value = Read(*engine_, "k")->value;
  ASSERT_EQ(value.size(), 3u * 32);
  for (size_t i = 0; i < value.size(); i += 3) EXPECT_EQ(value.substr(i, 3), "abc");
}

TEST_F(EngineStoreTest, CasMatchesStoresMismatchExistsMissingNotFound) {
  const uint64_t cas = MustStore(*engine_, "k", "v1").cas;
  EXPECT_EQ(MustStore(*engine_, "k", "bad", Mode(StoreMode::kSet, 0, 0, cas + 1)).result,
            StoreResult::kExists);
  EXPECT_EQ(Read(*engine_, "k")->value, "v1");
  const StoreOutcome ok = MustStore(*engine_, "k", "v2", Mode(StoreMode::kSet, 0, 0, cas));
  EXPECT_EQ(ok.result, StoreResult::kStored);
  EXPECT_NE(ok.cas, cas);
  EXPECT_EQ(MustStore(*engine_, "k", "v3", Mode(StoreMode::kSet, 0, 0, cas)).result,
            StoreResult::kExists);
  EXPECT_EQ(MustStore(*engine_, "nokey", "v", Mode(StoreMode::kSet, 0, 0, 5)).result,
            StoreResult::kNotFound);
  EXPECT_FALSE(Read(*engine_, "nokey").has_value());
}

TEST_F(EngineStoreTest, CasWithEveryMode) {
  for (StoreMode mode :
       {StoreMode::kAdd, StoreMode::kReplace, StoreMode::kAppend, StoreMode::kPrepend}) {
    SCOPED_TRACE(static_cast<int>(mode));
    const uint64_t cas = MustStore(*engine_, "k", "v").cas;
    EXPECT_EQ(MustStore(*engine_, "k", "x", Mode(mode, 0, 0, cas + 100)).result,
              StoreResult::kExists);
    EXPECT_EQ(MustStore(*engine_, "missing", "x", Mode(mode, 0, 0, cas)).result,
              StoreResult::kNotFound);
    // With a matching CAS the mode's own rule still applies: add on a present key is refused.
    const StoreResult expected =
        mode == StoreMode::kAdd ? StoreResult::kNotStored : StoreResult::kStored;
    EXPECT_EQ(MustStore(*engine_, "k", "x", Mode(mode, 0, 0, cas)).result, expected);
  }
}

TEST_F(EngineStoreTest, NewCasIsUsedWhenGiven) {
  StoreArgs args;
  args.new_cas = 123456;
  EXPECT_EQ(MustStore(*engine_, "k", "v", args).cas, 123456u);
  EXPECT_EQ(Read(*engine_, "k")->cas, 123456u);
  args.mode = StoreMode::kAppend;
  args.new_cas = 777;
  EXPECT_EQ(MustStore(*engine_, "k", "w", args).cas, 777u);
  EXPECT_EQ(Read(*engine_, "k")->cas, 777u);
}

TEST_F(EngineStoreTest, CasUniquesDifferAcrossManyKeys) {
  std::set<uint64_t> seen;
  for (int i = 0; i < 5000; ++i) {
    EXPECT_TRUE(seen.insert(MustStore(*engine_, "key" + std::to_string(i), "v").cas).second);
  }
}

TEST_F(EngineStoreTest, DeleteWithAndWithoutCas) {
  EXPECT_EQ(engine_->Delete("k"), DeleteResult::kNotFound);
  const uint64_t cas = MustStore(*engine_, "k", "v").cas;
  EXPECT_EQ(engine_->Delete("k", cas + 1), DeleteResult::kExists);
  EXPECT_TRUE(Read(*engine_, "k").has_value());
  EXPECT_EQ(engine_->Delete("k", cas), DeleteResult::kDeleted);
  EXPECT_FALSE(Read(*engine_, "k").has_value());
  MustStore(*engine_, "k", "v");
  EXPECT_EQ(engine_->Delete("k"), DeleteResult::kDeleted);
  EXPECT_EQ(engine_->Delete("k"), DeleteResult::kNotFound);
  EXPECT_EQ(engine_->ItemCount(), 0u);
}

// Each case below was checked against memcached 1.6.18.
class EngineTooLargeTest : public EngineStoreTest {
 protected:
  EngineTooLargeTest() {
    EngineOptions options = TestOptions();
    options.max_item_bytes = 1000;
    engine_ = MakeEngine(options, &clock_);
  }
  const std::string too_big_ = std::string(1000, 'x');  // with a 1-byte key: 1001 > 1000
};

TEST_F(EngineTooLargeTest, SetFailsAndDropsTheOldValue) {
  MustStore(*engine_, "k", "old");
  auto outcome = engine_->Store("k", too_big_, {});
  ASSERT_FALSE(outcome.ok());
  EXPECT_EQ(outcome.status().code(), absl::StatusCode::kResourceExhausted);
  EXPECT_EQ(outcome.status().message(), "object too large for cache");
  EXPECT_FALSE(Read(*engine_, "k").has_value());
  EXPECT_TRUE(engine_->Store("k", std::string(999, 'y'), {}).ok());  // exactly at the limit
}

TEST_F(EngineTooLargeTest, CasAddReplaceFailAndKeepTheOldValue) {
  const uint64_t cas = MustStore(*engine_, "k", "old").cas;
  for (const StoreArgs& args :
       {Mode(StoreMode::kSet, 0, 0, cas), Mode(StoreMode::kAdd), Mode(StoreMode::kReplace)}) {
    auto outcome = engine_->Store("k", too_big_, args);
    EXPECT_EQ(outcome.status().message(), "object too large for cache");
    EXPECT_EQ(Read(*engine_, "k")->value, "old");
  }
}

TEST_F(EngineTooLargeTest, AppendBeyondTheLimitIsNotStored) {
  MustStore(*engine_, "k", std::string(990, 'a'));
  EXPECT_EQ(MustStore(*engine_, "k", "0123456789", Mode(StoreMode::kAppend)).result,
            StoreResult::kNotStored);
  EXPECT_EQ(MustStore(*engine_, "k", "0123456789", Mode(StoreMode::kPrepend)).result,
            StoreResult::kNotStored);
  EXPECT_EQ(Read(*engine_, "k")->value.size(), 990u);
  EXPECT_EQ(MustStore(*engine_, "k", "123456789", Mode(StoreMode::kAppend)).result,
            StoreResult::kStored);  // 1 + 999 = 1000: fits
}

TEST_F(EngineStoreTest, StatsCountItemsAndBytes) {
  MustStore(*engine_, "a", "12345");
  MustStore(*engine_, "b", "1");
  MustStore(*engine_, "a", "xyz");
  const EngineStats stats = engine_->Stats();
  EXPECT_EQ(stats.curr_items, 2u);
  EXPECT_EQ(stats.total_items, 3u);
  EXPECT_GE(stats.bytes, 2u + 3u + 1u);
  EXPECT_EQ(stats.limit_maxbytes, TestOptions().memory_limit_bytes);
  EXPECT_GT(stats.hash_buckets, 0u);
}

TEST(EngineCreateTest, RejectsBadOptions) {
  FakeClock clock;
  EXPECT_FALSE(Engine::Create(TestOptions(), nullptr).ok());
  EngineOptions options = TestOptions();
  options.memory_limit_bytes = 1 << 20;
  options.max_item_bytes = 1 << 20;  // memcached: at most half the memory limit
  EXPECT_EQ(Engine::Create(options, &clock).status().code(), absl::StatusCode::kInvalidArgument);
  options = TestOptions();
  options.shard_count = 0;
  EXPECT_FALSE(Engine::Create(options, &clock).ok());
  options = TestOptions();
  options.memory_limit_bytes = size_t{8} << 30;
  options.max_item_bytes = (size_t{1} << 30) + 1;
  EXPECT_EQ(Engine::Create(options, &clock).status().code(), absl::StatusCode::kInvalidArgument);
  options.max_item_bytes = size_t{1} << 30;
  EXPECT_TRUE(Engine::Create(options, &clock).ok());
}

TEST(EngineCreateTest, RoundsShardCountToPowerOfTwo) {
  FakeClock clock;
  EngineOptions options = TestOptions();
  options.shard_count = 5;
  auto engine = MakeEngine(options, &clock);
  EXPECT_EQ(engine->options().shard_count, 8);
}

TEST(EngineCreateTest, SmallLimitUsesFewerShardsAndStillWorks) {
  FakeClock clock;
  EngineOptions options = TestOptions();
  options.memory_limit_bytes = 2 << 20;
  options.max_item_bytes = 1 << 20;
  auto engine = MakeEngine(options, &clock);
  EXPECT_EQ(engine->options().shard_count, 1);
  EXPECT_TRUE(engine->Store("big", std::string((1 << 20) - 3, 'b'), {}).ok());
  EXPECT_EQ(Read(*engine, "big")->value.size(), (1u << 20) - 3);
}

}  // namespace
}  // namespace memkv::storage
