// RESP bit commands on string values: SETBIT, GETBIT, BITCOUNT and BITPOS (with BYTE/BIT
// ranges), with the argument rules, replies and error texts of Redis 7.0's bitops.c. Bit 0 is the
// most significant bit of the first byte. SETBIT runs inside Engine::Update, under the key's
// shard lock, and keeps the item's TTL and memcached client flags.
#include <bit>
#include <cstdint>
#include <string>

#include "protocol/resp/resp_reply_encoder.h"
#include "protocol/resp/resp_request_parser.h"
#include "server/exec/resp/resp_commands.h"

namespace memkv::server::resp {
namespace {

using protocol::AppendError;
using protocol::AppendInteger;
using storage::Mutation;

// Redis's proto-max-bulk-len default: a bit offset must address a byte below it.
constexpr int64_t kRedisMaxStringBytes = int64_t{512} << 20;
constexpr std::string_view kBadOffset = "ERR bit offset is not an integer or out of range";

// getBitOffsetFromArgument (no '#' form): a non-negative integer (all of the argument, NUL bytes
// included, as Redis 7.0 reads it) whose byte is below 512 MB.
bool ParseBitOffset(std::string_view arg, uint64_t* offset) {
  int64_t value = 0;
  if (!protocol::RedisStringToInt64(arg, &value) || value < 0 ||
      (value >> 3) >= kRedisMaxStringBytes) {
    return false;
  }
  *offset = static_cast<uint64_t>(value);
  return true;
}

// A range of whole bytes [first, last] with the bits outside a BIT range masked off the edge
// bytes: first_keep / last_keep have a 1 for each bit of that byte inside the range.
struct ByteRange {
  int64_t first = 0;
  int64_t last = -1;  // first > last: empty
  uint8_t first_keep = 0xff;
  uint8_t last_keep = 0xff;
};

// The start/end conversion BITCOUNT and BITPOS share: negative indexes from the end, clamped to
// the string; in BIT mode, bit indexes turned into bytes plus edge masks. `length` is in bytes.
ByteRange ToByteRange(int64_t start, int64_t end, bool bits, int64_t length) {
  const int64_t total = bits ? length * 8 : length;
  if (start < 0) start += total;
  if (end < 0) end += total;
  if (start < 0) start = 0;
  if (end < 0) end = 0;
  if (end >= total) end = total - 1;
  ByteRange range;
  if (!bits || start > end) {
    range.first = start;
    range.last = end;
    return range;
  }
  range.first_keep = static_cast<uint8_t>(0xff >> (start & 7));
  range.last_keep = static_cast<uint8_t>(0xff << (7 - (end & 7)));
  range.first = start >> 3;
  range.last = end >> 3;
  return range;
}

// The BYTE / BIT keyword of BITCOUNT and BITPOS; false (a syntax error) for anything else.
bool ParseUnit(std::string_view arg, bool* bits) {
  if (IsKeyword(arg, "bit")) {
    *bits = true;
    return true;
  }
  *bits = false;
  return IsKeyword(arg, "byte");
}

uint8_t ByteAt(std::string_view value, const ByteRange& range, int64_t i) {
  uint8_t byte = static_cast<uint8_t>(value[static_cast<size_t>(i)]);
  if (i == range.first) byte &= range.first_keep;
  if (i == range.last) byte &= range.last_keep;
  return byte;
}

}  // namespace

void SetBitCommand(Call& call) {
  uint64_t offset = 0;
  if (!ParseBitOffset(call.args[2], &offset)) {
    AppendError(kBadOffset, call.out);
    return;
  }
  int64_t on = 0;
  if (!protocol::RedisStringToInt64(call.args[3], &on) || (on & ~int64_t{1}) != 0) {
    AppendError("ERR bit is not an integer or out of range", call.out);
    return;
  }
  const std::string_view key = call.args[1];
  const size_t byte = static_cast<size_t>(offset >> 3);
  const uint8_t mask = static_cast<uint8_t>(0x80 >> (offset & 7));
  if (key.size() + byte + 1 > call.context.engine->options().max_item_bytes) {
    // Refused before anything is built; Redis (no per-item limit) would grow the string.
    AppendStoreError(absl::ResourceExhaustedError("object too large for cache"), call.out);
    return;
  }
  bool was_set = false;
  std::string value;  // the new value, built under the lock (at most max_item_bytes)
  absl::StatusOr<storage::UpdateOutcome> outcome =
      call.engine().Update(key, [&](const storage::ItemView* item) {
        const std::string_view old = item != nullptr ? item->value : std::string_view();
        was_set = byte < old.size() && (static_cast<uint8_t>(old[byte]) & mask) != 0;
        const bool grows = item == nullptr || byte >= old.size();
        if (!grows && was_set == (on == 1)) return Mutation{};  // nothing changes
        value.assign(old);
        if (value.size() <= byte) value.resize(byte + 1, '\0');
        uint8_t updated = static_cast<uint8_t>(value[byte]);
        updated = on ? (updated | mask) : (updated & ~mask);
        value[byte] = static_cast<char>(updated);
        return StoreKeepingFlagsAndExpiry(value, item);
      });
  if (!outcome.ok()) {
    AppendStoreError(outcome.status(), call.out);
    return;
  }
  call.stats().cmd_set.Add();
  AppendInteger(was_set ? 1 : 0, call.out);
}

void GetBitCommand(Call& call) {
  uint64_t offset = 0;
  if (!ParseBitOffset(call.args[2], &offset)) {
    AppendError(kBadOffset, call.out);
    return;
  }
  const size_t byte = static_cast<size_t>(offset >> 3);
  bool set = false;
  const storage::LookupResult result =
      call.engine().Get(call.args[1], [&](const storage::ItemView& item) {
        set = byte < item.value.size() &&
              (static_cast<uint8_t>(item.value[byte]) & (0x80 >> (offset & 7))) != 0;
      });
  CountRead(call, result);
  AppendInteger(set ? 1 : 0, call.out);
}

// bitcountCommand: the key is looked up first, so a missing key is 0 whatever the arguments.
void BitCountCommand(Call& call) {
  const size_t argc = call.args.size();
  int64_t count = 0;
  bool replied = false;
  const storage::LookupResult result =
      call.engine().Get(call.args[1], [&](const storage::ItemView& item) {
        const std::string_view value = item.value;
        const int64_t length = static_cast<int64_t>(value.size());
        ByteRange range{0, length - 1};
        if (argc == 4 || argc == 5) {
          int64_t start = 0;
          int64_t end = 0;
          bool bits = false;
          if (!protocol::RedisStringToInt64(call.args[2], &start) ||
              !protocol::RedisStringToInt64(call.args[3], &end)) {
            AppendError(kNotInteger, call.out);
            replied = true;
            return;
          }
          if (argc == 5 && !ParseUnit(call.args[4], &bits)) {
            AppendError(kSyntaxError, call.out);
            replied = true;
            return;
          }
          if (start < 0 && end < 0 && start > end) return;  // 0
          range = ToByteRange(start, end, bits, length);
        } else if (argc != 2) {
          AppendError(kSyntaxError, call.out);
          replied = true;
          return;
        }
        for (int64_t i = range.first; i <= range.last; ++i) {
          count += std::popcount(ByteAt(value, range, i));
        }
      });
  CountRead(call, result);
  if (!replied) AppendInteger(count, call.out);
}

// bitposCommand: BITPOS key bit [start [end [BYTE|BIT]]]. A missing key is all zero bits. With no
// end given, the string is seen as followed by zero bits (so a clear bit is found just past it);
// with an end, a bit is looked for only inside the range.
void BitPosCommand(Call& call) {
  int64_t bit = 0;
  if (!protocol::RedisStringToInt64(call.args[2], &bit)) {
    AppendError(kNotInteger, call.out);
    return;
  }
  if (bit != 0 && bit != 1) {
    AppendError("ERR The bit argument must be 1 or 0.", call.out);
    return;
  }
  const size_t argc = call.args.size();
  int64_t position = -1;
  bool replied = false;
  const storage::LookupResult result =
      call.engine().Get(call.args[1], [&](const storage::ItemView& item) {
        const std::string_view value = item.value;
        const int64_t length = static_cast<int64_t>(value.size());
        ByteRange range{0, length - 1};
        bool end_given = false;
        if (argc >= 4 && argc <= 6) {
          int64_t start = 0;
          int64_t end = length - 1;
          bool bits = false;
          if (!protocol::RedisStringToInt64(call.args[3], &start)) {
            AppendError(kNotInteger, call.out);
            replied = true;
            return;
          }
          if (argc == 6 && !ParseUnit(call.args[5], &bits)) {
            AppendError(kSyntaxError, call.out);
            replied = true;
            return;
          }
          if (argc >= 5) {
            if (!protocol::RedisStringToInt64(call.args[4], &end)) {
              AppendError(kNotInteger, call.out);
              replied = true;
              return;
            }
            end_given = true;
          }
          range = ToByteRange(start, end, bits, length);
        } else if (argc != 3) {
          AppendError(kSyntaxError, call.out);
          replied = true;
          return;
        }
        if (range.first > range.last) return;  // an empty range holds neither bit: -1
        for (int64_t i = range.first; i <= range.last; ++i) {
          uint8_t byte = static_cast<uint8_t>(value[static_cast<size_t>(i)]);
          // Bits outside a BIT range are made the opposite of the one looked for.
          uint8_t outside = 0;
          if (i == range.first) outside |= static_cast<uint8_t>(~range.first_keep);
          if (i == range.last) outside |= static_cast<uint8_t>(~range.last_keep);
          byte = bit ? (byte & ~outside) : (byte | outside);
          const uint8_t wanted = bit ? byte : static_cast<uint8_t>(~byte);
          if (wanted != 0) {
            position = i * 8 + std::countl_zero(wanted);
            return;
          }
        }
        // Not found: a clear bit is just past the range when no end bounds it.
        if (bit == 0 && !end_given) position = (range.last + 1) * 8;
      });
  CountRead(call, result);
  if (replied) return;
  if (result != storage::LookupResult::kHit) position = bit ? -1 : 0;
  AppendInteger(position, call.out);
}

}  // namespace memkv::server::resp
