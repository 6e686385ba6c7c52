// The memcached text-protocol executor. Replies and counters follow memcached 1.6.18's
// proto_text.c (process_*_command, complete_nread_ascii) and were checked against a running
// memcached 1.6.18; tests/server/text_executor_test.cc pins them.
#include "server/exec/text_executor.h"

#include <algorithm>
#include <cstdint>
#include <limits>
#include <optional>
#include <string_view>

#include "absl/status/statusor.h"
#include "protocol/memcache/text_reply_encoder.h"
#include "server/exec/text_admin.h"
#include "server/exec/text_stats.h"
#include "storage/engine.h"

namespace memkv::server {

using protocol::TextCommand;
using protocol::TextRequest;

namespace {

// memcached's REALTIME_MAXDELTA: a larger exptime is an absolute unix time.
constexpr int64_t kMaxRelativeExptimeSeconds = 60 * 60 * 24 * 30;
// memcached's MAX_VERBOSITY_LEVEL: `verbosity 5` sets 2.
constexpr uint32_t kMaxVerbosity = 2;

std::optional<uint64_t> CasIf(bool with_cas, uint64_t cas) {
  return with_cas ? std::optional<uint64_t>(cas) : std::nullopt;
}

// "VALUE ...\r\n<value>\r\n" for a get's hit; the value spliced in when it is large enough and
// pinnable, copied otherwise.
void AppendValueBlock(const storage::ItemView& item, bool with_cas, ExecContext& context,
                      std::string* out) {
  if (context.spliced == nullptr || item.value.size() < kMinSplicedValueBytes) {
    protocol::AppendTextValue(item.key, item.client_flags, item.value, CasIf(with_cas, item.cas),
                              out);
    return;
  }
  protocol::AppendTextValueHeader(item.key, item.client_flags, item.value.size(),
                                  CasIf(with_cas, item.cas), out);
  AppendValue(item, context.spliced, out);
  out->append("\r\n");
}

// The first key a multi-key command serves in this call: 0, or where a paused call stopped.
size_t FirstKey(const ExecContext& context) {
  return context.cursor != nullptr ? context.cursor->next_key : 0;
}

// The end of a multi-key command that served every key: END, and the cursor rewound for the
// next request.
ExecOutcome FinishMultiKey(ExecContext& context, std::string* out) {
  if (context.cursor != nullptr) context.cursor->next_key = 0;
  protocol::AppendTextEnd(out);
  return ExecOutcome::kContinue;
}

// get and gets: one lookup per key, a VALUE block per hit, then END. memcached counts every key
// in cmd_get, and an expired key both as a miss and in get_expired. Pauses between keys at the
// cursor's output limit (exec_context.h).
ExecOutcome ExecuteGet(const TextRequest& request, ExecContext& context, std::string* out) {
  const bool with_cas = request.command == TextCommand::kGets;
  CommandStats& stats = *context.stats;
  PrefixStats* const prefixes = ActivePrefixStats(context);
  const size_t first = FirstKey(context);
  for (size_t i = first; i < request.keys.size(); ++i) {
    if (PauseBeforeKey(context, i, first, ReplyBytes(context, *out))) return ExecOutcome::kPaused;
    const storage::LookupResult result = context.engine->Get(
        request.keys[i],
        [&](const storage::ItemView& item) { AppendValueBlock(item, with_cas, context, out); });
    if (prefixes != nullptr) {
      prefixes->RecordGet(request.keys[i], result == storage::LookupResult::kHit);
    }
    stats.cmd_get.Add();
    if (result == storage::LookupResult::kHit) {
      stats.get_hits.Add();
    } else {
      stats.get_misses.Add();
      if (result == storage::LookupResult::kExpired) stats.get_expired.Add();
    }
  }
  return FinishMultiKey(context, out);
}

// gat and gats: get and touch in one step under the key's lock. memcached counts them as
// touches (cmd_touch, touch_hits, touch_misses), not as gets. Pauses as get does.
ExecOutcome ExecuteGetAndTouch(const TextRequest& request, ExecContext& context, std::string* out) {
  const bool with_cas = request.command == TextCommand::kGats;
  const int64_t expiry =
      TextExptimeToExpiryMillis(request.exptime, context.engine->clock().NowMillis());
  CommandStats& stats = *context.stats;
  PrefixStats* const prefixes = ActivePrefixStats(context);
  const size_t first = FirstKey(context);
  for (size_t i = first; i < request.keys.size(); ++i) {
    if (PauseBeforeKey(context, i, first, ReplyBytes(context, *out))) return ExecOutcome::kPaused;
    bool hit = false;
    // A modification never stores a new item, so the Update cannot fail.
    (void)context.engine->Update(request.keys[i], [&](const storage::ItemView* item) {
      storage::Mutation mutation;
      if (item == nullptr) return mutation;
      hit = true;
      AppendValueBlock(*item, with_cas, context, out);
      mutation.kind = storage::Mutation::Kind::kModify;
      mutation.set_expiry = true;
      mutation.expiry_millis = expiry;
      return mutation;
    });
    if (prefixes != nullptr) prefixes->RecordGet(request.keys[i], hit);
    stats.cmd_touch.Add();
    (hit ? stats.touch_hits : stats.touch_misses).Add();
  }
  return FinishMultiKey(context, out);
}

storage::StoreMode ModeOf(TextCommand command) {
  switch (command) {
    case TextCommand::kAdd:
      return storage::StoreMode::kAdd;
    case TextCommand::kReplace:
      return storage::StoreMode::kReplace;
    case TextCommand::kAppend:
      return storage::StoreMode::kAppend;
    case TextCommand::kPrepend:
      return storage::StoreMode::kPrepend;
    default:
      return storage::StoreMode::kSet;
  }
}

// "cas <key> ... 0": the engine reads compare_cas 0 as "no compare", but memcached compares the
// item's CAS with 0, which never matches a stored item: EXISTS if the key is live, else
// NOT_FOUND.
storage::StoreResult CasWithZeroUnique(std::string_view key, ExecContext& context) {
  const absl::StatusOr<storage::UpdateOutcome> outcome =
      context.engine->Update(key, [](const storage::ItemView*) { return storage::Mutation(); });
  return outcome.ok() && outcome->existed ? storage::StoreResult::kExists
                                          : storage::StoreResult::kNotFound;
}

void ReplyStored(const TextRequest& request, storage::StoreResult result, CommandStats& stats,
                 std::string* out) {
  const bool is_cas = request.command == TextCommand::kCas;
  switch (result) {
    case storage::StoreResult::kStored:
      if (is_cas) stats.cas_hits.Add();
      if (!request.noreply) protocol::AppendTextStored(out);
      return;
    case storage::StoreResult::kNotStored:
      if (!request.noreply) protocol::AppendTextNotStored(out);
      return;
    case storage::StoreResult::kExists:
      if (is_cas) stats.cas_badval.Add();
      if (!request.noreply) protocol::AppendTextExists(out);
      return;
    case storage::StoreResult::kNotFound:
      if (is_cas) stats.cas_misses.Add();
      if (!request.noreply) protocol::AppendTextNotFound(out);
      return;
  }
}

void ExecuteStore(const TextRequest& request, ExecContext& context, std::string* out) {
  // memcached counts the set before it allocates the item, too large or not.
  if (PrefixStats* prefixes = ActivePrefixStats(context)) prefixes->RecordSet(request.key);
  if (request.too_large) {
    // memcached cannot allocate the item. A set also drops the old one so that readers do not
    // keep data the client meant to replace; cas, add, replace, append and prepend keep it
    // (checked on memcached 1.6.18). No cmd_set is counted: nothing was allocated.
    if (request.command == TextCommand::kSet) context.engine->Delete(request.key);
    if (!request.noreply) protocol::AppendTextServerError("object too large for cache", out);
    return;
  }
  CommandStats& stats = *context.stats;
  if (request.command == TextCommand::kCas && request.cas_unique == 0) {
    stats.cmd_set.Add();
    ReplyStored(request, CasWithZeroUnique(request.key, context), stats, out);
    return;
  }
  storage::StoreArgs args;
  args.mode = ModeOf(request.command);
  args.client_flags = request.client_flags;
  args.expiry_millis =
      TextExptimeToExpiryMillis(request.exptime, context.engine->clock().NowMillis());
  if (request.command == TextCommand::kCas) args.compare_cas = request.cas_unique;
  const absl::StatusOr<storage::StoreOutcome> outcome =
      StoreValue(context, request.key, request.value, args);
  const bool concatenates =
      request.command == TextCommand::kAppend || request.command == TextCommand::kPrepend;
  if (!outcome.ok() && concatenates) {
    // memcached cannot allocate the combined item and leaves the old one: NOT_STORED.
    stats.cmd_set.Add();
    ReplyStored(request, storage::StoreResult::kNotStored, stats, out);
    return;
  }
  if (!outcome.ok()) {
    // memcached removes the old item when a set cannot store the new one, so that a reader does
    // not keep seeing data the client meant to replace. It counts no cmd_set: the item was never
    // allocated.
    if (request.command == TextCommand::kSet) context.engine->Delete(request.key);
    if (!request.noreply) {
      // The engine's messages are memcached's: "object too large for cache", "out of memory
      // storing object".
      const auto message = outcome.status().message();
      protocol::AppendTextServerError(std::string_view(message.data(), message.size()), out);
    }
    return;
  }
  stats.cmd_set.Add();
  ReplyStored(request, outcome->result, stats, out);
}

void ExecuteTouch(const TextRequest& request, ExecContext& context, std::string* out) {
  const int64_t expiry =
      TextExptimeToExpiryMillis(request.exptime, context.engine->clock().NowMillis());
  const bool hit = context.engine->Touch(request.key, expiry);
  context.stats->cmd_touch.Add();
  (hit ? context.stats->touch_hits : context.stats->touch_misses).Add();
  if (request.noreply) return;
  if (hit) {
    protocol::AppendTextTouched(out);
  } else {
    protocol::AppendTextNotFound(out);
  }
}

void ExecuteDelete(const TextRequest& request, ExecContext& context, std::string* out) {
  if (PrefixStats* prefixes = ActivePrefixStats(context)) prefixes->RecordDelete(request.key);
  const bool hit = context.engine->Delete(request.key) == storage::DeleteResult::kDeleted;
  (hit ? context.stats->delete_hits : context.stats->delete_misses).Add();
  if (request.noreply) return;
  if (hit) {
    protocol::AppendTextDeleted(out);
  } else {
    protocol::AppendTextNotFound(out);
  }
}

void ExecuteArithmetic(const TextRequest& request, ExecContext& context, std::string* out) {
  const bool decrement = request.command == TextCommand::kDecr;
  const storage::ArithmeticOutcome outcome =
      context.engine->Increment(request.key, request.delta, decrement);
  CommandStats& stats = *context.stats;
  switch (outcome.result) {
    case storage::ArithmeticResult::kOk:
      (decrement ? stats.decr_hits : stats.incr_hits).Add();
      if (!request.noreply) protocol::AppendTextNumber(outcome.value, out);
      return;
    case storage::ArithmeticResult::kNotFound:
    case storage::ArithmeticResult::kExists:  // no compare_cas is given: cannot happen
      (decrement ? stats.decr_misses : stats.incr_misses).Add();
      if (!request.noreply) protocol::AppendTextNotFound(out);
      return;
    case storage::ArithmeticResult::kNonNumeric:
      if (!request.noreply) {
        protocol::AppendTextClientError("cannot increment or decrement non-numeric value", out);
      }
      return;
  }
}

void ExecuteFlushAll(const TextRequest& request, ExecContext& context, std::string* out) {
  context.stats->cmd_flush.Add();
  int64_t delay_millis = 0;
  // memcached treats a delay <= 0 as "now", and a delay > 30 days as an absolute time.
  if (request.has_flush_delay && request.flush_delay > 0) {
    const int64_t now = context.engine->clock().NowMillis();
    delay_millis = std::max<int64_t>(0, TextExptimeToExpiryMillis(request.flush_delay, now) - now);
  }
  context.engine->FlushAll(delay_millis);
  if (!request.noreply) protocol::AppendTextOk(out);
}

void ExecuteVerbosity(const TextRequest& request, ExecContext& context, std::string* out) {
  if (context.server != nullptr) {
    const uint64_t level =
        std::min<uint64_t>(static_cast<uint64_t>(request.verbosity), kMaxVerbosity);
    context.server->SetVerbosity(static_cast<int>(level));
  }
  if (!request.noreply) protocol::AppendTextOk(out);
}

}  // namespace

int64_t TextExptimeToExpiryMillis(int64_t exptime, int64_t now_millis) {
  constexpr int64_t kMaxSeconds = std::numeric_limits<int64_t>::max() / 1000;
  if (exptime == 0) return 0;
  // Any nonzero time in the past expires the item at once; 1 ms after the epoch is one.
  if (exptime < 0) return 1;
  if (exptime <= kMaxRelativeExptimeSeconds) return now_millis + exptime * 1000;
  return std::min(exptime, kMaxSeconds) * 1000;
}

ExecOutcome ExecuteText(const TextRequest& request, ExecContext& context, std::string* out) {
  switch (request.command) {
    case TextCommand::kGet:
    case TextCommand::kGets:
      return ExecuteGet(request, context, out);
    case TextCommand::kGat:
    case TextCommand::kGats:
      return ExecuteGetAndTouch(request, context, out);
    case TextCommand::kSet:
    case TextCommand::kAdd:
    case TextCommand::kReplace:
    case TextCommand::kAppend:
    case TextCommand::kPrepend:
    case TextCommand::kCas:
      ExecuteStore(request, context, out);
      break;
    case TextCommand::kTouch:
      ExecuteTouch(request, context, out);
      break;
    case TextCommand::kDelete:
      ExecuteDelete(request, context, out);
      break;
    case TextCommand::kIncr:
    case TextCommand::kDecr:
      ExecuteArithmetic(request, context, out);
      break;
    case TextCommand::kFlushAll:
      ExecuteFlushAll(request, context, out);
      break;
    case TextCommand::kVersion:
      protocol::AppendTextVersion(kMemkvVersion, out);
      break;
    case TextCommand::kVerbosity:
      ExecuteVerbosity(request, context, out);
      break;
    case TextCommand::kStats:
      if (request.stats_argument == "detail") {
        AppendStatsDetail(request, context, out);
      } else if (request.stats_argument == "cachedump") {
        AppendStatsCachedump(request, context, out);
      } else {
        AppendTextStats(request.stats_argument, context, out);
      }
      break;
    case TextCommand::kSlabs:
      ExecuteSlabs(request, context, out);
      break;
    case TextCommand::kCacheMemlimit:
      ExecuteCacheMemlimit(request, context, out);
      break;
    case TextCommand::kLruCrawler:
      return ExecuteLruCrawler(request, context, out);
    case TextCommand::kQuit:
      return ExecOutcome::kClose;
    case TextCommand::kShutdown:
      // memcached answers this unless started with -A; memkv has no remote shutdown.
      protocol::AppendTextLine("ERROR: shutdown not enabled", out);
      break;
  }
  return ExecOutcome::kContinue;
}

}  // namespace memkv::server
