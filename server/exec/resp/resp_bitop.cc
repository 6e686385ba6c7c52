// BITOP AND|OR|XOR|NOT destkey key [key ...], with Redis 7.0's rules: a missing source is an
// empty string, shorter sources count as zero-padded to the longest, the result replaces destkey
// as a plain SET would (no TTL, memcached flags 0), and an all-empty result deletes destkey.
// The reply is the result's length.
//
// Each source is read under its own shard lock and the result stored under the destination's:
// unlike Redis (one thread), a write to a source by another client between the reads can be seen
// by some of them, as with MGET followed by SET.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "protocol/resp/resp_reply_encoder.h"
#include "server/exec/resp/resp_commands.h"

namespace memkv::server::resp {
namespace {

enum class BitOp { kAnd, kOr, kXor, kNot };

bool ParseBitOp(std::string_view arg, BitOp* op) {
  if (IsKeyword(arg, "and")) {
    *op = BitOp::kAnd;
  } else if (IsKeyword(arg, "or")) {
    *op = BitOp::kOr;
  } else if (IsKeyword(arg, "xor")) {
    *op = BitOp::kXor;
  } else if (IsKeyword(arg, "not")) {
    *op = BitOp::kNot;
  } else {
    return false;
  }
  return true;
}

// Byte i of a source, zero past its end.
uint8_t ByteOr0(const std::string& source, size_t i) {
  return i < source.size() ? static_cast<uint8_t>(source[i]) : 0;
}

std::string Combine(BitOp op, const std::vector<std::string>& sources, size_t length) {
  std::string result(length, '\0');
  for (size_t i = 0; i < length; ++i) {
    uint8_t byte = ByteOr0(sources[0], i);
    if (op == BitOp::kNot) byte = static_cast<uint8_t>(~byte);
    for (size_t s = 1; s < sources.size(); ++s) {
      const uint8_t other = ByteOr0(sources[s], i);
      switch (op) {
        case BitOp::kAnd:
          byte &= other;
          break;
        case BitOp::kOr:
          byte |= other;
          break;
        case BitOp::kXor:
          byte ^= other;
          break;
        case BitOp::kNot:
          break;  // NOT has exactly one source
      }
    }
    result[i] = static_cast<char>(byte);
  }
  return result;
}

}  // namespace

void BitOpCommand(Call& call) {
  BitOp op;
  if (!ParseBitOp(call.args[1], &op)) {
    protocol::AppendError(kSyntaxError, call.out);
    return;
  }
  const absl::Span<const std::string_view> keys = call.args.subspan(3);
  if (op == BitOp::kNot && keys.size() != 1) {
    protocol::AppendError("ERR BITOP NOT must be called with a single source key.", call.out);
    return;
  }
  std::vector<std::string> sources(keys.size());
  size_t length = 0;
  for (size_t i = 0; i < keys.size(); ++i) {
    const storage::LookupResult found = call.engine().Get(
        keys[i], [&](const storage::ItemView& item) { sources[i].assign(item.value); });
    CountRead(call, found);
    length = std::max(length, sources[i].size());
  }
  const std::string_view destination = call.args[2];
  if (length == 0) {
    call.engine().Delete(destination);
    protocol::AppendInteger(0, call.out);
    return;
  }
  call.stats().cmd_set.Add();
  absl::StatusOr<storage::StoreOutcome> stored =
      call.engine().Store(destination, Combine(op, sources, length), storage::StoreArgs{});
  if (!stored.ok()) {
    AppendStoreError(stored.status(), call.out);
    return;
  }
  protocol::AppendInteger(static_cast<int64_t>(length), call.out);
}

}  // namespace memkv::server::resp
