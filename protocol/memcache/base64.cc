#include "protocol/memcache/base64.h"

#include <array>
#include <cstdint>

namespace memkv::protocol {
namespace {

constexpr std::string_view kAlphabet =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
constexpr uint8_t kSkip = 0x80;

// memcached's dtable: alphabet bytes map to their value, '=' to 0, everything else is skipped.
constexpr std::array<uint8_t, 256> MakeDecodeTable() {
  std::array<uint8_t, 256> table{};
  for (auto& entry : table) entry = kSkip;
  for (size_t i = 0; i < kAlphabet.size(); ++i) {
    table[static_cast<uint8_t>(kAlphabet[i])] = static_cast<uint8_t>(i);
  }
  table['='] = 0;
  return table;
}
constexpr std::array<uint8_t, 256> kDecode = MakeDecodeTable();

}  // namespace

void AppendBase64(std::string_view bytes, std::string* out) {
  const auto* in = reinterpret_cast<const uint8_t*>(bytes.data());
  size_t left = bytes.size();
  for (; left >= 3; left -= 3, in += 3) {
    out->push_back(kAlphabet[in[0] >> 2]);
    out->push_back(kAlphabet[((in[0] & 0x03) << 4) | (in[1] >> 4)]);
    out->push_back(kAlphabet[((in[1] & 0x0f) << 2) | (in[2] >> 6)]);
    out->push_back(kAlphabet[in[2] & 0x3f]);
  }
  if (left == 0) return;
  out->push_back(kAlphabet[in[0] >> 2]);
  if (left == 1) {
    out->push_back(kAlphabet[(in[0] & 0x03) << 4]);
    out->push_back('=');
  } else {
    out->push_back(kAlphabet[((in[0] & 0x03) << 4) | (in[1] >> 4)]);
    out->push_back(kAlphabet[(in[1] & 0x0f) << 2]);
  }
  out->push_back('=');
}

size_t DecodeBase64(std::string_view text, char* out, size_t capacity) {
  size_t count = 0;
  for (char c : text) {
    if (kDecode[static_cast<uint8_t>(c)] != kSkip) ++count;
  }
  if (count == 0 || count % 4 != 0 || count / 4 * 3 > capacity) return 0;
  size_t length = 0;
  uint8_t block[4];
  size_t filled = 0;
  int pad = 0;
  for (char c : text) {
    const uint8_t value = kDecode[static_cast<uint8_t>(c)];
    if (value == kSkip) continue;
    if (c == '=') ++pad;
    block[filled++] = value;
    if (filled < 4) continue;
    out[length++] = static_cast<char>((block[0] << 2) | (block[1] >> 4));
    out[length++] = static_cast<char>((block[1] << 4) | (block[2] >> 2));
    out[length++] = static_cast<char>((block[2] << 6) | block[3]);
    filled = 0;
    if (pad == 0) continue;
    // The first padded block ends the input, as in memcached; three or four '=' is invalid.
    if (pad > 2) return 0;
    length -= static_cast<size_t>(pad);
    break;
  }
  return length;
}

}  // namespace memkv::protocol
