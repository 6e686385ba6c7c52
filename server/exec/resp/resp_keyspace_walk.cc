// RESP commands that walk the keyspace: KEYS, SCAN (MATCH, COUNT, TYPE) and RANDOMKEY, as Redis
// 7.0's db.c answers them. They walk Engine::Scan, which holds one shard's lock for one bounded
// step at a time: a walk never stops the keyspace, and SCAN gives Redis's guarantees (a key live
// for the whole iteration is returned at least once; one may be returned twice). Patterns are
// Redis's glob (stringmatchlen, case-sensitive here) with its bound on backtracking.
#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cstdlib>
#include <limits>
#include <random>
#include <string>
#include <vector>

#include "protocol/resp/resp_reply_encoder.h"
#include "protocol/resp/resp_request_parser.h"
#include "server/exec/resp/glob_match.h"
#include "server/exec/resp/resp_commands.h"

namespace memkv::server::resp {
namespace {

using protocol::AppendArrayHeader;
using protocol::AppendBulk;
using protocol::AppendError;

// Buckets one KEYS step visits under a shard's lock (about a microsecond's work).
constexpr size_t kKeysStepBuckets = 4096;
// Least buckets a SCAN or RANDOMKEY step visits: a shard's index starts at 1024 buckets, so an
// empty one is passed in one step. SCAN visits up to ten buckets per COUNT, as Redis does.
constexpr size_t kMinStepBuckets = 1024;

// parseScanCursorOrReply: strtoul of the argument as a C string: base 10, no leading blank, no
// trailing byte, no overflow ("-1" wraps, as strtoul does; "" is 0).
bool ParseCursor(std::string_view arg, uint64_t* cursor) {
  const std::string text(CString(arg));
  errno = 0;
  char* end = nullptr;
  const unsigned long value = std::strtoul(text.c_str(), &end, 10);
  if ((!text.empty() && std::isspace(static_cast<unsigned char>(text[0]))) || *end != '\0' ||
      errno == ERANGE) {
    return false;
  }
  *cursor = value;
  return true;
}

}  // namespace

void KeysCommand(Call& call) {
  const std::string_view pattern = call.args[1];
  const bool all = pattern == "*";
  std::vector<std::string> keys;
  uint64_t cursor = 0;
  do {
    cursor = call.engine().Scan(cursor, kKeysStepBuckets, std::numeric_limits<size_t>::max(),
                                [&](const storage::ItemView& item) {
                                  if (all || GlobMatch(pattern, item.key, false)) {
                                    keys.emplace_back(item.key);
                                  }
                                });
  } while (cursor != 0);
  AppendArrayHeader(keys.size(), call.out);
  for (const std::string& key : keys) AppendBulk(key, call.out);
}

// scanGenericCommand for the keyspace: SCAN cursor [MATCH pattern] [COUNT count] [TYPE type].
void ScanCommand(Call& call) {
  uint64_t cursor = 0;
  if (!ParseCursor(call.args[1], &cursor)) {
    AppendError("ERR invalid cursor", call.out);
    return;
  }
  int64_t count = 10;
  std::string_view pattern;
  bool use_pattern = false;
  std::string_view type;
  bool use_type = false;
  for (size_t i = 2; i < call.args.size(); i += 2) {
    const bool has_value = i + 1 < call.args.size();
    if (IsKeyword(call.args[i], "count") && has_value) {
      if (!protocol::RedisStringToInt64(call.args[i + 1], &count)) {
        AppendError(kNotInteger, call.out);
        return;
      }
      if (count < 1) {
        AppendError(kSyntaxError, call.out);
        return;
      }
    } else if (IsKeyword(call.args[i], "match") && has_value) {
      pattern = call.args[i + 1];
      use_pattern = pattern != "*";
    } else if (IsKeyword(call.args[i], "type") && has_value) {
      type = call.args[i + 1];
      use_type = true;
    } else {
      AppendError(kSyntaxError, call.out);
      return;
    }
  }
  // Every memkv key is a string: TYPE string keeps them all, any other type (known to Redis or
  // not, as Redis 7.0 does) none.
  const bool type_matches = !use_type || IsKeyword(type, "string");
  const size_t items = static_cast<size_t>(count);
  const size_t buckets = items > std::numeric_limits<size_t>::max() / 10
                             ? items
                             : std::max(items * 10, kMinStepBuckets);
  std::vector<std::string> keys;
  const uint64_t next =
      call.engine().Scan(cursor, buckets, items, [&](const storage::ItemView& item) {
        if (type_matches && (!use_pattern || GlobMatch(pattern, item.key, false))) {
          keys.emplace_back(item.key);
        }
      });
  AppendArrayHeader(2, call.out);
  AppendBulk(std::to_string(next), call.out);
  AppendArrayHeader(keys.size(), call.out);
  for (const std::string& key : keys) AppendBulk(key, call.out);
}

// The first live key from a random bucket on (wrapping around once): every key can be picked,
// though not with equal chance (one after a run of empty buckets more often), as Redis's pick of
// a random bucket favours keys in short chains.
void RandomKeyCommand(Call& call) {
  std::string key;
  bool found = false;
  if (call.engine().ItemCount() > 0) {
    std::random_device random;
    const uint64_t seed = (uint64_t{random()} << 32) | random();
    uint64_t cursor = call.engine().RandomCursor(seed);
    int wraps = 0;
    while (!found && wraps < 2) {
      cursor = call.engine().Scan(cursor, kMinStepBuckets, 1, [&](const storage::ItemView& item) {
        if (!found) {
          key.assign(item.key);
          found = true;
        }
      });
      if (cursor == 0) ++wraps;
    }
  }
  if (found) {
    AppendBulk(key, call.out);
  } else {
    protocol::AppendNull(call.resp(), call.out);
  }
}

}  // namespace memkv::server::resp
