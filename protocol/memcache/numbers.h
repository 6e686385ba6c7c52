// memcached's numbers: safe_strtoull, safe_strtoul and safe_strtol (util.c), which the text and
// meta request parsers use for every numeric token, so that memkv accepts, refuses and truncates
// exactly the numbers memcached does (" 5", "+5" and "5\t" are 5; "-1" is refused where unsigned;
// 4294967297 reads as 1 where 32 bits are kept).
//
// Used by the parsers of protocol/memcache/, and by the server's administrative commands
// (server/exec/text_admin.cc) for their numeric arguments. Plain functions: any thread.
#ifndef MEMKV_PROTOCOL_MEMCACHE_NUMBERS_H_
#define MEMKV_PROTOCOL_MEMCACHE_NUMBERS_H_

#include <cstdint>
#include <string_view>

namespace memkv::protocol::memcache_internal {

// Each returns false, leaving *out alone, where memcached's function returns false.

// safe_strtoull: strtoull semantics, so "-1" wraps, which is then refused because it looks
// negative as a signed number and the token holds a '-'.
bool SafeStrtoull(std::string_view s, uint64_t* out);

// safe_strtoul: as safe_strtoull on a 64-bit long, then stored into 32 bits.
bool SafeStrtoul(std::string_view s, uint32_t* out);

// safe_strtol: strtol into a 64-bit long (out of range is refused), then stored into 32 bits.
bool SafeStrtol(std::string_view s, int32_t* out);

}  // namespace memkv::protocol::memcache_internal

#endif  // MEMKV_PROTOCOL_MEMCACHE_NUMBERS_H_
