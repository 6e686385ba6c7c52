// storage::ValuePin: a large value pinned inside a Get callback keeps its exact bytes through
// delete, overwrite (in place or not), incr, eviction, flush_all and Clear; the engine counts
// pinned values and the bytes its pins hold outside the budget; the store keeps its budget.
#include <string>
#include <vector>

#include "gtest/gtest.h"
#include "storage/engine.h"
#include "storage/item_store.h"
#include "storage/key_hash.h"
#include "tests/storage/engine_test_util.h"

namespace memkv::storage {
namespace {

using testing::MakeEngine;
using testing::MustStore;
using testing::Pattern;
using testing::PinOf;
using testing::Read;

constexpr size_t kLimit = size_t{8} << 20;

// 4 shards of 2 MiB: 32 KiB segments, so values of 4 KiB and more live in blocks of their own.
EngineOptions PinOptions() {
  EngineOptions options = testing::TestOptions();
  options.memory_limit_bytes = kLimit;
  options.max_item_bytes = 256 << 10;
  options.shard_count = 4;
  return options;
}

class EnginePinTest : public ::testing::Test {
 protected:
  EnginePinTest() : engine_(MakeEngine(PinOptions(), &clock_)) {}

  void ExpectPinned(uint64_t values, uint64_t bytes, uint64_t dropped_values,
                    uint64_t dropped_bytes) {
    const EngineStats stats = engine_->Stats();
    EXPECT_EQ(stats.pinned_values, values);
    EXPECT_EQ(stats.pinned_bytes, bytes);
    EXPECT_EQ(stats.pinned_dropped_values, dropped_values);
    EXPECT_EQ(stats.pinned_dropped_bytes, dropped_bytes);
  }
  void ExpectNothingPinned() { ExpectPinned(0, 0, 0, 0); }
  // The address of key's value in the store (to tell a rewrite in place from a new block).
  const char* ValueAddress(std::string_view key) {
    const char* address = nullptr;
    engine_->Get(key, [&](const ItemView& view) { address = view.value.data(); });
    return address;
  }

