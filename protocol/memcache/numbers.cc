#include "protocol/memcache/numbers.h"

#include <cstddef>

namespace memkv::protocol::memcache_internal {
namespace {

// C's isspace() in the "C" locale, which strtol() skips before a number and which safe_strto*
// accept right after one.
bool IsCSpace(char c) { return c == ' ' || (c >= '\t' && c <= '\r'); }

// The part of strtoull/strtol(s, &end, 10) they share: leading white space, a sign, digits.
struct Scan {
  bool negative = false;
  bool overflow = false;  // the magnitude does not fit in 64 bits (ERANGE)
  uint64_t magnitude = 0;
  size_t end = 0;  // index after the last digit; 0 when there were no digits
};

Scan ScanDecimal(std::string_view s) {
  Scan scan;
  size_t i = 0;
  while (i < s.size() && IsCSpace(s[i])) ++i;
  if (i < s.size() && (s[i] == '+' || s[i] == '-')) {
    scan.negative = s[i] == '-';
    ++i;
  }
  const size_t digits_start = i;
  for (; i < s.size() && s[i] >= '0' && s[i] <= '9'; ++i) {
    const uint64_t digit = static_cast<uint64_t>(s[i] - '0');
    if (scan.magnitude > (UINT64_MAX - digit) / 10) scan.overflow = true;
    scan.magnitude = scan.magnitude * 10 + digit;
  }
  scan.end = i == digits_start ? 0 : i;
  return scan;
}

// safe_strto*'s test of what follows the number: the end of the token or a white-space byte
// (tokens hold no spaces, but may hold tabs or a CR; whatever follows that is ignored).
bool EndsWell(std::string_view s, const Scan& scan) {
  return scan.end != 0 && (scan.end == s.size() || IsCSpace(s[scan.end]));
}

}  // namespace

bool SafeStrtoull(std::string_view s, uint64_t* out) {
  const Scan scan = ScanDecimal(s);
  if (scan.overflow || !EndsWell(s, scan)) return false;
  const uint64_t value = scan.negative ? 0 - scan.magnitude : scan.magnitude;
  if (static_cast<int64_t>(value) < 0 && s.find('-') != std::string_view::npos) return false;
  *out = value;
  return true;
}

bool SafeStrtoul(std::string_view s, uint32_t* out) {
  uint64_t value = 0;
  if (!SafeStrtoull(s, &value)) return false;
  *out = static_cast<uint32_t>(value);
  return true;
}

bool SafeStrtol(std::string_view s, int32_t* out) {
  const Scan scan = ScanDecimal(s);
  const uint64_t limit = scan.negative ? uint64_t{1} << 63 : (uint64_t{1} << 63) - 1;
  if (scan.overflow || scan.magnitude > limit || !EndsWell(s, scan)) return false;
  const uint64_t value = scan.negative ? 0 - scan.magnitude : scan.magnitude;
  *out = static_cast<int32_t>(static_cast<uint32_t>(value));
  return true;
}

}  // namespace memkv::protocol::memcache_internal
