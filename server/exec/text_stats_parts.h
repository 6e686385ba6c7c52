// The parts of the text `stats` command (text_stats.h), one file each: the general statistics,
// `stats settings`, and `stats items` / `stats slabs` / `stats sizes`.
//
// Threads: as AppendTextStats.
#ifndef MEMKV_SERVER_EXEC_TEXT_STATS_PARTS_H_
#define MEMKV_SERVER_EXEC_TEXT_STATS_PARTS_H_

#include <string>

#include "server/exec/exec_context.h"

namespace memkv::server {

// `stats`: memcached 1.6.18's lines in its order, then memkv's own (text_stats_general.cc).
void AppendGeneralStats(ExecContext& context, std::string* out);
// `stats settings` (text_stats_settings.cc).
void AppendSettingsStats(ExecContext& context, std::string* out);
// `stats items`, `stats slabs`, `stats sizes`: one memcached slab class per engine shard
// (text_stats_slabs.cc).
void AppendItemsStats(ExecContext& context, std::string* out);
void AppendSlabsStats(ExecContext& context, std::string* out);
void AppendSizesStats(std::string* out);

}  // namespace memkv::server

#endif  // MEMKV_SERVER_EXEC_TEXT_STATS_PARTS_H_
