// The workload's pieces: how keys are named, what each key's value holds, and which operation,
// keys and value size come next.
//
// Values are derived from their key (a window into a fixed repeating pattern, starting at an
// offset that is a hash of the key number), so any answer can be checked without remembering
// what was stored, and a value never needs to be built: it is a view into the pattern.
//
// KeyNamer and ValuePattern are immutable after construction: any thread. OpGenerator draws from
// the caller's Rng and is immutable too; each worker thread brings its own Rng.
#ifndef MEMKV_TOOLS_BENCH_WORKLOAD_H_
#define MEMKV_TOOLS_BENCH_WORKLOAD_H_

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "tools/bench/options.h"
#include "tools/bench/random.h"
#include "tools/bench/zipf.h"

namespace memkv::bench {

// Keys are prefix + the key number, zero-padded to a fixed width: "key:00042".
class KeyNamer {
 public:
  KeyNamer(std::string prefix, int width);

  size_t length() const { return prefix_.size() + static_cast<size_t>(width_); }

  // Writes the key of `number` into `out` (length() bytes) and returns a view of it.
  // REQUIRES: `number` has at most `width` digits.
  std::string_view Format(uint64_t number, char* out) const;

 private:
  std::string prefix_;
  int width_;
};

class ValuePattern {
 public:
  explicit ValuePattern(size_t max_length);

  // The value stored under key number `key`, `length` bytes long. REQUIRES: length <= max.
  std::string_view ValueFor(uint64_t key, size_t length) const {
    return std::string_view(pattern_).substr(Offset(key), length);
  }
  // Whether `data` is what ValueFor(key, data.size()) is.
  bool Matches(uint64_t key, std::string_view data) const {
    return data.size() <= max_length_ && data == ValueFor(key, data.size());
  }

 private:
  static constexpr size_t kPeriod = 61;  // prime, so neighbouring offsets never line up
  static size_t Offset(uint64_t key) { return Mix64(key ^ 0x6d656d6b76ULL) % kPeriod; }

  size_t max_length_;
  std::string pattern_;
};

class OpGenerator {
 public:
  explicit OpGenerator(const BenchOptions& options);

  // True: the next request is a set; false: a get.
  bool NextIsSet(Rng& rng) const { return rng.Uniform(total_weight_) >= get_weight_; }
  uint64_t NextKey(Rng& rng) const { return zipf_ ? zipf_->Next(rng) : rng.Uniform(keyspace_); }
  size_t NextValueSize(Rng& rng) const {
    return value_min_ + static_cast<size_t>(rng.Uniform(value_max_ - value_min_ + 1));
  }

 private:
  uint64_t get_weight_;
  uint64_t total_weight_;
  uint64_t keyspace_;
  size_t value_min_;
  size_t value_max_;
  std::optional<ZipfGenerator> zipf_;
};

}  // namespace memkv::bench

#endif  // MEMKV_TOOLS_BENCH_WORKLOAD_H_
