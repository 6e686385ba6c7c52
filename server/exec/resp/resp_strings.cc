// RESP string commands: GET, SET and its relatives, MGET/MSET, INCR/DECR and friends, APPEND,
// STRLEN, with the argument rules, replies and error texts of Redis 7.0's t_string.c. Values are
// memcached items with client flags 0; read-modify-write commands run inside Engine::Update so
// that they are atomic like Redis's single-threaded commands.
#include <charconv>
#include <limits>
#include <optional>
#include <utility>
#include <vector>

#include "protocol/resp/resp_reply_encoder.h"
#include "protocol/resp/resp_request_parser.h"
#include "server/exec/resp/resp_commands.h"

namespace memkv::server::resp {
namespace {

using protocol::AppendBulk;
using protocol::AppendError;
using protocol::AppendInteger;
using protocol::AppendSimpleString;
using storage::Mutation;

constexpr int64_t kInt64Max = std::numeric_limits<int64_t>::max();
constexpr int64_t kInt64Min = std::numeric_limits<int64_t>::min();

// The options of SET and GETEX (Redis's OBJ_* flags in t_string.c).
enum Flag : unsigned {
  kNx = 1 << 0,
  kXx = 1 << 1,
  kEx = 1 << 2,
  kPx = 1 << 3,
  kKeepTtl = 1 << 4,
  kGet = 1 << 5,
  kExAt = 1 << 6,
  kPxAt = 1 << 7,
  kPersist = 1 << 8,
};
constexpr unsigned kAnyExpire = kEx | kPx | kExAt | kPxAt;

struct ExtendedArgs {
  unsigned flags = 0;
  std::string_view expire;  // the EX/PX/EXAT/PXAT argument, if any flag of kAnyExpire is set
};

// parseExtendedStringArgumentsOrReply: the same option may repeat (last wins), conflicting ones
// are a syntax error. `for_set` false is GETEX. Replies and returns false on error.
bool ParseExtendedArgs(Call& call, bool for_set, ExtendedArgs* parsed) {
  auto& args = call.args;
  unsigned& flags = parsed->flags;
  for (size_t j = for_set ? 3 : 2; j < args.size(); ++j) {
    std::string_view opt = args[j];
    bool has_next = j + 1 < args.size();
    if (for_set && IsKeyword(opt, "nx") && !(flags & kXx)) {
      flags |= kNx;
    } else if (for_set && IsKeyword(opt, "xx") && !(flags & kNx)) {
      flags |= kXx;
    } else if (for_set && IsKeyword(opt, "get")) {
      flags |= kGet;
    } else if (for_set && IsKeyword(opt, "keepttl") && !(flags & (kPersist | kAnyExpire))) {
      flags |= kKeepTtl;
    } else if (!for_set && IsKeyword(opt, "persist") && !(flags & (kAnyExpire | kKeepTtl))) {
      flags |= kPersist;
    } else if (has_next &&
               ((IsKeyword(opt, "ex") && !(flags & (kAnyExpire & ~kEx))) ||
                (IsKeyword(opt, "px") && !(flags & (kAnyExpire & ~kPx))) ||
                (IsKeyword(opt, "exat") && !(flags & (kAnyExpire & ~kExAt))) ||
                (IsKeyword(opt, "pxat") && !(flags & (kAnyExpire & ~kPxAt)))) &&
               !(flags & (kKeepTtl | kPersist))) {
      flags |= IsKeyword(opt, "ex")     ? kEx
               : IsKeyword(opt, "px")   ? kPx
               : IsKeyword(opt, "exat") ? kExAt
                                        : kPxAt;
      parsed->expire = args[++j];
    } else {
      AppendError(kSyntaxError, call.out);
      return false;
    }
  }
  return true;
}

void AppendInvalidExpire(std::string_view command, std::string* out) {
  std::string message = "ERR invalid expire time in '";
  message.append(command);
  message.append("' command");
  AppendError(message, out);
}

// getExpireMillisecondsOrReply: the absolute unix ms of an EX/PX/EXAT/PXAT argument. Redis lets
// the addition of the current time overflow into a negative number and then refuses it; the
// check here refuses the same inputs without the overflow.
bool ExpireMillisOrReply(Call& call, std::string_view command, unsigned flags,
                         std::string_view text, int64_t* millis) {
  int64_t value = 0;
  if (!protocol::RedisStringToInt64(text, &value)) {
    AppendError(kNotInteger, call.out);
    return false;
  }
  bool seconds = flags & (kEx | kExAt);
  if (value <= 0 || (seconds && value > kInt64Max / 1000)) {
    AppendInvalidExpire(command, call.out);
    return false;
  }
  if (seconds) value *= 1000;
  if (flags & (kEx | kPx)) {
    int64_t now = call.NowMillis();
    if (value > kInt64Max - now) {
      AppendInvalidExpire(command, call.out);
      return false;
    }
    value += now;
  }
  *millis = value;
  return true;
}

// "$<n>\r\n<value>\r\n" for a stored value: spliced in from the store when it is large enough
// and pinnable (spliced_values.h), copied otherwise. Not for a reply that may be rewound on a
// failed store (SET ... GET copies), since a rewind cannot take a splice back.
void AppendBulkValue(Call& call, const storage::ItemView& item) {
  if (call.context.spliced == nullptr || item.value.size() < kMinSplicedValueBytes) {
    AppendBulk(item.value, call.out);
    return;
  }
  protocol::AppendBulkHeader(item.value.size(), call.out);
  AppendValue(item, call.context.spliced, call.out);
  call.out->append("\r\n");
}

// CountRead (resp_commands.h) for a decision that saw a live item or not.
void CountRead(Call& call, bool hit) {
  CountRead(call, hit ? storage::LookupResult::kHit : storage::LookupResult::kMiss);
}

// A store that must not leave a half reply: on failure, whatever the decision appended (the old
// value of SET ... GET) is taken back and the error is the only reply.
bool UpdateOrReply(Call& call, std::string_view key, size_t reply_mark,
                   absl::FunctionRef<Mutation(const storage::ItemView*)> decide) {
  absl::StatusOr<storage::UpdateOutcome> outcome = call.engine().Update(key, decide);
  if (outcome.ok()) return true;
  call.out->resize(reply_mark);
  AppendStoreError(outcome.status(), call.out);
  return false;
}

// The common part of SET, SETNX, SETEX, PSETEX and GETSET (Redis's setGenericCommand). `expire`
// is the unparsed EX/PX/... argument when `flags` has one. Returns whether the key was written.
// Replies only errors and, with kGet, the old value: each caller words its own success.
bool SetGeneric(Call& call, std::string_view command, unsigned flags, std::string_view expire,
                std::string_view key, std::string_view value) {
  int64_t expiry = 0;
  if ((flags & kAnyExpire) && !ExpireMillisOrReply(call, command, flags, expire, &expiry)) {
    return false;
  }
  call.stats().cmd_set.Add();
  if (!(flags & (kGet | kKeepTtl))) {
    // The common case needs no read of the old item: a plain store.
    storage::StoreArgs store;
    store.mode = (flags & kNx)   ? storage::StoreMode::kAdd
                 : (flags & kXx) ? storage::StoreMode::kReplace
                                 : storage::StoreMode::kSet;
    store.expiry_millis = expiry;
    // A value received into its own block (ExecContext::received_value) is stored as that block.
    absl::StatusOr<storage::StoreOutcome> stored =
        StoreValue(call.context, call.engine(), key, value, store);
    if (!stored.ok()) {
      AppendStoreError(stored.status(), call.out);
      return false;
    }
    return stored->result == storage::StoreResult::kStored;
  }
  bool written = false;
  bool old_found = false;
  int64_t now = call.NowMillis();
  size_t mark = call.out->size();
  bool ok = UpdateOrReply(call, key, mark, [&](const storage::ItemView* current) {
    old_found = current != nullptr;
    if (flags & kGet) {
      if (current != nullptr) {
        // Copied, not spliced: a failed store rewinds the reply to its mark.
        AppendBulk(current->value, call.out);
      } else {
        protocol::AppendNull(call.resp(), call.out);
      }
    }
    if (((flags & kNx) && current != nullptr) || ((flags & kXx) && current == nullptr)) {
      return Mutation{};
    }
    written = true;
    Mutation mutation;
    mutation.expiry_millis =
        (flags & kKeepTtl) ? (current != nullptr ? current->expiry_millis : 0) : expiry;
    if (mutation.expiry_millis != 0 && mutation.expiry_millis <= now) {
      mutation.kind = Mutation::Kind::kDelete;  // EXAT/PXAT in the past: set, then gone at once
      return mutation;
    }
    mutation.kind = Mutation::Kind::kStore;
    mutation.parts[0] = value;
    return mutation;
  });
  if (ok && (flags & kGet)) CountRead(call, old_found);
  return ok && written;
}

}  // namespace

void CountRead(Call& call, storage::LookupResult result) {
  call.stats().cmd_get.Add();
  if (result == storage::LookupResult::kHit) {
    call.stats().get_hits.Add();
  } else {
    call.stats().get_misses.Add();
    if (result == storage::LookupResult::kExpired) call.stats().get_expired.Add();
  }
}

void GetCommand(Call& call) {
  storage::LookupResult result = call.engine().Get(
      call.args[1], [&call](const storage::ItemView& item) { AppendBulkValue(call, item); });
  if (result != storage::LookupResult::kHit) protocol::AppendNull(call.resp(), call.out);
  CountRead(call, result);
}

void SetCommand(Call& call) {
  ExtendedArgs parsed;
  if (!ParseExtendedArgs(call, /*for_set=*/true, &parsed)) return;
  size_t mark = call.out->size();
  bool written = SetGeneric(call, "set", parsed.flags, parsed.expire, call.args[1], call.args[2]);
  if (parsed.flags & kGet) return;       // the old value is the reply
  if (call.out->size() != mark) return;  // an error was the reply
  if (written) {
    AppendSimpleString("OK", call.out);
  } else {
    protocol::AppendNull(call.resp(), call.out);
  }
}

void SetNxCommand(Call& call) {
  size_t mark = call.out->size();
  bool written = SetGeneric(call, "setnx", kNx, {}, call.args[1], call.args[2]);
  if (call.out->size() == mark) AppendInteger(written ? 1 : 0, call.out);
}

void SetExCommand(Call& call) {
  size_t mark = call.out->size();
  SetGeneric(call, "setex", kEx, call.args[2], call.args[1], call.args[3]);
  if (call.out->size() == mark) AppendSimpleString("OK", call.out);
}

void PSetExCommand(Call& call) {
  size_t mark = call.out->size();
  SetGeneric(call, "psetex", kPx, call.args[2], call.args[1], call.args[3]);
  if (call.out->size() == mark) AppendSimpleString("OK", call.out);
}

void GetSetCommand(Call& call) {
  // GETSET is SET key value GET: the old value (or null) is the reply, the TTL is dropped.
  SetGeneric(call, "getset", kGet, {}, call.args[1], call.args[2]);
}

void GetDelCommand(Call& call) {
  bool hit = false;
  UpdateOrReply(call, call.args[1], call.out->size(), [&](const storage::ItemView* current) {
    if (current == nullptr) {
      protocol::AppendNull(call.resp(), call.out);
      return Mutation{};
    }
    hit = true;
    AppendBulkValue(call, *current);
    Mutation mutation;
    mutation.kind = Mutation::Kind::kDelete;
    return mutation;
  });
  CountRead(call, hit);
}

void GetExCommand(Call& call) {
  ExtendedArgs parsed;
  if (!ParseExtendedArgs(call, /*for_set=*/false, &parsed)) return;
  unsigned flags = parsed.flags;
  // Redis looks the key up before it validates the expire argument: a missing key answers null
  // whatever the argument. So validate first, but reply the error only for a live key.
  size_t mark = call.out->size();
  int64_t expiry = 0;
  bool valid_expire =
      !(flags & kAnyExpire) || ExpireMillisOrReply(call, "getex", flags, parsed.expire, &expiry);
  std::string error(call.out->substr(mark));
  call.out->resize(mark);
  int64_t now = call.NowMillis();
  bool hit = false;
  UpdateOrReply(call, call.args[1], mark, [&](const storage::ItemView* current) {
    if (current == nullptr) {
      protocol::AppendNull(call.resp(), call.out);
      return Mutation{};
    }
    hit = true;
    if (!valid_expire) {
      call.out->append(error);
      return Mutation{};
    }
    AppendBulkValue(call, *current);
    Mutation mutation;
    if ((flags & (kExAt | kPxAt)) && expiry <= now) {
      mutation.kind = Mutation::Kind::kDelete;
    } else if ((flags & kAnyExpire) || ((flags & kPersist) && current->expiry_millis != 0)) {
      mutation.kind = Mutation::Kind::kModify;
      mutation.set_expiry = true;
      mutation.expiry_millis = expiry;  // 0 for PERSIST
    }
    return mutation;
  });
  CountRead(call, hit);
}

// Pauses between keys at the cursor's output limit (exec_context.h); the array header goes out
// with the first part only. Key i of the cursor is argument i + 1.
void MGetCommand(Call& call) {
  MultiKeyCursor* cursor = call.context.cursor;
  const size_t first = cursor != nullptr ? cursor->next_key : 0;
  if (first == 0) protocol::AppendArrayHeader(call.args.size() - 1, call.out);
  for (size_t i = first; i + 1 < call.args.size(); ++i) {
    if (PauseBeforeKey(call.context, i, first, ReplyBytes(call.context, *call.out))) {
      call.outcome = ExecOutcome::kPaused;
      return;
    }
    storage::LookupResult result = call.engine().Get(
        call.args[i + 1], [&call](const storage::ItemView& item) { AppendBulkValue(call, item); });
    if (result != storage::LookupResult::kHit) protocol::AppendNull(call.resp(), call.out);
    CountRead(call, result);
  }
  if (cursor != nullptr) cursor->next_key = 0;
}

// MSET and MSETNX: checks the arity and stores the pairs (arguments 1, 2, ...) per `when`.
// Returns whether they were stored, or nullopt when an error reply was written instead.
std::optional<bool> StorePairs(Call& call, std::string_view name,
                               storage::Engine::StoreAllWhen when) {
  if (call.args.size() % 2 == 0) {
    AppendArityError(name, call.out);
    return std::nullopt;
  }
  std::vector<std::pair<std::string_view, std::string_view>> pairs;
  pairs.reserve(call.args.size() / 2);
  for (size_t i = 1; i + 1 < call.args.size(); i += 2) {
    pairs.emplace_back(call.args[i], call.args[i + 1]);
  }
  call.stats().cmd_set.Add(pairs.size());
  absl::StatusOr<bool> stored = call.engine().StoreAll(pairs, when);
  if (!stored.ok()) {
    AppendStoreError(stored.status(), call.out);
    return std::nullopt;
  }
  return *stored;
}

void MSetCommand(Call& call) {
  if (StorePairs(call, "mset", storage::Engine::StoreAllWhen::kAlways).has_value()) {
    AppendSimpleString("OK", call.out);
  }
}

void MSetNxCommand(Call& call) {
  const std::optional<bool> stored =
      StorePairs(call, "msetnx", storage::Engine::StoreAllWhen::kNoneExist);
  if (stored.has_value()) AppendInteger(*stored ? 1 : 0, call.out);
}

namespace {

// incrDecrCommand: the value must be a Redis integer (string2ll), the result must fit in int64.
// The TTL and the memcached client flags of the item are kept.
void IncrDecrBy(Call& call, int64_t delta) {
  enum class Result { kOk, kNotInteger, kOverflow } result = Result::kOk;
  int64_t value = 0;
  char digits[24];
  bool existed = false;
  bool ok = UpdateOrReply(call, call.args[1], call.out->size(), [&](const storage::ItemView* item) {
    int64_t old_value = 0;
    existed = item != nullptr;
    if (item != nullptr && !protocol::RedisStringToInt64(item->value, &old_value)) {
      result = Result::kNotInteger;
      return Mutation{};
    }
    if ((delta < 0 && old_value < 0 && delta < kInt64Min - old_value) ||
        (delta > 0 && old_value > 0 && delta > kInt64Max - old_value)) {
      result = Result::kOverflow;
      return Mutation{};
    }
    value = old_value + delta;
    char* end = std::to_chars(digits, digits + sizeof(digits), value).ptr;
    Mutation mutation;
    mutation.kind = Mutation::Kind::kStore;
    mutation.parts[0] = std::string_view(digits, end - digits);
    if (item != nullptr) {
      mutation.client_flags = item->client_flags;
      mutation.expiry_millis = item->expiry_millis;
    }
    return mutation;
  });
  if (!ok) return;
  Counter& counter = delta < 0 ? (existed ? call.stats().decr_hits : call.stats().decr_misses)
                               : (existed ? call.stats().incr_hits : call.stats().incr_misses);
  counter.Add();
  switch (result) {
    case Result::kOk:
      AppendInteger(value, call.out);
      break;
    case Result::kNotInteger:
      AppendError(kNotInteger, call.out);
      break;
    case Result::kOverflow:
      AppendError(kOverflow, call.out);
      break;
  }
}

}  // namespace

void IncrCommand(Call& call) { IncrDecrBy(call, 1); }

void DecrCommand(Call& call) { IncrDecrBy(call, -1); }

void IncrByCommand(Call& call) {
  int64_t delta = 0;
  if (!protocol::RedisStringToInt64(call.args[2], &delta)) {
    AppendError(kNotInteger, call.out);
    return;
  }
  IncrDecrBy(call, delta);
}

void DecrByCommand(Call& call) {
  int64_t delta = 0;
  if (!protocol::RedisStringToInt64(call.args[2], &delta)) {
    AppendError(kNotInteger, call.out);
    return;
  }
  if (delta == kInt64Min) {  // its negation does not exist
    AppendError("ERR decrement would overflow", call.out);
    return;
  }
  IncrDecrBy(call, -delta);
}

void AppendCommand(Call& call) {
  std::string_view suffix = call.args[2];
  size_t length = 0;
  bool ok = UpdateOrReply(call, call.args[1], call.out->size(), [&](const storage::ItemView* item) {
    Mutation mutation;
    mutation.kind = Mutation::Kind::kStore;
    if (item == nullptr) {
      mutation.parts[0] = suffix;
    } else {
      // APPEND keeps the TTL (and the memcached client flags) of the item it extends.
      mutation.parts[0] = item->value;
      mutation.parts[1] = suffix;
      mutation.client_flags = item->client_flags;
      mutation.expiry_millis = item->expiry_millis;
    }
    length = mutation.parts[0].size() + mutation.parts[1].size();
    return mutation;
  });
  call.stats().cmd_set.Add();
  if (ok) AppendInteger(static_cast<int64_t>(length), call.out);
}

void StrLenCommand(Call& call) {
  KeyPeek peek = PeekKey(call.engine(), call.args[1]);
  AppendInteger(static_cast<int64_t>(peek.value_size), call.out);
}

}  // namespace memkv::server::resp
