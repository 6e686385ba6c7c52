// BITFIELD and BITFIELD_RO: GET / SET / INCRBY of signed (i1..i64) and unsigned (u1..u63)
// integers at any bit offset of a string value, with OVERFLOW WRAP|SAT|FAIL, as Redis 7.0 answers
// them: every operation is parsed (and any error answered) before anything runs; the reply has one
// element per GET/SET/INCRBY (SET answers the old value, INCRBY the new one, FAIL a null); a write
// grows the string with zero bytes to its highest written byte even when FAIL keeps the field as
// it was. Bit 0 is the most significant bit of the first byte, as in SETBIT.
//
// A BITFIELD with a write runs inside one Engine::Update, under the key's shard lock, and keeps
// the item's TTL and memcached client flags; one with only GETs reads inside Engine::Get.
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "protocol/resp/resp_reply_encoder.h"
#include "protocol/resp/resp_request_parser.h"
#include "server/exec/resp/resp_commands.h"

namespace memkv::server::resp {
namespace {

using protocol::AppendError;

// Redis's proto-max-bulk-len default: a field must start in a byte below it.
constexpr int64_t kRedisMaxStringBytes = int64_t{512} << 20;

enum class Overflow { kWrap, kSat, kFail };

struct FieldOp {
  enum class Kind { kGet, kSet, kIncrBy };
  Kind kind = Kind::kGet;
  bool is_signed = false;
  int bits = 0;
  uint64_t offset = 0;   // in bits
  int64_t argument = 0;  // SET's value, INCRBY's increment
  Overflow overflow = Overflow::kWrap;
};

// "i8", "u63": Redis's type names, lower case only; u64 cannot be told apart from i64 in a
// 64-bit reply, so Redis refuses it.
bool ParseType(std::string_view arg, bool* is_signed, int* bits) {
  if (arg.empty() || (arg[0] != 'i' && arg[0] != 'u')) return false;
  *is_signed = arg[0] == 'i';
  int64_t value = 0;
  if (!protocol::RedisStringToInt64(arg.substr(1), &value)) return false;
  if (value < 1 || value > (*is_signed ? 64 : 63)) return false;
  *bits = static_cast<int>(value);
  return true;
}

// A bit offset, or "#N" for the N-th field of this width; its byte must be below 512 MB.
bool ParseFieldOffset(std::string_view arg, int bits, uint64_t* offset) {
  const bool by_field = !arg.empty() && arg[0] == '#';
  int64_t value = 0;
  if (!protocol::RedisStringToInt64(by_field ? arg.substr(1) : arg, &value) || value < 0) {
    return false;
  }
  if (by_field) {
    if (value > INT64_MAX / bits) return false;
    value *= bits;
  }
  if ((value >> 3) >= kRedisMaxStringBytes) return false;
  *offset = static_cast<uint64_t>(value);
  return true;
}

// Parses args[2..] into `ops`, or appends Redis's error and returns false.
bool ParseOps(absl::Span<const std::string_view> args, std::vector<FieldOp>* ops,
              std::string* out) {
  Overflow overflow = Overflow::kWrap;
  for (size_t j = 2; j < args.size();) {
    const size_t remaining = args.size() - j - 1;
    FieldOp op;
    if (IsKeyword(args[j], "get") && remaining >= 2) {
      op.kind = FieldOp::Kind::kGet;
    } else if (IsKeyword(args[j], "set") && remaining >= 3) {
      op.kind = FieldOp::Kind::kSet;
    } else if (IsKeyword(args[j], "incrby") && remaining >= 3) {
      op.kind = FieldOp::Kind::kIncrBy;
    } else if (IsKeyword(args[j], "overflow") && remaining >= 1) {
      const std::string_view type = args[j + 1];
      if (IsKeyword(type, "wrap")) {
        overflow = Overflow::kWrap;
      } else if (IsKeyword(type, "sat")) {
        overflow = Overflow::kSat;
      } else if (IsKeyword(type, "fail")) {
        overflow = Overflow::kFail;
      } else {
        AppendError("ERR Invalid OVERFLOW type specified", out);
        return false;
      }
      j += 2;
      continue;
    } else {
      AppendError(kSyntaxError, out);
      return false;
    }
    if (!ParseType(args[j + 1], &op.is_signed, &op.bits)) {
      AppendError(
          "ERR Invalid bitfield type. Use something like i16 u8. Note that u64 is not "
          "supported but i64 is.",
          out);
      return false;
    }
    if (!ParseFieldOffset(args[j + 2], op.bits, &op.offset)) {
      AppendError("ERR bit offset is not an integer or out of range", out);
      return false;
    }
    if (op.kind != FieldOp::Kind::kGet) {
      if (!protocol::RedisStringToInt64(args[j + 3], &op.argument)) {
        AppendError(kNotInteger, out);
        return false;
      }
    }
    op.overflow = overflow;
    ops->push_back(op);
    j += op.kind == FieldOp::Kind::kGet ? 3 : 4;
  }
  return true;
}

// The field's bits as an unsigned number; bytes past the end of `value` read as zero.
uint64_t ReadBits(std::string_view value, uint64_t offset, int bits) {
  uint64_t result = 0;
  for (int i = 0; i < bits; ++i) {
    const uint64_t bit = offset + static_cast<uint64_t>(i);
    const size_t byte = static_cast<size_t>(bit >> 3);
    const bool set =
        byte < value.size() && (static_cast<uint8_t>(value[byte]) & (0x80 >> (bit & 7))) != 0;
    result = (result << 1) | (set ? 1 : 0);
  }
  return result;
}

// REQUIRES: `value` holds every byte of the field.
void WriteBits(std::string& value, uint64_t offset, int bits, uint64_t field) {
  for (int i = 0; i < bits; ++i) {
    const uint64_t bit = offset + static_cast<uint64_t>(i);
    const size_t byte = static_cast<size_t>(bit >> 3);
    const uint8_t mask = static_cast<uint8_t>(0x80 >> (bit & 7));
    const bool set = ((field >> (bits - 1 - i)) & 1) != 0;
    uint8_t updated = static_cast<uint8_t>(value[byte]);
    updated = set ? (updated | mask) : (updated & ~mask);
    value[byte] = static_cast<char>(updated);
  }
}

// The field's number: its bits, sign-extended for a signed type.
__int128 FieldNumber(uint64_t raw, const FieldOp& op) {
  if (op.is_signed && op.bits < 64 && (raw >> (op.bits - 1)) != 0) {
    raw |= ~uint64_t{0} << op.bits;  // sign-extend
  }
  return op.is_signed ? static_cast<__int128>(static_cast<int64_t>(raw))
                      : static_cast<__int128>(raw);
}

enum class Direction { kFits, kAbove, kBelow };

// Whether `base` + `increment` leaves the type's range, and on which side, decided as Redis 7.0's
// checkSignedBitfieldOverflow / checkUnsignedBitfieldOverflow decide it (SET is base = the
// argument, increment = 0). For unsigned types that is the exact answer. For signed types Redis
// computes max - base and min - base in 64 bits, which wrap when base is far outside the range:
// SET i53 of -2^63 then counts as above the range, so SAT stores the maximum. The same bytes as
// redis-server matter more here than the arithmetic, so the wrap is reproduced.
Direction OverflowDirection(int64_t base, int64_t increment, const FieldOp& op) {
  if (!op.is_signed) {
    const uint64_t value = static_cast<uint64_t>(base);
    const uint64_t max = (uint64_t{1} << op.bits) - 1;  // bits <= 63
    if (value > max) return Direction::kAbove;
    const int64_t room_above = static_cast<int64_t>(max - value);
    const int64_t room_below = -static_cast<int64_t>(value);
    if (increment > 0 && increment > room_above) return Direction::kAbove;
    if (increment < 0 && increment < room_below) return Direction::kBelow;
    return Direction::kFits;
  }
  const int64_t max = op.bits == 64 ? INT64_MAX : (int64_t{1} << (op.bits - 1)) - 1;
  const int64_t min = -max - 1;
  const int64_t room_above =
      static_cast<int64_t>(static_cast<uint64_t>(max) - static_cast<uint64_t>(base));
  const int64_t room_below =
      static_cast<int64_t>(static_cast<uint64_t>(min) - static_cast<uint64_t>(base));
  const bool narrow = op.bits != 64;
  if (base > max || (narrow && increment > room_above) ||
      (base >= 0 && increment > 0 && increment > room_above)) {
    return Direction::kAbove;
  }
  if (base < min || (narrow && increment < room_below) ||
      (base < 0 && increment < 0 && increment < room_below)) {
    return Direction::kBelow;
  }
  return Direction::kFits;
}

// The number the field holds after SET (increment 0) or INCRBY under the op's OVERFLOW rule, or
// nullopt under FAIL when it does not fit. WRAP keeps the low bits of the 64-bit sum.
std::optional<__int128> Fit(int64_t base, int64_t increment, const FieldOp& op) {
  const uint64_t sum = static_cast<uint64_t>(base) + static_cast<uint64_t>(increment);
  const uint64_t mask = op.bits == 64 ? ~uint64_t{0} : (uint64_t{1} << op.bits) - 1;
  const Direction direction = OverflowDirection(base, increment, op);
  if (direction == Direction::kFits || op.overflow == Overflow::kWrap) {
    return FieldNumber(sum & mask, op);
  }
  if (op.overflow == Overflow::kFail) return std::nullopt;
  const __int128 one = 1;
  if (direction == Direction::kAbove) {
    return op.is_signed ? (one << (op.bits - 1)) - 1 : (one << op.bits) - 1;
  }
  return op.is_signed ? -(one << (op.bits - 1)) : 0;
}

// The bytes a string needs to hold every field the ops write; 0 if they only read.
size_t BytesWritten(const std::vector<FieldOp>& ops) {
  size_t bytes = 0;
  for (const FieldOp& op : ops) {
    if (op.kind == FieldOp::Kind::kGet) continue;
    bytes = std::max(bytes, static_cast<size_t>((op.offset + op.bits - 1) / 8 + 1));
  }
  return bytes;
}

// Runs the ops on `value` in order, appending one reply element each (null for a FAIL, in the
// connection's RESP version).
// Returns whether any field was written.
bool RunOps(const std::vector<FieldOp>& ops, protocol::RespVersion version, std::string& value,
            std::string* replies) {
  bool wrote = false;
  for (const FieldOp& op : ops) {
    const __int128 old = FieldNumber(ReadBits(value, op.offset, op.bits), op);
    if (op.kind == FieldOp::Kind::kGet) {
      protocol::AppendInteger(static_cast<int64_t>(old), replies);
      continue;
    }
    // SET replaces the field: the argument is the base, with no increment. An unsigned field
    // takes its 64 bits as unsigned, as Redis does: -1 in a u8 is 2^64-1, above the range.
    const bool set = op.kind == FieldOp::Kind::kSet;
    const std::optional<__int128> stored =
        Fit(set ? op.argument : static_cast<int64_t>(old), set ? 0 : op.argument, op);
    if (!stored.has_value()) {
      protocol::AppendNull(version, replies);
      continue;
    }
    WriteBits(value, op.offset, op.bits, static_cast<uint64_t>(*stored));
    wrote = true;
    protocol::AppendInteger(static_cast<int64_t>(op.kind == FieldOp::Kind::kSet ? old : *stored),
                            replies);
  }
  return wrote;
}

void BitFieldGeneric(Call& call, bool read_only) {
  std::vector<FieldOp> ops;
  if (!ParseOps(call.args, &ops, call.out)) return;
  const size_t needed = BytesWritten(ops);
  if (needed == 0) {
    std::string empty;
    std::string replies;
    const storage::LookupResult found =
        call.engine().Get(call.args[1], [&](const storage::ItemView& item) {
          std::string value(item.value);
          RunOps(ops, call.resp(), value, &replies);
        });
    if (found != storage::LookupResult::kHit) RunOps(ops, call.resp(), empty, &replies);
    CountRead(call, found);
    protocol::AppendArrayHeader(ops.size(), call.out);
    call.out->append(replies);
    return;
  }
  if (read_only) {
    AppendError("ERR BITFIELD_RO only supports the GET subcommand", call.out);
    return;
  }
  const std::string_view key = call.args[1];
  if (key.size() + needed > call.context.engine->options().max_item_bytes) {
    // Refused before anything is built; Redis (no per-item limit) would grow the string.
    AppendStoreError(absl::ResourceExhaustedError("object too large for cache"), call.out);
    return;
  }
  std::string value;
  std::string replies;
  absl::StatusOr<storage::UpdateOutcome> outcome =
      call.engine().Update(key, [&](const storage::ItemView* item) {
        replies.clear();
        value.assign(item != nullptr ? item->value : std::string_view());
        const bool grows = value.size() < needed;
        if (grows) value.resize(needed, '\0');
        if (!RunOps(ops, call.resp(), value, &replies) && !grows && item != nullptr)
          return storage::Mutation{};
        return StoreKeepingFlagsAndExpiry(value, item);
      });
  if (!outcome.ok()) {
    AppendStoreError(outcome.status(), call.out);
    return;
  }
  call.stats().cmd_set.Add();
  protocol::AppendArrayHeader(ops.size(), call.out);
  call.out->append(replies);
}

}  // namespace

void BitFieldCommand(Call& call) { BitFieldGeneric(call, /*read_only=*/false); }
void BitFieldRoCommand(Call& call) { BitFieldGeneric(call, /*read_only=*/true); }

}  // namespace memkv::server::resp
