// Framing and validation follow memcached 1.6.18's proto_bin.c: try_read_command_binary reads the
// header, extras and key; dispatch_bin_command checks the lengths, then each command's shape;
// process_bin_update / process_bin_append_prepend / process_bin_sasl_auth read the value.
#include "protocol/memcache/binary_request_parser.h"

#include <cstdint>

#include "protocol/memcache/item_size.h"

namespace memkv::protocol {
namespace {

using memcache_internal::MemcachedItemSize;
namespace bin = binary;

uint64_t ReadBigEndian(std::string_view bytes, size_t offset, size_t width) {
  uint64_t value = 0;
  for (size_t i = 0; i < width; ++i) {
    value = (value << 8) | static_cast<uint8_t>(bytes[offset + i]);
  }
  return value;
}

// The command a quiet opcode is the silent form of; false for the loud ones.
bool Unquiet(uint8_t opcode, uint8_t* command) {
  switch (opcode) {
    case bin::kGetQ:
      *command = bin::kGet;
      return true;
    case bin::kGetKQ:
      *command = bin::kGetK;
      return true;
    case bin::kSetQ:
      *command = bin::kSet;
      return true;
    case bin::kAddQ:
      *command = bin::kAdd;
      return true;
    case bin::kReplaceQ:
      *command = bin::kReplace;
      return true;
    case bin::kDeleteQ:
      *command = bin::kDelete;
      return true;
    case bin::kIncrementQ:
      *command = bin::kIncrement;
      return true;
    case bin::kDecrementQ:
      *command = bin::kDecrement;
      return true;
    case bin::kQuitQ:
      *command = bin::kQuit;
      return true;
    case bin::kFlushQ:
      *command = bin::kFlush;
      return true;
    case bin::kAppendQ:
      *command = bin::kAppend;
      return true;
    case bin::kPrependQ:
      *command = bin::kPrepend;
      return true;
    case bin::kGatQ:
      *command = bin::kGat;
      return true;
    case bin::kGatKQ:
      *command = bin::kGatK;
      return true;
    default:
      *command = opcode;
      return false;
  }
}

// Whether the command's extras, key and body lengths are the ones memcached accepts
// (dispatch_bin_command's per-command checks): kInvalid is "Invalid arguments" and a close;
// kUnknown, an opcode memcached does not serve.
enum class Shape { kValid, kInvalid, kUnknown };

Shape CheckShape(uint8_t command, size_t extlen, size_t keylen, size_t bodylen) {
  const bool empty = extlen == 0 && keylen == 0 && bodylen == 0;
  switch (command) {
    case bin::kVersion:
    case bin::kNoop:
    case bin::kQuit:
    case bin::kSaslListMechs:
      return empty ? Shape::kValid : Shape::kInvalid;
    case bin::kFlush:
      return keylen == 0 && bodylen == extlen && (extlen == 0 || extlen == 4) ? Shape::kValid
                                                                              : Shape::kInvalid;
    case bin::kSet:
    case bin::kAdd:
    case bin::kReplace:
      return extlen == 8 && keylen != 0 && bodylen >= keylen + 8 ? Shape::kValid : Shape::kInvalid;
    case bin::kGet:
    case bin::kGetK:
    case bin::kDelete:
      return extlen == 0 && keylen > 0 && bodylen == keylen ? Shape::kValid : Shape::kInvalid;
    case bin::kIncrement:
    case bin::kDecrement:
      return keylen > 0 && extlen == 20 && bodylen == keylen + extlen ? Shape::kValid
                                                                      : Shape::kInvalid;
    case bin::kAppend:
    case bin::kPrepend:
      return keylen > 0 && extlen == 0 ? Shape::kValid : Shape::kInvalid;
    case bin::kStat:
      return extlen == 0 ? Shape::kValid : Shape::kInvalid;
    case bin::kSaslAuth:
    case bin::kSaslStep:
      return extlen == 0 && keylen != 0 ? Shape::kValid : Shape::kInvalid;
    case bin::kTouch:
    case bin::kGat:
    case bin::kGatK:
      return extlen == 4 && keylen != 0 ? Shape::kValid : Shape::kInvalid;
    default:
      return Shape::kUnknown;
  }
}

bool CarriesValue(uint8_t command) {
  switch (command) {
    case bin::kSet:
    case bin::kAdd:
    case bin::kReplace:
    case bin::kAppend:
    case bin::kPrepend:
    case bin::kSaslAuth:
    case bin::kSaslStep:
      return true;
    default:
      return false;
  }
}

void DecodeExtras(std::string_view extras, BinaryRequest* out) {
  switch (out->command) {
    case bin::kSet:
    case bin::kAdd:
    case bin::kReplace:
      out->flags = static_cast<uint32_t>(ReadBigEndian(extras, 0, 4));
      out->expiration = static_cast<uint32_t>(ReadBigEndian(extras, 4, 4));
      break;
    case bin::kIncrement:
    case bin::kDecrement:
      out->delta = ReadBigEndian(extras, 0, 8);
      out->initial = ReadBigEndian(extras, 8, 8);
      out->expiration = static_cast<uint32_t>(ReadBigEndian(extras, 16, 4));
      break;
    case bin::kTouch:
    case bin::kGat:
    case bin::kGatK:
      out->expiration = static_cast<uint32_t>(ReadBigEndian(extras, 0, 4));
      break;
    case bin::kFlush:
      out->has_expiration = extras.size() == 4;
      if (out->has_expiration) out->expiration = static_cast<uint32_t>(ReadBigEndian(extras, 0, 4));
      break;
    default:
      break;
  }
}

}  // namespace

bool BinaryRequestParser::ParseStoreHeader(std::string_view input, BinaryRequest* out,
                                           size_t* head_bytes, size_t* value_bytes) const {
  if (input.size() < bin::kHeaderBytes ||
      static_cast<uint8_t>(input[bin::kMagicOffset]) != bin::kRequestMagic) {
    return false;
  }
  const size_t keylen = ReadBigEndian(input, bin::kKeyLengthOffset, 2);
  const size_t extlen = ReadBigEndian(input, bin::kExtrasLengthOffset, 1);
  const size_t bodylen = ReadBigEndian(input, bin::kBodyLengthOffset, 4);
  const size_t head = bin::kHeaderBytes + extlen + keylen;
  if (input.size() < head || keylen + extlen > bodylen) return false;
  // Given its head alone, a store that would be kept asks for its value; anything else is
  // answered (or refused) from its head.
  if (Parse(input.substr(0, head), out).status != ParseStatus::kNeedMore) return false;
  switch (out->command) {
    case bin::kSet:
    case bin::kAdd:
    case bin::kReplace:
    case bin::kAppend:
    case bin::kPrepend:
      break;
    default:
      return false;
  }
  const size_t value_length = bodylen - keylen - extlen;
  if (input.size() >= head + value_length) return false;  // whole: Parse takes it
  *head_bytes = head;
  *value_bytes = value_length;
  return true;
}

ParseResult BinaryRequestParser::Parse(std::string_view input, BinaryRequest* out) const {
  if (input.empty()) return NeedMore();
  // memcached closes at once on a bad magic byte, without a word.
  if (static_cast<uint8_t>(input[bin::kMagicOffset]) != bin::kRequestMagic) {
    return MustCloseSilently();
  }
  if (input.size() < bin::kHeaderBytes) return NeedMore();
  const size_t keylen = ReadBigEndian(input, bin::kKeyLengthOffset, 2);
  const size_t extlen = ReadBigEndian(input, bin::kExtrasLengthOffset, 1);
  const size_t bodylen = ReadBigEndian(input, bin::kBodyLengthOffset, 4);
  const size_t head = bin::kHeaderBytes + extlen + keylen;
  if (input.size() < head) return NeedMore();

  *out = BinaryRequest();
  out->opcode = static_cast<uint8_t>(input[bin::kOpcodeOffset]);
  out->quiet = Unquiet(out->opcode, &out->command);
  out->body_length = static_cast<uint32_t>(bodylen);
  out->opaque = static_cast<uint32_t>(ReadBigEndian(input, bin::kOpaqueOffset, 4));
  out->cas = ReadBigEndian(input, bin::kCasOffset, 8);
  const std::string_view extras = input.substr(bin::kHeaderBytes, extlen);
  out->key = input.substr(bin::kHeaderBytes + extlen, keylen);

  if (keylen > bodylen || keylen + extlen > bodylen) {
    out->problem = BinaryProblem::kBadLengths;
    return ParsedOk(head);
  }
  if (keylen > bin::kMaxKeyLength) {
    out->problem = BinaryProblem::kInvalid;
    return ParsedOk(head);
  }
  switch (CheckShape(out->command, extlen, keylen, bodylen)) {
    case Shape::kUnknown:
      // memcached swallows the whole body length after the extras and key it already read.
      out->problem = BinaryProblem::kUnknownCommand;
      return ParsedOk(head, bodylen);
    case Shape::kInvalid:
      out->problem = BinaryProblem::kInvalid;
      return ParsedOk(head);
    case Shape::kValid:
      break;
  }
  DecodeExtras(extras, out);
  if (!CarriesValue(out->command)) return ParsedOk(head);

  const size_t value_length = bodylen - keylen - extlen;
  const bool sasl = out->command == bin::kSaslAuth || out->command == bin::kSaslStep;
  if (sasl && keylen > bin::kMaxSaslMechanismLength) {
    out->problem = BinaryProblem::kMechanismTooLong;
    return ParsedOk(head, value_length);
  }
  if (MemcachedItemSize(keylen, value_length, out->flags) > limits_.max_item_bytes) {
    out->problem = BinaryProblem::kTooLarge;
    return ParsedOk(head, value_length);
  }
  if (input.size() < head + value_length) return NeedMore();
  out->value = input.substr(head, value_length);
  return ParsedOk(head + value_length);
}

}  // namespace memkv::protocol