  FakeClock clock_;
  std::unique_ptr<Engine> engine_;
};

TEST_F(EnginePinTest, OnlyLargeValuesArePinned) {
  ASSERT_EQ(engine_->large_value_bytes(), 4u << 10);
  MustStore(*engine_, "small", Pattern(1, 1000));
  EXPECT_FALSE(PinOf(*engine_, "small"));
  EXPECT_FALSE(PinOf(*engine_, "missing"));
  MustStore(*engine_, "large", Pattern(2, engine_->large_value_bytes()));
  ValuePin pin = PinOf(*engine_, "large");
  ASSERT_TRUE(pin);
  EXPECT_EQ(pin.value(), Pattern(2, engine_->large_value_bytes()));
  ExpectPinned(1, 4 << 10, 0, 0);
  pin.Reset();
  EXPECT_FALSE(pin);
  EXPECT_EQ(pin.value(), "");
  ExpectNothingPinned();
}

TEST_F(EnginePinTest, PinOutlivesDeleteAndIsNoLongerCharged) {
  const std::string old = Pattern(1, 100'000);
  MustStore(*engine_, "big", old);
  ValuePin pin = PinOf(*engine_, "big");
  ASSERT_TRUE(pin);
  ExpectPinned(1, 100'000, 0, 0);
  const uint64_t charged = engine_->Stats().memory_bytes;
  EXPECT_EQ(engine_->Delete("big"), DeleteResult::kDeleted);
  EXPECT_FALSE(Read(*engine_, "big").has_value());
  EXPECT_EQ(pin.value(), old);
  ExpectPinned(1, 100'000, 1, 100'000);
  EXPECT_LE(engine_->Stats().memory_bytes + 100'000, charged);
  ValuePin moved = std::move(pin);  // moving does not count twice or release
  EXPECT_FALSE(pin);
  EXPECT_EQ(moved.value(), old);
  ExpectPinned(1, 100'000, 1, 100'000);
  moved.Reset();
  ExpectNothingPinned();
}

// Two pins of one value count it once; it is freed with the last of them.
TEST_F(EnginePinTest, PinsOfOneValueCountItOnce) {
  const std::string old = Pattern(1, 50'000);
  MustStore(*engine_, "big", old);
  ValuePin first = PinOf(*engine_, "big");
  ValuePin second = PinOf(*engine_, "big");
  ExpectPinned(1, 50'000, 0, 0);
  MustStore(*engine_, "big", Pattern(2, 60'000));
  ExpectPinned(1, 50'000, 1, 50'000);
  first.Reset();
  EXPECT_EQ(second.value(), old);
  ExpectPinned(1, 50'000, 1, 50'000);
  second = ValuePin();
  ExpectNothingPinned();
}

// A set of the same length is written over the old bytes, unless they are pinned: then the item
// gets a new block and the pin keeps the old one.
TEST_F(EnginePinTest, SameLengthSetRewritesInPlaceUnlessPinned) {
  MustStore(*engine_, "big", Pattern(1, 40'000));
  const char* address = ValueAddress("big");
  MustStore(*engine_, "big", Pattern(2, 40'000));
  EXPECT_EQ(ValueAddress("big"), address);  // nothing pinned it: in place
  ValuePin pin = PinOf(*engine_, "big");
  EXPECT_EQ(pin.value().data(), address);
  MustStore(*engine_, "big", Pattern(3, 40'000));
  EXPECT_NE(ValueAddress("big"), address);
  EXPECT_EQ(Read(*engine_, "big")->value, Pattern(3, 40'000));
  EXPECT_EQ(pin.value(), Pattern(2, 40'000));
  ExpectPinned(1, 40'000, 1, 40'000);
  pin.Reset();
  ExpectNothingPinned();
  const char* fresh = ValueAddress("big");
  MustStore(*engine_, "big", Pattern(4, 40'000));
  EXPECT_EQ(ValueAddress("big"), fresh);  // unpinned again: in place again
}

TEST_F(EnginePinTest, PinOutlivesOverwritesOfEveryKind) {
  MustStore(*engine_, "big", Pattern(1, 30'000));
  ValuePin by_set = PinOf(*engine_, "big");
  MustStore(*engine_, "big", Pattern(2, 31'000));  // another length: a new record
  ValuePin by_append = PinOf(*engine_, "big");
  ASSERT_TRUE(engine_->Store("big", "tail", testing::Mode(StoreMode::kAppend)).ok());
  ValuePin by_update = PinOf(*engine_, "big");
  ASSERT_TRUE(engine_
                  ->Update("big",
                           [](const ItemView*) {
                             Mutation store;
                             store.kind = Mutation::Kind::kStore;
                             store.parts[0] = "now small";
                             return store;
                           })
                  .ok());
  EXPECT_EQ(by_set.value(), Pattern(1, 30'000));
  EXPECT_EQ(by_append.value(), Pattern(2, 31'000));
  EXPECT_EQ(by_update.value(), Pattern(2, 31'000) + "tail");
  EXPECT_EQ(Read(*engine_, "big")->value, "now small");
  ExpectPinned(3, 30'000 + 31'000 + 31'004, 3, 30'000 + 31'000 + 31'004);
}

// incr rewrites a number of the same length in place; a key long enough puts even a number in a
// block of its own, which a pin then protects like any other.
TEST_F(EnginePinTest, IncrDoesNotWriteAPinnedValue) {
  const std::string key(20'000, 'k');
  MustStore(*engine_, key, "10");
  const char* address = ValueAddress(key);
  EXPECT_EQ(engine_->Increment(key, 1, false).value, 11u);
  EXPECT_EQ(ValueAddress(key), address);  // in place
  ValuePin pin = PinOf(*engine_, key);
  ASSERT_TRUE(pin);
  EXPECT_EQ(engine_->Increment(key, 1, false).value, 12u);
  EXPECT_EQ(pin.value(), "11");
  EXPECT_EQ(Read(*engine_, key)->value, "12");
  EXPECT_NE(ValueAddress(key), address);
  ExpectPinned(1, 2, 1, 2);
}

TEST_F(EnginePinTest, PinOutlivesFlushAll) {
  MustStore(*engine_, "now", Pattern(1, 20'000));
  MustStore(*engine_, "later", Pattern(2, 20'000));
  ValuePin now = PinOf(*engine_, "now");
  ValuePin later = PinOf(*engine_, "later");
  engine_->FlushAll();
  EXPECT_EQ(engine_->ItemCount(), 0u);
  MustStore(*engine_, "later", Pattern(3, 20'000));
  ValuePin again = PinOf(*engine_, "later");
  engine_->FlushAll(1000);
  clock_.Advance(1000);
  EXPECT_FALSE(Read(*engine_, "later").has_value());  // the delayed flush applied
  EXPECT_EQ(now.value(), Pattern(1, 20'000));
  EXPECT_EQ(later.value(), Pattern(2, 20'000));
  EXPECT_EQ(again.value(), Pattern(3, 20'000));
  ExpectPinned(3, 60'000, 3, 60'000);
  MustStore(*engine_, "after", Pattern(4, 20'000));
  EXPECT_EQ(Read(*engine_, "after")->value, Pattern(4, 20'000));
}

// A flood of writes far beyond the limit while many values are pinned: every pinned value is
// evicted, none is freed or written (ASan would see a use after free, the comparison a write),
// the memory charged to the budget stays within it, and releasing the pins frees them all.
TEST_F(EnginePinTest, EvictionFloodUnderManyPins) {
  constexpr int kPinned = 40;
  std::vector<ValuePin> pins;
  uint64_t pinned_bytes = 0;
  for (int i = 0; i < kPinned; ++i) {
    const std::string key = "pinned" + std::to_string(i);
    const size_t size = 16'384 + 2'000 * i;
    MustStore(*engine_, key, Pattern(i, size));
    pins.push_back(PinOf(*engine_, key));
    if (i % 4 == 0) pins.push_back(PinOf(*engine_, key));  // a second pin changes no count
    pinned_bytes += size;
  }
  ExpectPinned(kPinned, pinned_bytes, 0, 0);
  for (int i = 0; i < 2000; ++i) {  // ~20 x the limit, large values and small ones
    const size_t size = i % 3 == 0 ? 300 : 20'000 + 97 * (i % 800);
    MustStore(*engine_, "flood" + std::to_string(i), Pattern(1000 + i, size));
    ASSERT_LE(engine_->Stats().memory_bytes, kLimit) << i;
  }
  EXPECT_GT(engine_->Stats().evictions, 1000u);
  ExpectPinned(kPinned, pinned_bytes, kPinned, pinned_bytes);  // all evicted, all still held
  for (const ValuePin& pin : pins) {
    const int i = static_cast<int>((pin.value().size() - 16'384) / 2'000);
    ASSERT_EQ(pin.value(), Pattern(i, pin.value().size())) << i;
  }
  pins.clear();
  ExpectNothingPinned();
  MustStore(*engine_, "after", Pattern(5000, 50'000));
  EXPECT_EQ(Read(*engine_, "after")->value, Pattern(5000, 50'000));
}

// ItemStore::Clear (flush_all's work) drops the store's references like a removal does.
TEST(ItemStorePinTest, PinOutlivesClear) {
  PinCounters pins;
  ItemStore store(1 << 20, 0, &pins);
  const std::string value = Pattern(1, 20'000);
  const std::string_view parts[2] = {value, {}};
  ASSERT_TRUE(store.Put("big", KeyHash("big", 0), parts, {}, 0).ok());
  ItemView view;
  const ItemStore::Ref ref = store.Find("big", KeyHash("big", 0));
  view.value = store.Value(ref);
  view.value_block = store.Block(ref);
  ValuePin pin = view.Pin();
  const size_t charged = store.memory_bytes();
  store.Clear();
  EXPECT_LE(store.memory_bytes() + 20'000, charged);
  EXPECT_EQ(pin.value(), value);
  EXPECT_EQ(pins.dropped_bytes.load(), 20'000u);
  pin.Reset();
  EXPECT_EQ(pins.dropped_bytes.load(), 0u);
  EXPECT_EQ(pins.pinned_values.load(), 0u);
}

}  // namespace
}  // namespace memkv::storage
