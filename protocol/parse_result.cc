#include "protocol/parse_result.h"

namespace memkv::protocol {

std::string_view ParseStatusName(ParseStatus status) {
  switch (status) {
    case ParseStatus::kOk:
      return "ok";
    case ParseStatus::kNeedMore:
      return "need_more";
    case ParseStatus::kClientError:
      return "client_error";
    case ParseStatus::kMustClose:
      return "must_close";
  }
  return "unknown";
}

}  // namespace memkv::protocol
