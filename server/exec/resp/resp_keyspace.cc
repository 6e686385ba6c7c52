// RESP keyspace and TTL commands: DEL, UNLINK, EXISTS, the EXPIRE family with NX/XX/GT/LT, TTL,
// PTTL, EXPIRETIME, PEXPIRETIME, PERSIST, TYPE, DBSIZE, FLUSHALL, FLUSHDB, as Redis 7.0's db.c
// and expire.c answer them. A Redis TTL is the item's expiry_millis (unix ms), the same field
// memcached's exptime sets, so both dialects see one expiry.
#include <limits>

#include "protocol/resp/resp_reply_encoder.h"
#include "protocol/resp/resp_request_parser.h"
#include "server/exec/resp/resp_commands.h"

namespace memkv::server::resp {
namespace {

using protocol::AppendError;
using protocol::AppendInteger;
using storage::Mutation;

constexpr int64_t kInt64Max = std::numeric_limits<int64_t>::max();
constexpr int64_t kInt64Min = std::numeric_limits<int64_t>::min();

enum ExpireFlag : unsigned { kNx = 1, kXx = 2, kGt = 4, kLt = 8 };

// parseExtendedExpireArgumentsOrReply.
bool ParseExpireFlags(Call& call, unsigned* flags) {
  for (size_t j = 3; j < call.args.size(); ++j) {
    std::string_view opt = call.args[j];
    if (IsKeyword(opt, "nx")) {
      *flags |= kNx;
    } else if (IsKeyword(opt, "xx")) {
      *flags |= kXx;
    } else if (IsKeyword(opt, "gt")) {
      *flags |= kGt;
    } else if (IsKeyword(opt, "lt")) {
      *flags |= kLt;
    } else {
      std::string message = "ERR Unsupported option ";
      message.append(CString(opt));
      AppendError(message, call.out);
      return false;
    }
  }
  if ((*flags & kNx) && (*flags & (kXx | kGt | kLt))) {
    AppendError("ERR NX and XX, GT or LT options at the same time are not compatible", call.out);
    return false;
  }
  if ((*flags & kGt) && (*flags & kLt)) {
    AppendError("ERR GT and LT options at the same time are not compatible", call.out);
    return false;
  }
  return true;
}

// expireGenericCommand. `relative`: the argument is counted from now (EXPIRE, PEXPIRE), else it is
// a unix time (EXPIREAT, PEXPIREAT).
void ExpireGeneric(Call& call, std::string_view command, bool relative, bool seconds) {
  unsigned flags = 0;
  if (!ParseExpireFlags(call, &flags)) return;
  int64_t when = 0;
  if (!protocol::RedisStringToInt64(call.args[2], &when)) {
    AppendError(kNotInteger, call.out);
    return;
  }
  int64_t now = call.NowMillis();
  int64_t base = relative ? now : 0;
  if ((seconds && (when > kInt64Max / 1000 || when < kInt64Min / 1000)) ||
      (seconds ? when * 1000 : when) > kInt64Max - base) {
    std::string message = "ERR invalid expire time in '";
    message.append(command);
    message.append("' command");
    AppendError(message, call.out);
    return;
  }
  if (seconds) when *= 1000;
  when += base;
  bool changed = false;
  absl::StatusOr<storage::UpdateOutcome> outcome =
      call.engine().Update(call.args[1], [&](const storage::ItemView* item) {
        if (item == nullptr) return Mutation{};
        // Redis's "no TTL" is -1; memkv's is 0.
        int64_t current = item->expiry_millis == 0 ? -1 : item->expiry_millis;
        if (((flags & kNx) && current != -1) || ((flags & kXx) && current == -1) ||
            ((flags & kGt) && (when <= current || current == -1)) ||
            ((flags & kLt) && current != -1 && when >= current)) {
          return Mutation{};
        }
        changed = true;
        Mutation mutation;
        if (when <= now) {  // checkAlreadyExpired: the key goes at once
          mutation.kind = Mutation::Kind::kDelete;
        } else {
          mutation.kind = Mutation::Kind::kModify;
          mutation.set_expiry = true;
          mutation.expiry_millis = when;
        }
        return mutation;
      });
  if (!outcome.ok()) {
    AppendStoreError(outcome.status(), call.out);
    return;
  }
  call.stats().cmd_touch.Add();
  (changed ? call.stats().touch_hits : call.stats().touch_misses).Add();
  AppendInteger(changed ? 1 : 0, call.out);
}

// ttlGenericCommand: -2 no key, -1 no TTL, else the time left (rounded to the nearest second
// for TTL) or the absolute expiry (EXPIRETIME, PEXPIRETIME).
void TtlGeneric(Call& call, bool millis, bool absolute) {
  KeyPeek peek = PeekKey(call.engine(), call.args[1]);
  if (!peek.found) {
    AppendInteger(-2, call.out);
    return;
  }
  if (peek.expiry_millis == 0) {
    AppendInteger(-1, call.out);
    return;
  }
  int64_t ttl = absolute ? peek.expiry_millis : peek.expiry_millis - call.NowMillis();
  if (ttl < 0) ttl = 0;
  AppendInteger(millis ? ttl : (ttl + 500) / 1000, call.out);
}

}  // namespace

void DelCommand(Call& call) {
  int64_t deleted = 0;
  for (size_t i = 1; i < call.args.size(); ++i) {
    if (call.engine().Delete(call.args[i]) == storage::DeleteResult::kDeleted) {
      ++deleted;
      call.stats().delete_hits.Add();
    } else {
      call.stats().delete_misses.Add();
    }
  }
  AppendInteger(deleted, call.out);
}

void ExistsCommand(Call& call) {
  int64_t found = 0;  // a key named twice counts twice, as in Redis
  for (size_t i = 1; i < call.args.size(); ++i) {
    if (PeekKey(call.engine(), call.args[i]).found) ++found;
  }
  AppendInteger(found, call.out);
}

void ExpireCommand(Call& call) { ExpireGeneric(call, "expire", true, true); }
void PExpireCommand(Call& call) { ExpireGeneric(call, "pexpire", true, false); }
void ExpireAtCommand(Call& call) { ExpireGeneric(call, "expireat", false, true); }
void PExpireAtCommand(Call& call) { ExpireGeneric(call, "pexpireat", false, false); }

void TtlCommand(Call& call) { TtlGeneric(call, false, false); }
void PTtlCommand(Call& call) { TtlGeneric(call, true, false); }
void ExpireTimeCommand(Call& call) { TtlGeneric(call, false, true); }
void PExpireTimeCommand(Call& call) { TtlGeneric(call, true, true); }

void PersistCommand(Call& call) {
  bool removed = false;
  absl::StatusOr<storage::UpdateOutcome> outcome =
      call.engine().Update(call.args[1], [&removed](const storage::ItemView* item) {
        if (item == nullptr || item->expiry_millis == 0) return Mutation{};
        removed = true;
        Mutation mutation;
        mutation.kind = Mutation::Kind::kModify;
        mutation.set_expiry = true;
        mutation.expiry_millis = 0;
        return mutation;
      });
  if (!outcome.ok()) {
    AppendStoreError(outcome.status(), call.out);
    return;
  }
  AppendInteger(removed ? 1 : 0, call.out);
}

void TypeCommand(Call& call) {
  // Every memkv value is a string; Redis answers "none" for a missing key.
  protocol::AppendSimpleString(PeekKey(call.engine(), call.args[1]).found ? "string" : "none",
                               call.out);
}

void DbSizeCommand(Call& call) {
  AppendInteger(static_cast<int64_t>(call.engine().ItemCount()), call.out);
}

void FlushAllCommand(Call& call) {
  // getFlushCommandFlags: one optional SYNC or ASYNC; memkv has one way to flush, for both.
  if (call.args.size() > 2 || (call.args.size() == 2 && !IsKeyword(call.args[1], "sync") &&
                               !IsKeyword(call.args[1], "async"))) {
    AppendError(kSyntaxError, call.out);
    return;
  }
  call.stats().cmd_flush.Add();
  call.context.engine->FlushAll(0);  // every database
  protocol::AppendSimpleString("OK", call.out);
}

}  // namespace memkv::server::resp
