// storage::Engine refuses a key too long for any record (longer than a segment) up front, with
// the ordinary "object too large for cache" and without evicting anything to make room for it.
#include <string>
#include <utility>
#include <vector>

#include "gtest/gtest.h"
#include "storage/engine.h"
#include "storage/item_store.h"
#include "tests/storage/engine_test_util.h"

namespace memkv::storage {
namespace {

using testing::MakeEngine;
using testing::MustStore;
using testing::Read;

constexpr int kFiller = 80'000;

class EngineLargeKeyTest : public ::testing::Test {
 protected:
  EngineLargeKeyTest() {
    EngineOptions options = testing::TestOptions();
    options.memory_limit_bytes = size_t{64} << 20;  // memcached -m 64: 8 shards of 8 MiB
    engine_ = MakeEngine(options, &clock_);
    // ~80 MB of items: every shard is full, so making room for anything evicts.
    for (int i = 0; i < kFiller; ++i) MustStore(*engine_, Filler(i), std::string(1000, 'f'));
    evictions_ = engine_->Stats().evictions;
    items_ = engine_->ItemCount();
  }

  static std::string Filler(int i) { return "filler" + std::to_string(i); }

  // The longest key a shard of this engine can hold (a shard's segments are 128 KiB).
  size_t MaxKeyBytes() const {
    const EngineOptions& options = engine_->options();
    return ItemStore::MaxKeyBytesFor(options.memory_limit_bytes / options.shard_count);
  }

  void ExpectNothingEvicted() {
    EXPECT_EQ(engine_->Stats().evictions, evictions_);
    EXPECT_EQ(engine_->ItemCount(), items_);
  }

  FakeClock clock_;
  std::unique_ptr<Engine> engine_;
  uint64_t evictions_ = 0;  // after the fill
  uint64_t items_ = 0;
};

void ExpectTooLarge(const absl::Status& status) {
  EXPECT_EQ(status.code(), absl::StatusCode::kResourceExhausted);
  EXPECT_EQ(std::string(status.message()), "object too large for cache");
}

TEST_F(EngineLargeKeyTest, KeyLongerThanASegmentIsTooLargeAndEvictsNothing) {
  ASSERT_EQ(engine_->options().shard_count, 8);
  ASSERT_GT(evictions_, 0u);
  const std::string key(300 << 10, 'k');  // a 300 KiB RESP key: under -I 1m, over a segment
  for (StoreMode mode : {StoreMode::kSet, StoreMode::kAdd}) {
    for (int attempt = 0; attempt < 3; ++attempt) {
      ExpectTooLarge(engine_->Store(key, "v", testing::Mode(mode)).status());
    }
  }
  ExpectTooLarge(engine_
                     ->Update(key,
                              [](const ItemView*) {
                                Mutation store;
                                store.kind = Mutation::Kind::kStore;
                                store.parts[0] = "v";
                                return store;
                              })
                     .status());
  const std::vector<std::pair<std::string_view, std::string_view>> pairs = {{"a", "1"}, {key, "2"}};
  ExpectTooLarge(engine_->StoreAll(pairs, Engine::StoreAllWhen::kAlways).status());
  EXPECT_FALSE(Read(*engine_, "a").has_value());
  ExpectNothingEvicted();
}

TEST_F(EngineLargeKeyTest, TheLongestKeyThatFitsIsStored) {
  const std::string longest(MaxKeyBytes(), 'k');
  ASSERT_GT(longest.size(), size_t{100} << 10);
  StoreArgs with_fields;  // flags and expiry: the record's longest form
  with_fields.client_flags = 7;
  with_fields.expiry_millis = clock_.NowMillis() + 60'000;
  const std::string value(50'000, 'v');
  MustStore(*engine_, longest, value, with_fields);
  EXPECT_EQ(Read(*engine_, longest)->value, value);
  ExpectTooLarge(engine_->Store(longest + "k", "v", {}).status());
}

}  // namespace
}  // namespace memkv::storage
