#include "protocol/decimal.h"

#include <charconv>
#include <system_error>

namespace memkv::protocol {
namespace {

bool AllDigits(std::string_view text) {
  if (text.empty()) return false;
  for (char c : text) {
    if (c < '0' || c > '9') return false;
  }
  return true;
}

// from_chars over the whole of `text`, which AllDigits has checked (after any sign).
template <typename Int>
bool FromChars(std::string_view text, Int* value) {
  auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), *value);
  return error == std::errc() && end == text.data() + text.size();
}

}  // namespace

void AppendDecimal(int64_t number, std::string* out) {
  char digits[24];
  auto [end, error] = std::to_chars(digits, digits + sizeof(digits), number);
  out->append(digits, end);
}

bool ParseDecimal(std::string_view text, uint64_t* value) {
  return AllDigits(text) && FromChars(text, value);
}

bool ParseSignedDecimal(std::string_view text, int64_t* value) {
  const std::string_view digits = text.substr(0, 1) == "-" ? text.substr(1) : text;
  return AllDigits(digits) && FromChars(text, value);
}

}  // namespace memkv::protocol
