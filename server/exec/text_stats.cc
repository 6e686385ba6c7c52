#include "server/exec/text_stats.h"

#include "protocol/memcache/text_reply_encoder.h"
#include "server/exec/stats_baseline.h"
#include "server/exec/text_stats_parts.h"

namespace memkv::server {

namespace {

// `stats reset`: memcached zeroes its counters; memkv records where they stand (a baseline the
// later `stats` subtract), since the counters belong to other threads. Without a server there
// is nowhere to keep it: the calling thread's counters are printed as they are.
void ResetStats(ExecContext& context, std::string* out) {
  if (context.server != nullptr) {
    context.server->SetStatsBaseline(
        StatsBaseline::Take(context.server->AllThreadStats(), context.engine->Stats()));
  }
  out->append("RESET\r\n");
}

}  // namespace

void AppendTextStats(std::string_view argument, ExecContext& context, std::string* out) {
  if (argument.empty()) {
    AppendGeneralStats(context, out);
  } else if (argument == "settings") {
    AppendSettingsStats(context, out);
  } else if (argument == "items") {
    AppendItemsStats(context, out);
  } else if (argument == "slabs") {
    AppendSlabsStats(context, out);
  } else if (argument == "sizes") {
    AppendSizesStats(out);
  } else if (argument == "reset") {
    ResetStats(context, out);
    return;
  } else {
    protocol::AppendTextError(out);
    return;
  }
  protocol::AppendTextEnd(out);
}

}  // namespace memkv::server
