#include "server/exec/text_stats.h"

#include <algorithm>
#include <cstdint>
#include <string>

#include "absl/time/clock.h"
#include "absl/time/time.h"
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

// `stats conns`: memcached's four lines per client connection, named by its fd. memkv's
// listening sockets are not connections and are not listed (memcached lists them as
// conn_listening).
void AppendConnsStats(ExecContext& context, std::string* out) {
  ConnectionRegistry* registry =
      context.server != nullptr ? context.server->connections() : nullptr;
  if (registry == nullptr) return;
  const int64_t now = absl::ToUnixMillis(absl::Now());
  for (const ConnectionRegistry::Snapshot& c : registry->List()) {
    const std::string prefix = std::to_string(c.fd) + ":";
    protocol::AppendTextStat(prefix + "addr", c.addr, out);
    protocol::AppendTextStat(prefix + "listen_addr", c.listen_addr, out);
    protocol::AppendTextStat(prefix + "state", std::string_view(ConnStateName(c.state)), out);
    protocol::AppendTextStat(
        prefix + "secs_since_last_cmd",
        static_cast<uint64_t>(std::max<int64_t>(0, now - c.last_cmd_millis) / 1000), out);
  }
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
  } else if (argument == "conns") {
    AppendConnsStats(context, out);
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
