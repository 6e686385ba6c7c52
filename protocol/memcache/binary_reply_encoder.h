// The memcached binary protocol's response packets, as memcached 1.6.18 writes them
// (add_bin_header, write_bin_error, append_bin_stats): magic 0x81, the request's opcode and
// opaque echoed, data type 0, all fields big-endian.
//
// Pure functions appending to a string: any thread.
#ifndef MEMKV_PROTOCOL_MEMCACHE_BINARY_REPLY_ENCODER_H_
#define MEMKV_PROTOCOL_MEMCACHE_BINARY_REPLY_ENCODER_H_

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "protocol/memcache/binary_protocol.h"

namespace memkv::protocol {

// The fields of a response header besides the constant ones.
struct BinaryReplyHeader {
  uint8_t opcode = 0;
  uint16_t status = binary::kSuccess;
  uint32_t opaque = 0;
  uint64_t cas = 0;
  size_t extras_length = 0;
  size_t key_length = 0;
  size_t body_length = 0;  // extras + key + value
};

// The 24-byte header alone (the caller appends the body it announces).
void AppendBinaryHeader(const BinaryReplyHeader& header, std::string* out);

// A whole response: header, then `extras`, `key`, `value`. Status, opcode, opaque and CAS come
// from `header`; the lengths from the parts.
void AppendBinaryReply(BinaryReplyHeader header, std::string_view extras, std::string_view key,
                       std::string_view value, std::string* out);

// An error response with memcached's text for `status` as its body ("Not found", "Too large.",
// ...); CAS 0.
void AppendBinaryError(uint8_t opcode, uint32_t opaque, uint16_t status, std::string* out);

// memcached's body text for an error status ("" for a status it has none for).
std::string_view BinaryErrorText(uint16_t status);

// 4 big-endian bytes (client flags, an expiration) and 8 (a counter's value).
void AppendBigEndian32(uint32_t value, std::string* out);
void AppendBigEndian64(uint64_t value, std::string* out);

}  // namespace memkv::protocol

#endif  // MEMKV_PROTOCOL_MEMCACHE_BINARY_REPLY_ENCODER_H_
