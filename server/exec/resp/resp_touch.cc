// TOUCH key [key ...]: how many of the keys exist, each found one marked read (its last access
// time and its second chance from eviction, as a GET gives it), as Redis 7.0's TOUCH updates a
// key's LRU clock. A key named twice counts twice.
#include "protocol/resp/resp_reply_encoder.h"
#include "server/exec/resp/resp_commands.h"

namespace memkv::server::resp {

void TouchCommand(Call& call) {
  int64_t found = 0;
  for (size_t i = 1; i < call.args.size(); ++i) {
    const storage::LookupResult result =
        call.engine().Get(call.args[i], [](const storage::ItemView&) {});
    CountRead(call, result);  // Redis counts TOUCH's lookups as keyspace hits and misses
    if (result == storage::LookupResult::kHit) ++found;
  }
  protocol::AppendInteger(found, call.out);
}

}  // namespace memkv::server::resp
