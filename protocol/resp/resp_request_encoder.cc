#include "protocol/resp/resp_request_encoder.h"

#include <cstdint>

#include "protocol/decimal.h"

namespace memkv::protocol {

void AppendRespRequest(absl::Span<const std::string_view> args, std::string* out) {
  out->push_back('*');
  AppendDecimal(static_cast<int64_t>(args.size()), out);
  out->append("\r\n");
  for (std::string_view arg : args) {
    out->push_back('$');
    AppendDecimal(static_cast<int64_t>(arg.size()), out);
    out->append("\r\n");
    out->append(arg);
    out->append("\r\n");
  }
}

}  // namespace memkv::protocol
