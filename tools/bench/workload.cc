#include "tools/bench/workload.h"

#include <cstring>
#include <utility>

namespace memkv::bench {

KeyNamer::KeyNamer(std::string prefix, int width) : prefix_(std::move(prefix)), width_(width) {}

std::string_view KeyNamer::Format(uint64_t number, char* out) const {
  std::memcpy(out, prefix_.data(), prefix_.size());
  char* digit = out + length();
  for (int i = 0; i < width_; ++i) {
    *--digit = static_cast<char>('0' + number % 10);
    number /= 10;
  }
  return std::string_view(out, length());
}

ValuePattern::ValuePattern(size_t max_length) : max_length_(max_length) {
  static constexpr std::string_view kAlphabet =
      "0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXY";
  static_assert(kAlphabet.size() == kPeriod);
  pattern_.reserve(max_length + kPeriod);
  while (pattern_.size() < max_length + kPeriod) pattern_.append(kAlphabet);
}

OpGenerator::OpGenerator(const BenchOptions& options)
    : get_weight_(options.get_weight),
      total_weight_(uint64_t{options.get_weight} + options.set_weight),
      keyspace_(options.keyspace),
      value_min_(options.value_min),
      value_max_(options.value_max) {
  if (options.zipf_theta > 0) zipf_.emplace(options.keyspace, options.zipf_theta);
}

}  // namespace memkv::bench
