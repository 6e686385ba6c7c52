// storage::ValuePin across threads: readers pin large values while writers overwrite, delete,
// evict and flush them, and other threads check and release the pins. Run under AddressSanitizer
// (tools/run_tests.sh) this is the test of the reference counting: a block freed while pinned, or
// released twice, is reported there; here a value changed under its pin is.
#include <atomic>
#include <cstdint>
#include <cstring>
#include <deque>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "absl/synchronization/mutex.h"
#include "gtest/gtest.h"
#include "storage/engine.h"
#include "tests/storage/engine_test_util.h"

namespace memkv::storage {
namespace {

using testing::MakeEngine;
using testing::Pattern;

constexpr int kKeys = 400;  // ~19 MB of values into an 8 MB limit: evictions too
constexpr int kWriteOps = 6000;
constexpr int kReadOps = 5000;
constexpr size_t kMaxQueued = 200;

// A value that says what it should be: its tag in the first 4 bytes, the pattern of that tag
// after them. Sizes from 16 KiB (large at this limit) to ~80 KiB.
std::string ValueFor(uint32_t tag) {
  const size_t size = 16'384 + tag % 64'000;
  std::string value = Pattern(tag, size);
  std::memcpy(value.data(), &tag, sizeof(tag));
  return value;
}

bool Intact(std::string_view value) {
  uint32_t tag;
  if (value.size() < sizeof(tag)) return false;
  std::memcpy(&tag, value.data(), sizeof(tag));
  return value == ValueFor(tag);
}

// Pins handed from the threads that make them to the threads that release them.
class PinQueue {
 public:
  // Waits while the queue is full, so that every pin is released by a releasing thread.
  void Push(ValuePin pin) {
    absl::MutexLock lock(&mu_);
    mu_.Await(absl::Condition(this, &PinQueue::HasRoom));
    pins_.push_back(std::move(pin));
  }
  // An empty pin if none is queued.
  ValuePin Pop() {
    absl::MutexLock lock(&mu_);
    if (pins_.empty()) return ValuePin();
    ValuePin pin = std::move(pins_.front());
    pins_.pop_front();
    return pin;
  }

 private:
  bool HasRoom() const ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) { return pins_.size() < kMaxQueued; }

  absl::Mutex mu_;
  std::deque<ValuePin> pins_ ABSL_GUARDED_BY(mu_);
};

EngineOptions ConcurrencyOptions() {
  EngineOptions options;
  options.memory_limit_bytes = size_t{8} << 20;
  options.max_item_bytes = 256 << 10;
  options.shard_count = 4;
  options.reclaim_period_millis = 1;  // the reclaimer runs beside the workers
  return options;
}

class EnginePinConcurrencyTest : public ::testing::Test {
 protected:
  EnginePinConcurrencyTest() : engine_(MakeEngine(ConcurrencyOptions(), &clock_)) {}

  // Stores (copied or adopted from a buffer), deletes and now and then flushes.
  void Writer(uint32_t seed) {
    std::mt19937 rng(seed);
    for (int op = 0; op < kWriteOps; ++op) {
      const std::string key = "k" + std::to_string(rng() % kKeys);
      const uint32_t dice = rng() % 1000;
      if (dice < 450) {
        (void)engine_->Store(key, ValueFor(static_cast<uint32_t>(rng())), {});
      } else if (dice < 850) {
        const std::string value = ValueFor(static_cast<uint32_t>(rng()));
        ValueBuffer buffer = engine_->AllocateValue(value.size());
        std::memcpy(buffer.data(), value.data(), value.size());
        (void)engine_->Store(key, std::move(buffer), {});
      } else if (dice < 999) {
        engine_->Delete(key);
      } else {
        engine_->FlushAll();
      }
    }
    --writers_left_;
  }

  // Pins values and hands the pins over, until the writers are done.
  void Reader(uint32_t seed) {
    std::mt19937 rng(seed);
    for (int op = 0; op < kReadOps || writers_left_.load() > 0; ++op) {
      ValuePin pin = testing::PinOf(*engine_, "k" + std::to_string(rng() % kKeys));
      if (pin) queue_.Push(std::move(pin));
    }
    --readers_left_;
  }

  // Checks and releases pins that other threads made, until the readers are done.
  void Releaser() {
    for (;;) {
      // Read before popping: once the readers are done, an empty queue stays empty.
      const bool readers_done = readers_left_.load() == 0;
      ValuePin pin = queue_.Pop();
      if (!pin) {
        if (readers_done) return;
        std::this_thread::yield();
        continue;
      }
      if (!Intact(pin.value())) ++corrupt_;
      ++released_;
    }  // each pin is released here
  }

  RealClock clock_;
  std::unique_ptr<Engine> engine_;
  PinQueue queue_;
  std::atomic<int> writers_left_{2};
  std::atomic<int> readers_left_{2};
  std::atomic<int> corrupt_{0};
  std::atomic<uint64_t> released_{0};
};

TEST_F(EnginePinConcurrencyTest, PinsReleasedOnOtherThreadsWhileStoresGoOn) {
  std::vector<std::thread> threads;
  threads.emplace_back([this] { Writer(1); });
  threads.emplace_back([this] { Writer(2); });
  threads.emplace_back([this] { Reader(3); });
  threads.emplace_back([this] { Reader(4); });
  threads.emplace_back([this] { Releaser(); });
  threads.emplace_back([this] { Releaser(); });
  for (auto& thread : threads) thread.join();

  EXPECT_EQ(corrupt_.load(), 0);
  EXPECT_GT(released_.load(), 1000u);
  const EngineStats stats = engine_->Stats();
  EXPECT_GT(stats.evictions, 0u);
  EXPECT_LE(stats.memory_bytes, stats.limit_maxbytes);
  EXPECT_EQ(stats.pinned_values, 0u);
  EXPECT_EQ(stats.pinned_bytes, 0u);
  EXPECT_EQ(stats.pinned_dropped_values, 0u);
  EXPECT_EQ(stats.pinned_dropped_bytes, 0u);
}

}  // namespace
}  // namespace memkv::storage
