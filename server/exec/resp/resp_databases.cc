// RESP commands on numbered databases: SELECT, MOVE, SWAPDB and FLUSHDB, and INFO's keyspace
// lines, as Redis 7.0's db.c answers them. A connection's database is RespSession::db (its key
// commands act there: Call::engine()); the engine maps it to where the items are (engine.h), so
// SWAPDB is seen at once by every connection that has either database selected.
#include <climits>
#include <string>
#include <vector>

#include "absl/strings/str_format.h"
#include "protocol/resp/resp_reply_encoder.h"
#include "protocol/resp/resp_request_parser.h"
#include "server/exec/resp/resp_commands.h"

namespace memkv::server::resp {
namespace {

using protocol::AppendError;
using protocol::AppendInteger;
using protocol::AppendSimpleString;

constexpr std::string_view kOutOfRange = "ERR DB index is out of range";

// getIntFromObjectOrReply: an int, or Redis's error (`message` replaces both of its own when
// given, as SWAPDB gives one) and false.
bool ParseIntOrReply(Call& call, std::string_view arg, std::string_view message, int* value) {
  int64_t parsed = 0;
  if (!protocol::RedisStringToInt64(arg, &parsed)) {
    AppendError(message.empty() ? kNotInteger : message, call.out);
    return false;
  }
  if (parsed < INT_MIN || parsed > INT_MAX) {
    AppendError(message.empty()
                    ? "ERR value is out of range, value must between -2147483648 and 2147483647"
                    : message,
                call.out);
    return false;
  }
  *value = static_cast<int>(parsed);
  return true;
}

// selectDb's range check.
bool InRange(Call& call, int db) {
  return db >= 0 && db < call.context.engine->options().databases;
}

}  // namespace

bool ParseDbIndexOrReply(Call& call, std::string_view arg, uint32_t* db) {
  int index = 0;
  if (!ParseIntOrReply(call, arg, {}, &index)) return false;
  if (!InRange(call, index)) {
    AppendError(kOutOfRange, call.out);
    return false;
  }
  *db = static_cast<uint32_t>(index);
  return true;
}

void SelectCommand(Call& call) {
  uint32_t db = 0;
  if (!ParseDbIndexOrReply(call, call.args[1], &db)) return;
  call.session.db = db;
  AppendSimpleString("OK", call.out);
}

// moveCommand: 1 if the key moved, 0 if it is missing here or present there. Value, TTL and
// memcached flags go along; the CAS is new.
void MoveCommand(Call& call) {
  uint32_t target = 0;
  if (!ParseDbIndexOrReply(call, call.args[2], &target)) return;
  if (target == call.session.db) {
    AppendError("ERR source and destination objects are the same", call.out);
    return;
  }
  absl::StatusOr<storage::Engine::TransferResult> result = call.context.engine->TransferBetween(
      call.session.db, call.args[1], target, call.args[1], /*keep_source=*/false,
      /*replace=*/false);
  if (!result.ok()) {
    AppendStoreError(result.status(), call.out);
    return;
  }
  AppendInteger(*result == storage::Engine::TransferResult::kDone ? 1 : 0, call.out);
}

// swapdbCommand: its own words for an index that is not an integer.
void SwapDbCommand(Call& call) {
  int first = 0;
  int second = 0;
  if (!ParseIntOrReply(call, call.args[1], "ERR invalid first DB index", &first) ||
      !ParseIntOrReply(call, call.args[2], "ERR invalid second DB index", &second)) {
    return;
  }
  if (!InRange(call, first) || !InRange(call, second)) {
    AppendError(kOutOfRange, call.out);
    return;
  }
  if (first != second) {
    call.context.engine->SwapDatabases(static_cast<uint32_t>(first), static_cast<uint32_t>(second));
  }
  AppendSimpleString("OK", call.out);
}

void FlushDbCommand(Call& call) {
  // getFlushCommandFlags: one optional SYNC or ASYNC; memkv flushes at once for both.
  if (call.args.size() > 2 || (call.args.size() == 2 && !IsKeyword(call.args[1], "sync") &&
                               !IsKeyword(call.args[1], "async"))) {
    AppendError(kSyntaxError, call.out);
    return;
  }
  call.stats().cmd_flush.Add();
  call.context.engine->FlushDatabase(call.session.db);
  AppendSimpleString("OK", call.out);
}

void AppendKeyspaceLines(storage::Engine& engine, std::string* text) {
  const std::vector<storage::Engine::DatabaseCounts> counts = engine.CountDatabases();
  for (size_t db = 0; db < counts.size(); ++db) {
    if (counts[db].keys == 0) continue;
    absl::StrAppendFormat(text, "db%d:keys=%d,expires=%d,avg_ttl=%d\r\n", db, counts[db].keys,
                          counts[db].expires, counts[db].avg_ttl_millis);
  }
}

}  // namespace memkv::server::resp
