// Clock: where the storage engine reads the time, so that tests can move it by hand.
//
// Time is unix milliseconds (memcached's exptime and Redis's PX both map onto it). RealClock
// reads CLOCK_REALTIME; FakeClock holds a value a test sets. Both are safe to call from any
// thread: the engine's background reclaimer reads the clock beside request threads.
#ifndef MEMKV_STORAGE_CLOCK_H_
#define MEMKV_STORAGE_CLOCK_H_

#include <atomic>
#include <cstdint>

namespace memkv::storage {

class Clock {
 public:
  virtual ~Clock() = default;
  // Current unix time in milliseconds. Thread-safe.
  virtual int64_t NowMillis() const = 0;
};

class RealClock final : public Clock {
 public:
  int64_t NowMillis() const override;
};

// A clock that stands still until told to move. Thread-safe.
class FakeClock final : public Clock {
 public:
  explicit FakeClock(int64_t start_millis = 1'700'000'000'000) : now_(start_millis) {}
  int64_t NowMillis() const override { return now_.load(std::memory_order_relaxed); }
  void Set(int64_t millis) { now_.store(millis, std::memory_order_relaxed); }
  void Advance(int64_t millis) { now_.fetch_add(millis, std::memory_order_relaxed); }

 private:
  std::atomic<int64_t> now_;
};

}  // namespace memkv::storage

#endif  // MEMKV_STORAGE_CLOCK_H_
