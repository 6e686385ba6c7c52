#include "protocol/resp/resp_reply_encoder.h"

#include <charconv>

#include "protocol/reply_buffer.h"

namespace memkv::protocol {
namespace {

// '<prefix><decimal>\r\n' without a temporary string: replies are built a few bytes at a time on
// the request path, so every append goes straight into `out`.
void AppendPrefixedNumber(char prefix, int64_t value, std::string* out) {
  char buffer[24];
  buffer[0] = prefix;
  char* end = std::to_chars(buffer + 1, buffer + sizeof(buffer) - 2, value).ptr;
  *end++ = '\r';
  *end++ = '\n';
  out->append(buffer, end - buffer);
}

}  // namespace

void AppendSimpleString(std::string_view text, std::string* out) {
  out->push_back('+');
  out->append(text);
  out->append("\r\n", 2);
}

void AppendError(std::string_view message, std::string* out) {
  out->push_back('-');
  size_t start = out->size();
  out->append(message);
  // Redis (addReplyErrorLength) maps CR and LF to spaces: an error may quote client input.
  for (size_t i = start; i < out->size(); ++i) {
    char& c = (*out)[i];
    if (c == '\r' || c == '\n') c = ' ';
  }
  out->append("\r\n", 2);
}

void AppendInteger(int64_t value, std::string* out) { AppendPrefixedNumber(':', value, out); }

void AppendBulk(std::string_view data, std::string* out) {
  ReserveForValue(data.size() + 24, out);  // and "$<length>\r\n" before it
  AppendBulkHeader(data.size(), out);
  out->append(data);
  out->append("\r\n", 2);
}

void AppendBulkHeader(size_t size, std::string* out) {
  AppendPrefixedNumber('$', static_cast<int64_t>(size), out);
}

void AppendNullBulk(std::string* out) { out->append("$-1\r\n", 5); }

void AppendArrayHeader(size_t count, std::string* out) {
  AppendPrefixedNumber('*', static_cast<int64_t>(count), out);
}

void AppendNullArray(std::string* out) { out->append("*-1\r\n", 5); }

namespace {

// Indexed by RespVersion - 2: a load instead of a branch on the connection's version.
constexpr std::string_view kNull[] = {"$-1\r\n", "_\r\n"};
constexpr char kMapPrefix[] = {'*', '%'};
constexpr char kSetPrefix[] = {'*', '~'};

size_t Index(RespVersion version) { return static_cast<size_t>(version) - 2; }

}  // namespace

void AppendNull(RespVersion version, std::string* out) { out->append(kNull[Index(version)]); }

void AppendMapHeader(size_t pairs, RespVersion version, std::string* out) {
  const size_t index = Index(version);
  // RESP2 counts the keys and values, RESP3 the pairs.
  AppendPrefixedNumber(kMapPrefix[index], static_cast<int64_t>(pairs << (1 - index)), out);
}

void AppendSetHeader(size_t count, RespVersion version, std::string* out) {
  AppendPrefixedNumber(kSetPrefix[Index(version)], static_cast<int64_t>(count), out);
}

void AppendVerbatim(std::string_view format, std::string_view data, RespVersion version,
                    std::string* out) {
  if (version == RespVersion::kResp2) {
    AppendBulk(data, out);
    return;
  }
  ReserveForValue(data.size() + format.size() + 25, out);
  AppendPrefixedNumber('=', static_cast<int64_t>(format.size() + 1 + data.size()), out);
  out->append(format);
  out->push_back(':');
  out->append(data);
  out->append("\r\n", 2);
}

}  // namespace memkv::protocol
