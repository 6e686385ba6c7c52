#include "protocol/memcache/meta_request_encoder.h"

#include <cstdint>

#include "protocol/decimal.h"

namespace memkv::protocol {
namespace {

// " <flags>\r\n", or just the CRLF without flags.
void AppendFlags(std::string_view flags, std::string* out) {
  if (!flags.empty()) {
    out->push_back(' ');
    out->append(flags);
  }
  out->append("\r\n");
}

void AppendCommand(std::string_view verb, std::string_view key, std::string_view flags,
                   std::string* out) {
  out->append(verb);
  out->push_back(' ');
  out->append(key);
  AppendFlags(flags, out);
}

}  // namespace

void AppendMetaGetRequest(std::string_view key, std::string_view flags, std::string* out) {
  AppendCommand("mg", key, flags, out);
}

void AppendMetaSetRequest(std::string_view key, std::string_view value, std::string_view flags,
                          std::string* out) {
  out->append("ms ");
  out->append(key);
  out->push_back(' ');
  AppendDecimal(static_cast<int64_t>(value.size()), out);
  AppendFlags(flags, out);
  out->append(value);
  out->append("\r\n");
}

void AppendMetaDeleteRequest(std::string_view key, std::string_view flags, std::string* out) {
  AppendCommand("md", key, flags, out);
}

void AppendMetaArithmeticRequest(std::string_view key, std::string_view flags, std::string* out) {
  AppendCommand("ma", key, flags, out);
}

void AppendMetaNoopRequest(std::string* out) { out->append("mn\r\n"); }

}  // namespace memkv::protocol
