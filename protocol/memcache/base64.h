// Base64 as memcached's meta commands use it for binary keys (the b flag): memcached's own codec
// (base64.c, RFC 1341 with its quirks), so that memkv accepts and refuses exactly the keys
// memcached does and prints them back the same way.
//
// Decoding skips every byte outside the alphabet, needs a multiple of four alphabet bytes, and
// stops after the first padded block. Plain functions: any thread.
#ifndef MEMKV_PROTOCOL_MEMCACHE_BASE64_H_
#define MEMKV_PROTOCOL_MEMCACHE_BASE64_H_

#include <cstddef>
#include <string>
#include <string_view>

namespace memkv::protocol {

// Appends the base64 encoding of `bytes` (with '=' padding) to `*out`.
void AppendBase64(std::string_view bytes, std::string* out);

// The number of bytes AppendBase64 appends for `size` input bytes.
inline size_t Base64EncodedSize(size_t size) { return (size + 2) / 3 * 4; }

// Decodes `text` into `out` (room for `capacity` bytes). Returns the decoded length, or 0 when
// memcached's decoder fails: no alphabet bytes, a count not a multiple of four, more than two
// '=' in the final block, or not enough room.
size_t DecodeBase64(std::string_view text, char* out, size_t capacity);

}  // namespace memkv::protocol

#endif  // MEMKV_PROTOCOL_MEMCACHE_BASE64_H_
