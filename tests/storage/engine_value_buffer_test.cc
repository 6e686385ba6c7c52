// storage::Engine::AllocateValue and Store(key, ValueBuffer&&): a value received into a buffer is
// stored by adopting the buffer's block when it is to live in a block of its own (a pin on the
// item then points at the very bytes the buffer held), copied otherwise, and in every result,
// error, eviction and statistic the same as Store(key, string_view).
#include <cstring>
#include <string>
#include <vector>

#include "gtest/gtest.h"
#include "storage/engine.h"
#include "tests/storage/engine_test_util.h"

namespace memkv::storage {
namespace {

using testing::MakeEngine;
using testing::Mode;
using testing::Pattern;
using testing::PinOf;
using testing::Read;

constexpr size_t kSmall = 100;
constexpr size_t kLarge = 40'000;  // at least large_value_bytes() (4 KiB) with these options

EngineOptions BufferOptions() {
  EngineOptions options = testing::TestOptions();
  options.memory_limit_bytes = size_t{8} << 20;
  options.max_item_bytes = 256 << 10;
  options.shard_count = 4;
  options.hash_seed = 42;  // two engines fed the same calls place and evict the same way
  return options;
}

ValueBuffer Filled(Engine& engine, std::string_view value) {
  ValueBuffer buffer = engine.AllocateValue(value.size());
  EXPECT_EQ(buffer.size(), value.size());
  if (!value.empty()) std::memcpy(buffer.data(), value.data(), value.size());
  return buffer;
}

class EngineValueBufferTest : public ::testing::Test {
 protected:
  EngineValueBufferTest() : engine_(MakeEngine(BufferOptions(), &clock_)) {}

