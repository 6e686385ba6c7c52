// RESP string commands that read or rewrite part of a value or treat it as a float: GETRANGE,
// SUBSTR, SETRANGE and INCRBYFLOAT, with the argument rules, replies and error texts of Redis
// 7.0's t_string.c. The rewrites run inside Engine::Update, under the key's shard lock, so they
// are atomic like Redis's single-threaded commands, and they keep the item's TTL and memcached
// client flags as APPEND and INCR do.
#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>

#include "protocol/resp/resp_reply_encoder.h"
#include "protocol/resp/resp_request_parser.h"
#include "server/exec/resp/resp_commands.h"

namespace memkv::server::resp {
namespace {

using protocol::AppendBulk;
using protocol::AppendError;
using protocol::AppendInteger;
using storage::Mutation;

// Redis's proto-max-bulk-len default: the largest string SETRANGE may make (checkStringLength).
constexpr int64_t kRedisMaxStringBytes = int64_t{512} << 20;
// Redis's MAX_LONG_DOUBLE_CHARS: the longest float text string2ld reads and ld2string writes.
constexpr size_t kMaxLongDoubleChars = 5 * 1024;

// Redis's string2ld: the whole text must be a strtold number (no leading blank, no trailing
// bytes, not NaN, no overflow or underflow to zero). "inf" is read, as Redis reads it.
bool ParseLongDouble(std::string_view text, long double* value) {
  if (text.empty() || text.size() >= kMaxLongDoubleChars) return false;
  char buffer[kMaxLongDoubleChars];
  std::memcpy(buffer, text.data(), text.size());
  buffer[text.size()] = '\0';
  errno = 0;
  char* end = nullptr;
  const long double parsed = std::strtold(buffer, &end);
  if (std::isspace(static_cast<unsigned char>(buffer[0])) || *end != '\0' ||
      static_cast<size_t>(end - buffer) != text.size() ||
      (errno == ERANGE &&
       (parsed == HUGE_VALL || parsed == -HUGE_VALL || std::fpclassify(parsed) == FP_ZERO)) ||
      errno == EINVAL || std::isnan(parsed)) {
    return false;
  }
  *value = parsed;
  return true;
}

// Redis's ld2string(LD_STR_HUMAN): 17 decimals, trailing zeros (and a bare '.') removed, "-0"
// written "0". `value` is finite. Returns the length written into buffer.
size_t FormatHumanLongDouble(long double value, char (&buffer)[kMaxLongDoubleChars]) {
  int written = std::snprintf(buffer, sizeof(buffer), "%.17Lf", value);
  if (written < 0 || static_cast<size_t>(written) + 1 > sizeof(buffer)) return 0;
  size_t length = static_cast<size_t>(written);
  if (std::memchr(buffer, '.', length) != nullptr) {
    while (buffer[length - 1] == '0') --length;
    if (buffer[length - 1] == '.') --length;
  }
  if (length == 2 && buffer[0] == '-' && buffer[1] == '0') {
    buffer[0] = '0';
    length = 1;
  }
  return length;
}

// GETRANGE / SUBSTR: the bytes from start to end inclusive, negative offsets from the end.
void GetRange(Call& call) {
  int64_t start = 0;
  int64_t end = 0;
  if (!protocol::RedisStringToInt64(call.args[2], &start) ||
      !protocol::RedisStringToInt64(call.args[3], &end)) {
    AppendError(kNotInteger, call.out);
    return;
  }
  const storage::LookupResult result =
      call.engine().Get(call.args[1], [&](const storage::ItemView& item) {
        const int64_t length = static_cast<int64_t>(item.value.size());
        int64_t from = start;
        int64_t to = end;
        if (from < 0 && to < 0 && from > to) {
          AppendBulk("", call.out);
          return;
        }
        if (from < 0) from += length;
        if (to < 0) to += length;
        if (from < 0) from = 0;
        if (to < 0) to = 0;
        if (to >= length) to = length - 1;
        if (from > to || length == 0) {
          AppendBulk("", call.out);
        } else {
          AppendBulk(item.value.substr(from, to - from + 1), call.out);
        }
      });
  if (result != storage::LookupResult::kHit) AppendBulk("", call.out);  // Redis's empty bulk
  CountRead(call, result);
}

}  // namespace

void GetRangeCommand(Call& call) { GetRange(call); }

void SubstrCommand(Call& call) { GetRange(call); }

void SetRangeCommand(Call& call) {
  int64_t offset = 0;
  if (!protocol::RedisStringToInt64(call.args[2], &offset)) {
    AppendError(kNotInteger, call.out);
    return;
  }
  if (offset < 0) {
    AppendError("ERR offset is out of range", call.out);
    return;
  }
  const std::string_view key = call.args[1];
  const std::string_view patch = call.args[3];
  const size_t max_item_bytes = call.context.engine->options().max_item_bytes;
  enum class Result { kLength, kRedisLimit, kItemLimit } result = Result::kLength;
  int64_t length = 0;
  std::string value;  // the new value, built under the lock (at most max_item_bytes)
  absl::StatusOr<storage::UpdateOutcome> outcome =
      call.engine().Update(key, [&](const storage::ItemView* item) {
        const int64_t old_length = item != nullptr ? static_cast<int64_t>(item->value.size()) : 0;
        if (patch.empty()) {  // nothing to write: the length as it is, and no size check
          length = old_length;
          return Mutation{};
        }
        const int64_t patch_length = static_cast<int64_t>(patch.size());
        if (offset > kRedisMaxStringBytes - patch_length) {
          result = Result::kRedisLimit;
          return Mutation{};
        }
        const size_t new_length = static_cast<size_t>(std::max(old_length, offset + patch_length));
        if (key.size() + new_length > max_item_bytes) {
          result = Result::kItemLimit;  // refused before the bytes are allocated
          return Mutation{};
        }
        if (item != nullptr) value.assign(item->value);
        value.resize(new_length, '\0');  // a gap before offset is zero bytes, as in Redis
        value.replace(static_cast<size_t>(offset), patch.size(), patch);
        length = static_cast<int64_t>(new_length);
        return StoreKeepingFlagsAndExpiry(value, item);
      });
  if (!outcome.ok()) {
    AppendStoreError(outcome.status(), call.out);
    return;
  }
  switch (result) {
    case Result::kLength:
      if (!patch.empty()) call.stats().cmd_set.Add();
      AppendInteger(length, call.out);
      break;
    case Result::kRedisLimit:
      AppendError("ERR string exceeds maximum allowed size (proto-max-bulk-len)", call.out);
      break;
    case Result::kItemLimit:
      AppendStoreError(absl::ResourceExhaustedError("object too large for cache"), call.out);
      break;
  }
}

void IncrByFloatCommand(Call& call) {
  enum class Result { kOk, kNotFloat, kNotFinite } result = Result::kOk;
  char digits[kMaxLongDoubleChars];
  size_t length = 0;
  absl::StatusOr<storage::UpdateOutcome> outcome =
      call.engine().Update(call.args[1], [&](const storage::ItemView* item) {
        long double value = 0;
        long double increment = 0;
        // The value first, then the increment: both fail with the same words.
        if ((item != nullptr && !ParseLongDouble(item->value, &value)) ||
            !ParseLongDouble(call.args[2], &increment)) {
          result = Result::kNotFloat;
          return Mutation{};
        }
        value += increment;
        if (std::isnan(value) || std::isinf(value)) {
          result = Result::kNotFinite;
          return Mutation{};
        }
        length = FormatHumanLongDouble(value, digits);
        return StoreKeepingFlagsAndExpiry(std::string_view(digits, length), item);
      });
  if (!outcome.ok()) {
    AppendStoreError(outcome.status(), call.out);
    return;
  }
  switch (result) {
    case Result::kOk:
      call.stats().cmd_set.Add();
      AppendBulk(std::string_view(digits, length), call.out);
      break;
    case Result::kNotFloat:
      AppendError("ERR value is not a valid float", call.out);
      break;
    case Result::kNotFinite:
      AppendError("ERR increment would produce NaN or Infinity", call.out);
      break;
  }
}

}  // namespace memkv::server::resp
