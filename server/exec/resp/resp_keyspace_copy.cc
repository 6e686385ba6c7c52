// RESP commands that give one key's value to another: RENAME, RENAMENX and COPY, as Redis 7.0's
// db.c answers them. Each is one Engine::Transfer, which holds the locks of both keys' shards, so
// a value is never seen under both names (RENAME) or lost between them, whatever other clients
// do meanwhile. The value keeps its TTL and memcached client flags and gets a new CAS.
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

// copyCommand: COPY source destination [DB destination-db] [REPLACE]; DB names the database the
// copy goes to (the selected one by default).
void CopyCommand(Call& call) {
  bool replace = false;
  uint32_t destination_db = call.session.db;
  for (size_t j = 3; j < call.args.size(); ++j) {
    const bool has_next = j + 1 < call.args.size();
    if (IsKeyword(call.args[j], "replace")) {
      replace = true;
    } else if (IsKeyword(call.args[j], "db") && has_next) {
      if (!ParseDbIndexOrReply(call, call.args[j + 1], &destination_db)) return;
      ++j;
    } else {
      AppendError(kSyntaxError, call.out);
      return;
    }
  }
  if (destination_db == call.session.db && call.args[1] == call.args[2]) {
    AppendError("ERR source and destination objects are the same", call.out);
    return;
  }
  absl::StatusOr<Result> result = call.context.engine->TransferBetween(
      call.session.db, call.args[1], destination_db, call.args[2], /*keep_source=*/true, replace);
  if (!result.ok()) {
    AppendStoreError(result.status(), call.out);
    return;
  }
  AppendInteger(*result == Result::kDone ? 1 : 0, call.out);
}

}  // namespace memkv::server::resp
