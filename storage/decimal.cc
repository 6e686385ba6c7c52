#include "storage/decimal.h"

#include <cstdio>

namespace memkv::storage {
namespace {

// isspace() in the C locale, which memcached's strtoull and xisspace use.
bool IsSpace(char c) {
  return c == ' ' || c == '\t' || c == '\n' || c == '\v' || c == '\f' || c == '\r';
}

}  // namespace

std::optional<uint64_t> ParseIncrementable(std::string_view value) {
  size_t i = 0;
  while (i < value.size() && IsSpace(value[i])) ++i;
  bool negative = false;
  if (i < value.size() && (value[i] == '+' || value[i] == '-')) {
    negative = value[i] == '-';
    ++i;
  }
  const size_t digits_start = i;
  uint64_t result = 0;
  for (; i < value.size() && value[i] >= '0' && value[i] <= '9'; ++i) {
    const uint64_t digit = static_cast<uint64_t>(value[i] - '0');
    if (result > (UINT64_MAX - digit) / 10) return std::nullopt;  // strtoull's ERANGE
    result = result * 10 + digit;
  }
  if (i == digits_start) return std::nullopt;  // no conversion
  // memcached's data ends in "\r\n", so the end of the value is a terminator; so is a NUL.
  if (i < value.size() && !IsSpace(value[i]) && value[i] != '\0') return std::nullopt;
  if (negative) {
    result = 0 - result;  // what strtoull returns for a negative number
    if (static_cast<int64_t>(result) < 0) return std::nullopt;
  }
  return result;
}

uint64_t ApplyDelta(uint64_t current, uint64_t delta, bool decrement) {
  if (!decrement) return current + delta;  // unsigned: wraps mod 2^64 as memcached does
  return delta > current ? 0 : current - delta;
}

std::string FormatIncremented(uint64_t value, size_t old_length) {
  char digits[24];
  const int n =
      std::snprintf(digits, sizeof(digits), "%llu", static_cast<unsigned long long>(value));
  std::string out(digits, static_cast<size_t>(n));
  if (out.size() <= old_length) out.resize(old_length, ' ');
  return out;
}

}  // namespace memkv::storage
