#include "protocol/memcache/text_reply_encoder.h"

#include "absl/strings/str_cat.h"
#include "protocol/reply_buffer.h"

namespace memkv::protocol {

namespace {

// Appends the decimal digits of `value`. absl::AlphaNum formats integers into a stack buffer
// without printf. (absl::StrAppend itself cannot be used with std::string_view arguments here:
// Debian's Abseil is built with its own absl::string_view.)
template <typename Int>
void AppendDecimal(Int value, std::string* out) {
  const absl::AlphaNum digits(value);
  out->append(digits.data(), digits.size());
}

}  // namespace

void AppendTextValueHeader(std::string_view key, uint32_t flags, size_t bytes,
                           std::optional<uint64_t> cas, std::string* out) {
  out->append("VALUE ");
  out->append(key);
  out->push_back(' ');
  AppendDecimal(flags, out);
  out->push_back(' ');
  AppendDecimal(bytes, out);
  if (cas.has_value()) {
    out->push_back(' ');
    AppendDecimal(*cas, out);
  }
  out->append("\r\n");
}

void AppendTextValue(std::string_view key, uint32_t flags, std::string_view value,
                     std::optional<uint64_t> cas, std::string* out) {
  // Header bytes: "VALUE " + key + " " + flags (10) + " " + length (20) + " " + cas (20) + "\r\n".
  ReserveForValue(key.size() + 60 + value.size(), out);
  AppendTextValueHeader(key, flags, value.size(), cas, out);
  out->append(value);
  out->append("\r\n");
}

void AppendTextLine(std::string_view line, std::string* out) {
  out->append(line);
  out->append("\r\n");
}

void AppendTextClientError(std::string_view message, std::string* out) {
  out->append("CLIENT_ERROR ");
  AppendTextLine(message, out);
}

void AppendTextServerError(std::string_view message, std::string* out) {
  out->append("SERVER_ERROR ");
  AppendTextLine(message, out);
}

void AppendTextVersion(std::string_view version, std::string* out) {
  out->append("VERSION ");
  AppendTextLine(version, out);
}

void AppendTextNumber(uint64_t number, std::string* out) {
  AppendDecimal(number, out);
  out->append("\r\n");
}

void AppendTextStat(std::string_view name, std::string_view value, std::string* out) {
  out->append("STAT ");
  out->append(name);
  out->push_back(' ');
  AppendTextLine(value, out);
}

void AppendTextStat(std::string_view name, uint64_t value, std::string* out) {
  out->append("STAT ");
  out->append(name);
  out->push_back(' ');
  AppendDecimal(value, out);
  out->append("\r\n");
}

void AppendTextStat(std::string_view name, int64_t value, std::string* out) {
  out->append("STAT ");
  out->append(name);
  out->push_back(' ');
  AppendDecimal(value, out);
  out->append("\r\n");
}

}  // namespace memkv::protocol
