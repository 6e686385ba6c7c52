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

TEST(EnginePinConcurrencyTest, PinsReleasedOnOtherThreadsWhileStoresGoOn) {
  RealClock clock;
  EngineOptions options;
  options.memory_limit_bytes = size_t{8} << 20;
  options.max_item_bytes = 256 << 10;
  options.shard_count = 4;
  options.reclaim_period_millis = 1;  // the reclaimer runs beside the workers
  auto engine = MakeEngine(options, &clock);
  PinQueue queue;
  std::atomic<int> writers_left{2};
  std::atomic<int> readers_left{2};
  std::atomic<int> corrupt{0};
  std::atomic<uint64_t> released{0};

  auto writer = [&](uint32_t id) {
    std::mt19937 rng(id);
    for (int op = 0; op < kWriteOps; ++op) {
      const std::string key = "k" + std::to_string(rng() % kKeys);
      const uint32_t dice = rng() % 1000;
      if (dice < 450) {
        (void)engine->Store(key, ValueFor(static_cast<uint32_t>(rng())), {});
      } else if (dice < 850) {  // received into a buffer and adopted
        const std::string value = ValueFor(static_cast<uint32_t>(rng()));
        ValueBuffer buffer = engine->AllocateValue(value.size());
        std::memcpy(buffer.data(), value.data(), value.size());
        (void)engine->Store(key, std::move(buffer), {});
      } else if (dice < 999) {
        engine->Delete(key);
      } else {
        engine->FlushAll();
      }
    }
    --writers_left;
  };
  auto reader = [&](uint32_t id) {
    std::mt19937 rng(id);
    // Until the writers are done, so that pins are taken all through their work.
    for (int op = 0; op < kReadOps || writers_left.load() > 0; ++op) {
      ValuePin pin = testing::PinOf(*engine, "k" + std::to_string(rng() % kKeys));
      if (pin) queue.Push(std::move(pin));
    }
    --readers_left;
  };
  auto releaser = [&] {
    for (;;) {
      ValuePin pin = queue.Pop();
      if (!pin) {
        if (readers_left.load() == 0) return;
        std::this_thread::yield();
        continue;
      }
      if (!Intact(pin.value())) ++corrupt;
      ++released;
    }  // each pin is released here, on a thread that did not make it
  };
  std::vector<std::thread> threads;
  threads.emplace_back(writer, 1);
  threads.emplace_back(writer, 2);
  threads.emplace_back(reader, 3);
  threads.emplace_back(reader, 4);
  threads.emplace_back(releaser);
  threads.emplace_back(releaser);
  for (auto& thread : threads) thread.join();

  EXPECT_EQ(writers_left.load(), 0);
  EXPECT_EQ(corrupt.load(), 0);
  EXPECT_GT(released.load(), 1000u);
  const EngineStats stats = engine->Stats();
  EXPECT_GT(stats.evictions, 0u);
  EXPECT_LE(stats.memory_bytes, options.memory_limit_bytes);
  EXPECT_EQ(stats.pinned_values, 0u);
  EXPECT_EQ(stats.pinned_bytes, 0u);
  EXPECT_EQ(stats.pinned_dropped_values, 0u);
  EXPECT_EQ(stats.pinned_dropped_bytes, 0u);
}

}  // namespace
}  // namespace memkv::storage
