#include "server/exec/command_stats.h"

namespace memkv::server {

std::string_view CommandFamilyName(CommandFamily family) {
  switch (family) {
#define MEMKV_FAMILY_NAME(name) \
  case CommandFamily::k_##name: \
    return #name;
    MEMKV_COMMAND_FAMILIES(MEMKV_FAMILY_NAME)
#undef MEMKV_FAMILY_NAME
    case CommandFamily::kCount:
      break;
  }
  return "unknown";
}

}  // namespace memkv::server
