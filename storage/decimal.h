// Decimal helpers for incr/decr: parse a stored value the way memcached 1.6 does and format the
// result the way it writes it back.
//
// Pure functions; callable from any thread.
#ifndef MEMKV_STORAGE_DECIMAL_H_
#define MEMKV_STORAGE_DECIMAL_H_

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace memkv::storage {

// Parses `value` as memcached 1.6.18's safe_strtoull does on an item's data: optional leading
// whitespace, an optional sign, at least one decimal digit, no overflow of uint64, then the end
// of the value or a whitespace (anything may follow it: "1 2" reads as 1). A minus sign is
// accepted only if the negated result fits in 63 bits ("-0" is 0, "-1" is not a number). An
// empty value is not a number. Checked against memcached 1.6.18 (tests/storage/decimal_test.cc).
std::optional<uint64_t> ParseIncrementable(std::string_view value);

// Applies incr (wrapping mod 2^64) or decr (stopping at 0).
uint64_t ApplyDelta(uint64_t current, uint64_t delta, bool decrement);

// The bytes memcached stores after incr/decr: the decimal number, right-padded with spaces to
// `old_length` when it is not longer (memcached rewrites such items in place: "10" decr 1 reads
// back as "9 "), else the bare number.
std::string FormatIncremented(uint64_t value, size_t old_length);

}  // namespace memkv::storage

#endif  // MEMKV_STORAGE_DECIMAL_H_
