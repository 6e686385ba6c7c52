#include "protocol/memcache/text_request_encoder.h"

#include "protocol/decimal.h"

namespace memkv::protocol {

void AppendTextGetRequest(absl::Span<const std::string_view> keys, bool with_cas,
                          std::string* out) {
  out->append(with_cas ? "gets" : "get");
  for (std::string_view key : keys) {
    out->push_back(' ');
    out->append(key);
  }
  out->append("\r\n");
}

void AppendTextStoreRequest(std::string_view command, std::string_view key, uint32_t flags,
                            int64_t exptime, std::string_view value, bool noreply,
                            std::string* out) {
  out->append(command);
  out->push_back(' ');
  out->append(key);
  out->push_back(' ');
  AppendDecimal(flags, out);
  out->push_back(' ');
  AppendDecimal(exptime, out);
  out->push_back(' ');
  AppendDecimal(static_cast<int64_t>(value.size()), out);
  out->append(noreply ? " noreply\r\n" : "\r\n");
  out->append(value);
  out->append("\r\n");
}

void AppendTextDeleteRequest(std::string_view key, std::string* out) {
  out->append("delete ");
  out->append(key);
  out->append("\r\n");
}

}  // namespace memkv::protocol
