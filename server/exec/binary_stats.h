// AppendBinaryStats: memcached's binary STAT answer, one packet per statistic (key = name, value =
// value) and an empty packet to end, for the same statistics the text `stats` command shows
// (text_stats.h): no key = the general ones, "settings"; any other key, as a sub-command memkv
// does not keep, is "Not found" as memcached answers an unknown one.
//
// Threads: as AppendTextStats.
#ifndef MEMKV_SERVER_EXEC_BINARY_STATS_H_
#define MEMKV_SERVER_EXEC_BINARY_STATS_H_

#include <cstdint>
#include <string>
#include <string_view>

#include "server/exec/exec_context.h"

namespace memkv::server {

void AppendBinaryStats(std::string_view argument, uint8_t opcode, uint32_t opaque,
                       ExecContext& context, std::string* out);

}  // namespace memkv::server

#endif  // MEMKV_SERVER_EXEC_BINARY_STATS_H_
