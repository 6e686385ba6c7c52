// RESP commands that give one key's value to another: RENAME, RENAMENX and COPY, as Redis 7.0's
// db.c answers them. Each is one Engine::Transfer, which holds the locks of both keys' shards, so
// a value is never seen under both names (RENAME) or lost between them, whatever other clients
// do meanwhile. The value keeps its TTL and memcached client flags and gets a new CAS.
#include <climits>
#include <string>

#include "protocol/resp/resp_reply_encoder.h"
#include "protocol/resp/resp_request_parser.h"
#include "server/exec/resp/resp_commands.h"

namespace memkv::server::resp {
namespace {

using protocol::AppendError;
using protocol::AppendInteger;
using Result = storage::Engine::TransferResult;

// renameGenericCommand. The same name twice changes nothing: OK (RENAMENX: 0) if the key is live.
void RenameGeneric(Call& call, bool nx) {
  const bool same_key = call.args[1] == call.args[2];
  absl::StatusOr<Result> result =
      call.engine().Transfer(call.args[1], call.args[2], /*keep_source=*/false, /*replace=*/!nx);
  if (!result.ok()) {
    AppendStoreError(result.status(), call.out);
    return;
  }
  switch (*result) {
    case Result::kNoSource:
      AppendError("ERR no such key", call.out);
      break;
    case Result::kDestinationExists:
      AppendInteger(0, call.out);
      break;
    case Result::kDone:
      if (nx) {
        AppendInteger(same_key ? 0 : 1, call.out);
      } else {
        protocol::AppendSimpleString("OK", call.out);
      }
      break;
  }
}

}  // namespace

void RenameCommand(Call& call) { RenameGeneric(call, false); }

void RenameNxCommand(Call& call) { RenameGeneric(call, true); }

// copyCommand: COPY source destination [DB destination-db] [REPLACE]. memkv has one database, so
// DB 0 is the only index (any other is Redis's answer for an index it does not have).
void CopyCommand(Call& call) {
  bool replace = false;
  for (size_t j = 3; j < call.args.size(); ++j) {
    const bool has_next = j + 1 < call.args.size();
    if (IsKeyword(call.args[j], "replace")) {
      replace = true;
    } else if (IsKeyword(call.args[j], "db") && has_next) {
      int64_t db = 0;
      if (!protocol::RedisStringToInt64(call.args[j + 1], &db)) {
        AppendError(kNotInteger, call.out);
        return;
      }
      if (db < INT_MIN || db > INT_MAX) {  // getIntFromObjectOrReply's range check
        AppendError("ERR value is out of range, value must between -2147483648 and 2147483647",
                    call.out);
        return;
      }
      if (db != 0) {
        AppendError("ERR DB index is out of range", call.out);
        return;
      }
      ++j;
    } else {
      AppendError(kSyntaxError, call.out);
      return;
    }
  }
  if (call.args[1] == call.args[2]) {
    AppendError("ERR source and destination objects are the same", call.out);
    return;
  }
  absl::StatusOr<Result> result =
      call.engine().Transfer(call.args[1], call.args[2], /*keep_source=*/true, replace);
  if (!result.ok()) {
    AppendStoreError(result.status(), call.out);
    return;
  }
  AppendInteger(*result == Result::kDone ? 1 : 0, call.out);
}

}  // namespace memkv::server::resp
