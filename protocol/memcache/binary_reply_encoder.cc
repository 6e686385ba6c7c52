#include "protocol/memcache/binary_reply_encoder.h"

namespace memkv::protocol {

void AppendBigEndian32(uint32_t value, std::string* out) {
  for (int shift = 24; shift >= 0; shift -= 8) out->push_back(static_cast<char>(value >> shift));
}

void AppendBigEndian64(uint64_t value, std::string* out) {
  for (int shift = 56; shift >= 0; shift -= 8) out->push_back(static_cast<char>(value >> shift));
}

void AppendBinaryHeader(const BinaryReplyHeader& header, std::string* out) {
  out->push_back(static_cast<char>(binary::kResponseMagic));
  out->push_back(static_cast<char>(header.opcode));
  out->push_back(static_cast<char>(header.key_length >> 8));
  out->push_back(static_cast<char>(header.key_length));
  out->push_back(static_cast<char>(header.extras_length));
  out->push_back('\0');  // data type: raw bytes
  out->push_back(static_cast<char>(header.status >> 8));
  out->push_back(static_cast<char>(header.status));
  AppendBigEndian32(static_cast<uint32_t>(header.body_length), out);
  AppendBigEndian32(header.opaque, out);
  AppendBigEndian64(header.cas, out);
}

void AppendBinaryReply(BinaryReplyHeader header, std::string_view extras, std::string_view key,
                       std::string_view value, std::string* out) {
  header.extras_length = extras.size();
  header.key_length = key.size();
  header.body_length = extras.size() + key.size() + value.size();
  AppendBinaryHeader(header, out);
  out->append(extras);
  out->append(key);
  out->append(value);
}

std::string_view BinaryErrorText(uint16_t status) {
  switch (status) {
    case binary::kOutOfMemory:
      return "Out of memory";
    case binary::kUnknownCommand:
      return "Unknown command";
    case binary::kKeyNotFound:
      return "Not found";
    case binary::kInvalidArguments:
      return "Invalid arguments";
    case binary::kKeyExists:
      return "Data exists for key.";
    case binary::kTooLarge:
      return "Too large.";
    case binary::kDeltaBadValue:
      return "Non-numeric server-side value for incr or decr";
    case binary::kNotStored:
      return "Not stored.";
    case binary::kAuthError:
      return "Auth failure.";
    default:
      return "";
  }
}

void AppendBinaryError(uint8_t opcode, uint32_t opaque, uint16_t status, std::string* out) {
  BinaryReplyHeader header;
  header.opcode = opcode;
  header.status = status;
  header.opaque = opaque;
  AppendBinaryReply(header, {}, {}, BinaryErrorText(status), out);
}

}  // namespace memkv::protocol
