#include "protocol/memcache/meta_request.h"

#include <algorithm>

namespace memkv::protocol {

std::string_view MetaCommandName(MetaCommand command) {
  switch (command) {
    case MetaCommand::kNoop:
      return "mn";
    case MetaCommand::kGet:
      return "mg";
    case MetaCommand::kSet:
      return "ms";
    case MetaCommand::kDelete:
      return "md";
    case MetaCommand::kArithmetic:
      return "ma";
    case MetaCommand::kDebug:
      return "me";
  }
  return "m?";
}

void MetaRequest::SetDecodedKey(std::string_view decoded) {
  decoded_key_length_ = std::min(decoded.size(), sizeof(decoded_key_));
  std::copy_n(decoded.data(), decoded_key_length_, decoded_key_);
}

}  // namespace memkv::protocol
