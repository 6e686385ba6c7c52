// The memcached binary protocol's wire constants: magic bytes, opcodes, response statuses and the
// 24-byte header's layout, as memcached 1.6.18's protocol_binary.h and doc/protocol-binary.txt
// define them. Only the opcodes memcached 1.6.18 serves are named; every other opcode is answered
// "Unknown command".
//
// Constants only: any thread.
#ifndef MEMKV_PROTOCOL_MEMCACHE_BINARY_PROTOCOL_H_
#define MEMKV_PROTOCOL_MEMCACHE_BINARY_PROTOCOL_H_

#include <cstddef>
#include <cstdint>

namespace memkv::protocol::binary {

inline constexpr uint8_t kRequestMagic = 0x80;
inline constexpr uint8_t kResponseMagic = 0x81;
inline constexpr size_t kHeaderBytes = 24;

// Opcodes. The quiet variants answer only failures (and, for the get family, hits).
enum Opcode : uint8_t {
  kGet = 0x00,
  kSet = 0x01,
  kAdd = 0x02,
  kReplace = 0x03,
  kDelete = 0x04,
  kIncrement = 0x05,
  kDecrement = 0x06,
  kQuit = 0x07,
  kFlush = 0x08,
  kGetQ = 0x09,
  kNoop = 0x0a,
  kVersion = 0x0b,
  kGetK = 0x0c,
  kGetKQ = 0x0d,
  kAppend = 0x0e,
  kPrepend = 0x0f,
  kStat = 0x10,
  kSetQ = 0x11,
  kAddQ = 0x12,
  kReplaceQ = 0x13,
  kDeleteQ = 0x14,
  kIncrementQ = 0x15,
  kDecrementQ = 0x16,
  kQuitQ = 0x17,
  kFlushQ = 0x18,
  kAppendQ = 0x19,
  kPrependQ = 0x1a,
  kTouch = 0x1c,
  kGat = 0x1d,
  kGatQ = 0x1e,
  kSaslListMechs = 0x20,
  kSaslAuth = 0x21,
  kSaslStep = 0x22,
  kGatK = 0x23,
  kGatKQ = 0x24,
};

// Response statuses, and the text memcached sends as the body of each error.
enum Status : uint16_t {
  kSuccess = 0x00,
  kKeyNotFound = 0x01,       // "Not found"
  kKeyExists = 0x02,         // "Data exists for key."
  kTooLarge = 0x03,          // "Too large."
  kInvalidArguments = 0x04,  // "Invalid arguments"
  kNotStored = 0x05,         // "Not stored."
  kDeltaBadValue = 0x06,     // "Non-numeric server-side value for incr or decr"
  kAuthError = 0x20,         // "Auth failure."
  kAuthContinue = 0x21,
  kUnknownCommand = 0x81,  // "Unknown command"
  kOutOfMemory = 0x82,     // "Out of memory"
};

// The offsets of a request header's fields (all big-endian).
inline constexpr size_t kMagicOffset = 0;
inline constexpr size_t kOpcodeOffset = 1;
inline constexpr size_t kKeyLengthOffset = 2;
inline constexpr size_t kExtrasLengthOffset = 4;
inline constexpr size_t kBodyLengthOffset = 8;
inline constexpr size_t kOpaqueOffset = 12;
inline constexpr size_t kCasOffset = 16;

// memcached's KEY_MAX_LENGTH and MAX_SASL_MECH_LEN.
inline constexpr size_t kMaxKeyLength = 250;
inline constexpr size_t kMaxSaslMechanismLength = 32;

// An INCREMENT / DECREMENT expiration of all ones: do not create a missing counter.
inline constexpr uint32_t kNoInitialValue = 0xffffffff;

}  // namespace memkv::protocol::binary

#endif  // MEMKV_PROTOCOL_MEMCACHE_BINARY_PROTOCOL_H_
