// BinaryRequest: one memcached binary-protocol request as BinaryRequestParser frames it: the
// header's fields, views of its extras, key and value, the extras decoded for the command, and
// what memcached 1.6.18 would refuse about it (`problem`), which the executor answers.
//
// Plain value type; any thread. The views point into the parser's input.
#ifndef MEMKV_PROTOCOL_MEMCACHE_BINARY_REQUEST_H_
#define MEMKV_PROTOCOL_MEMCACHE_BINARY_REQUEST_H_

#include <cstdint>
#include <string_view>

#include "protocol/memcache/binary_protocol.h"

namespace memkv::protocol {

// What is wrong with a framed request, in the order memcached checks (dispatch_bin_command).
enum class BinaryProblem : uint8_t {
  kNone,
  // Key or key + extras longer than the body: "Unknown command", then close.
  kBadLengths,
  // A key longer than 250 bytes, or extras / key / body lengths the command does not take:
  // "Invalid arguments", then close.
  kInvalid,
  // An opcode memcached does not serve: "Unknown command"; the connection lives.
  kUnknownCommand,
  // A store whose item would exceed the item limit: "Too large." (a SET also drops the old item);
  // SASL data too large: "Out of memory". The value is swallowed.
  kTooLarge,
  // A SASL mechanism name longer than 32 bytes: "Invalid arguments"; the data is swallowed.
  kMechanismTooLong,
};

struct BinaryRequest {
  uint8_t opcode = 0;   // as sent; replies carry it back
  uint8_t command = 0;  // the opcode with quietness removed (kGetQ -> kGet, ...)
  bool quiet = false;   // one of the quiet opcodes
  BinaryProblem problem = BinaryProblem::kNone;
  uint32_t body_length = 0;
  uint32_t opaque = 0;  // echoed in the reply
  uint64_t cas = 0;
  std::string_view key;
  std::string_view value;  // stores and SASL: the body after extras and key (empty if too large)
  // Decoded extras of the commands that have them (zero otherwise).
  uint32_t flags = 0;           // SET / ADD / REPLACE
  uint32_t expiration = 0;      // SET family, INCR / DECR, TOUCH / GAT, FLUSH
  uint64_t delta = 0;           // INCR / DECR
  uint64_t initial = 0;         // INCR / DECR
  bool has_expiration = false;  // FLUSH with its 4 bytes of extras
};

}  // namespace memkv::protocol

#endif  // MEMKV_PROTOCOL_MEMCACHE_BINARY_REQUEST_H_