  FakeClock clock_;
  std::unique_ptr<Engine> engine_;
};

TEST_F(EngineValueBufferTest, LargeValuesAdoptTheBufferInEveryMode) {
  ASSERT_EQ(engine_->large_value_bytes(), 4u << 10);
  uint64_t cas = 0;
  const StoreArgs modes[] = {Mode(StoreMode::kAdd), Mode(StoreMode::kSet),
                             Mode(StoreMode::kReplace), Mode(StoreMode::kSet, 0, 0, 1)};
  for (int i = 0; i < 4; ++i) {
    StoreArgs args = modes[i];
    if (args.compare_cas != 0) args.compare_cas = cas;
    const std::string value = Pattern(i, kLarge + i);
    ValueBuffer buffer = Filled(*engine_, value);
    const char* bytes = buffer.data();
    auto outcome = engine_->Store("k", std::move(buffer), args);
    ASSERT_TRUE(outcome.ok()) << outcome.status();
    ASSERT_EQ(outcome->result, StoreResult::kStored) << i;
    cas = outcome->cas;
    EXPECT_FALSE(buffer);
    ValuePin pin = PinOf(*engine_, "k");
    EXPECT_EQ(pin.value().data(), bytes) << i;  // the very bytes: no copy
    EXPECT_EQ(pin.value(), value) << i;
  }
}

// The same length as the stored value would be rewritten in place; a buffer is adopted instead,
// which saves the copy.
TEST_F(EngineValueBufferTest, SameLengthSetAdoptsRatherThanRewrites) {
  testing::MustStore(*engine_, "k", Pattern(1, kLarge));
  ValueBuffer buffer = Filled(*engine_, Pattern(2, kLarge));
  const char* bytes = buffer.data();
  ASSERT_TRUE(engine_->Store("k", std::move(buffer), {}).ok());
  EXPECT_EQ(PinOf(*engine_, "k").value().data(), bytes);
  EXPECT_EQ(Read(*engine_, "k")->value, Pattern(2, kLarge));
}

// A long key puts a value shorter than large_value_bytes() in a block too: adopted as well.
TEST_F(EngineValueBufferTest, LongKeyMakesAShorterValueExternalAndAdopted) {
  const std::string key(10'000, 'k');
  ValueBuffer buffer = Filled(*engine_, Pattern(1, 10'000));
  const char* bytes = buffer.data();
  ASSERT_TRUE(engine_->Store(key, std::move(buffer), {}).ok());
  EXPECT_EQ(PinOf(*engine_, key).value().data(), bytes);
}

TEST_F(EngineValueBufferTest, SmallValuesAreCopiedAndTheBufferFreed) {
  ValueBuffer buffer = Filled(*engine_, Pattern(1, kSmall));
  ASSERT_TRUE(engine_->Store("k", std::move(buffer), {}).ok());
  EXPECT_FALSE(buffer);  // freed (ASan would report a leak otherwise)
  EXPECT_FALSE(PinOf(*engine_, "k"));
  EXPECT_EQ(Read(*engine_, "k")->value, Pattern(1, kSmall));
}

TEST_F(EngineValueBufferTest, AppendAndPrependCopy) {
  testing::MustStore(*engine_, "k", Pattern(1, kLarge));
  ValueBuffer tail = Filled(*engine_, Pattern(2, kLarge));
  const char* bytes = tail.data();
  ASSERT_TRUE(engine_->Store("k", std::move(tail), Mode(StoreMode::kAppend)).ok());
  EXPECT_FALSE(tail);
  EXPECT_NE(PinOf(*engine_, "k").value().data(), bytes);
  EXPECT_EQ(Read(*engine_, "k")->value, Pattern(1, kLarge) + Pattern(2, kLarge));
}

// A buffer from another engine counts its pins elsewhere: it is copied, not adopted.
TEST_F(EngineValueBufferTest, BufferOfAnotherEngineIsCopied) {
  FakeClock clock;
  auto other = MakeEngine(BufferOptions(), &clock);
  ValueBuffer buffer = Filled(*other, Pattern(1, kLarge));
  const char* bytes = buffer.data();
  ASSERT_TRUE(engine_->Store("k", std::move(buffer), {}).ok());
  ValuePin pin = PinOf(*engine_, "k");
  EXPECT_NE(pin.value().data(), bytes);
  EXPECT_EQ(pin.value(), Pattern(1, kLarge));
  EXPECT_EQ(engine_->Stats().pinned_values, 1u);
  EXPECT_EQ(other->Stats().pinned_values, 0u);
}

TEST_F(EngineValueBufferTest, UnstoredBufferIsFreedByItsHolder) {
  ValueBuffer buffer = engine_->AllocateValue(kLarge);
  std::memset(buffer.data(), 'x', buffer.size());
  ValueBuffer moved = std::move(buffer);
  EXPECT_FALSE(buffer);
  EXPECT_EQ(moved.view(), std::string(kLarge, 'x'));
  moved.Reset();
  EXPECT_FALSE(moved);
  EXPECT_EQ(engine_->AllocateValue(0).size(), 0u);
}

// One call made on two engines with the same seed: through a string_view on one, through a
// buffer on the other. Both must answer the same and end in the same state.
class SameAsStringViewTest : public ::testing::Test {
 protected:
  SameAsStringViewTest()
      : by_view_(MakeEngine(BufferOptions(), &clock_)),
        by_buffer_(MakeEngine(BufferOptions(), &clock_)) {}

  void Store(const std::string& key, const std::string& value, StoreArgs args) {
    SCOPED_TRACE(key + " size " + std::to_string(value.size()));
    // A compare_cas of 1 stands for the key's current CAS (the same in both engines).
    if (args.compare_cas == 1) args.compare_cas = CurrentCas(*by_view_, key);
    auto expected = by_view_->Store(key, value, args);
    auto got = by_buffer_->Store(key, Filled(*by_buffer_, value), args);
    ASSERT_EQ(got.status(), expected.status());
    if (expected.ok()) {
      EXPECT_EQ(got->result, expected->result);
      EXPECT_EQ(got->cas, expected->cas);
    }
    ExpectSameState(key);
  }

  void ExpectSameState(const std::string& key) {
    const auto expected = Read(*by_view_, key);
    const auto got = Read(*by_buffer_, key);
    ASSERT_EQ(got.has_value(), expected.has_value());
    if (expected.has_value()) {
      EXPECT_EQ(got->value, expected->value);
      EXPECT_EQ(got->client_flags, expected->client_flags);
      EXPECT_EQ(got->expiry_millis, expected->expiry_millis);
      EXPECT_EQ(got->cas, expected->cas);
    }
    const EngineStats a = by_view_->Stats(), b = by_buffer_->Stats();
    EXPECT_EQ(b.curr_items, a.curr_items);
    EXPECT_EQ(b.total_items, a.total_items);
    EXPECT_EQ(b.bytes, a.bytes);
    EXPECT_EQ(b.memory_bytes, a.memory_bytes);
    EXPECT_EQ(b.evictions, a.evictions);
    EXPECT_EQ(b.with_expiry, a.with_expiry);
  }

  static uint64_t CurrentCas(Engine& engine, std::string_view key) {
    const auto item = Read(engine, key);
    return item.has_value() ? item->cas : 0;
  }

  FakeClock clock_;
  std::unique_ptr<Engine> by_view_;
  std::unique_ptr<Engine> by_buffer_;
};

TEST_F(SameAsStringViewTest, EveryModeAndOutcome) {
  const int64_t past = clock_.NowMillis() - 1;
  const int64_t future = clock_.NowMillis() + 60'000;
  for (size_t size : {kSmall, kLarge}) {
    const std::string k = "k" + std::to_string(size), other = "other" + std::to_string(size);
    Store(k, Pattern(1, size), Mode(StoreMode::kReplace));             // not stored: missing
    Store(k, Pattern(2, size), Mode(StoreMode::kAdd));                 // stored
    Store(k, Pattern(3, size), Mode(StoreMode::kAdd));                 // not stored: present
    Store(k, Pattern(4, size), Mode(StoreMode::kReplace, 7, future));  // stored, with fields
    Store(k, Pattern(5, size), Mode(StoreMode::kSet, 0, 0, 999'999));  // exists: cas mismatch
    Store(other, Pattern(6, size), Mode(StoreMode::kSet, 0, 0, 5));    // not found: cas, missing
    Store(k, Pattern(7, size), Mode(StoreMode::kSet, 3, 0, 1));        // stored: cas matches
    Store(k, Pattern(8, size), {});                                    // same length: in place
    Store(k, Pattern(9, size), Mode(StoreMode::kAppend));              // stored, copied
    Store(k, Pattern(10, size), Mode(StoreMode::kPrepend));            // stored, copied
    Store(other, Pattern(11, size), Mode(StoreMode::kAppend));         // not stored: missing
    StoreArgs given_cas;
    given_cas.new_cas = 4242;
    Store(other, Pattern(12, size), given_cas);                       // stored with that CAS
    Store(other, Pattern(13, size), Mode(StoreMode::kSet, 0, past));  // stored and gone at once
    Store(k, Pattern(14, 256 << 10), {});  // too large: fails and drops the old value
    Store(k, Pattern(15, size), Mode(StoreMode::kAdd, 0, 0));   // stored again
    Store(k, Pattern(16, 256 << 10), Mode(StoreMode::kAdd));    // too large whatever the mode
    Store(std::string(200 << 10, 'x'), Pattern(17, size), {});  // key too long for a record
  }
}

TEST_F(SameAsStringViewTest, EvictionFlood) {
  for (int i = 0; i < 600; ++i) {
    const size_t size = i % 4 == 0 ? kSmall : kLarge + 501 * (i % 50);
    ASSERT_NO_FATAL_FAILURE(Store("flood" + std::to_string(i % 400), Pattern(i, size), {}));
  }
  EXPECT_GT(by_view_->Stats().evictions, 0u);
}

}  // namespace
}  // namespace memkv::storage
