// The memcached binary-protocol executor. Replies, CAS values and counters follow memcached
// 1.6.18's proto_bin.c (process_bin_get_or_touch, process_bin_update, complete_update_bin,
// complete_incr_bin, process_bin_delete, process_bin_flush, dispatch_bin_command) and were
// checked against a running memcached 1.6.18 (tests/server/binary_oracle_test.py).
//
// Quiet commands suppress only their success answers; errors are always sent, and a quiet get's
// hit too (memcached's write_bin_response).
#include "server/exec/binary_executor.h"

#include <algorithm>
#include <charconv>
#include <cstdint>
#include <string_view>

#include "absl/status/statusor.h"
#include "protocol/memcache/binary_reply_encoder.h"
#include "server/exec/binary_stats.h"
#include "server/exec/text_admin.h"
#include "server/exec/text_executor.h"
#include "storage/engine.h"

namespace memkv::server {
namespace {

using protocol::BinaryProblem;
using protocol::BinaryReplyHeader;
using protocol::BinaryRequest;
namespace bin = protocol::binary;

void AppendError(const BinaryRequest& request, uint16_t status, std::string* out) {
  protocol::AppendBinaryError(request.opcode, request.opaque, status, out);
}

BinaryReplyHeader HeaderFor(const BinaryRequest& request, uint64_t cas = 0) {
  BinaryReplyHeader header;
  header.opcode = request.opcode;
  header.opaque = request.opaque;
  header.cas = cas;
  return header;
}

// A success without a body (stored, deleted, flushed, noop, quit), unless the command was quiet.
void AppendDone(const BinaryRequest& request, uint64_t cas, std::string* out) {
  if (request.quiet) return;
  protocol::AppendBinaryReply(HeaderFor(request, cas), {}, {}, {}, out);
}

int64_t ExpiryOf(uint32_t expiration, ExecContext& context) {
  return TextExptimeToExpiryMillis(expiration, context.engine->clock().NowMillis());
}

// A hit of the get and touch families: flags as extras, the key for the K forms, the value but
// for TOUCH. Called inside the engine callback, where a large value may be pinned and spliced.
void AppendHit(const BinaryRequest& request, const storage::ItemView& item, ExecContext& context,
               std::string* out) {
  const bool with_key = request.command == bin::kGetK || request.command == bin::kGatK;
  const bool with_value = request.command != bin::kTouch;
  BinaryReplyHeader header = HeaderFor(request, item.cas);
  header.extras_length = 4;
  header.key_length = with_key ? request.key.size() : 0;
  header.body_length = 4 + header.key_length + (with_value ? item.value.size() : 0);
  protocol::AppendBinaryHeader(header, out);
  protocol::AppendBigEndian32(item.client_flags, out);
  if (with_key) out->append(request.key);
  if (!with_value) return;
  if (context.spliced == nullptr || item.value.size() < kMinSplicedValueBytes) {
    out->append(item.value);
  } else {
    AppendValue(item, context.spliced, out);
  }
}

void AppendMiss(const BinaryRequest& request, std::string* out) {
  if (request.quiet) return;
  if (request.command == bin::kGetK || request.command == bin::kGatK) {
    // memcached's write_bin_miss_response: the key is the whole body.
    BinaryReplyHeader header = HeaderFor(request);
    header.status = bin::kKeyNotFound;
    protocol::AppendBinaryReply(header, {}, request.key, {}, out);
    return;
  }
  AppendError(request, bin::kKeyNotFound, out);
}

void ExecuteGet(const BinaryRequest& request, ExecContext& context, std::string* out) {
  CommandStats& stats = *context.stats;
  const storage::LookupResult result = context.engine->Get(
      request.key, [&](const storage::ItemView& item) { AppendHit(request, item, context, out); });
  // `stats detail` counts binary gets, touches, stores and deletes too, as memcached does.
  if (PrefixStats* prefixes = ActivePrefixStats(context)) {
    prefixes->RecordGet(request.key, result == storage::LookupResult::kHit);
  }
  stats.cmd_get.Add();
  if (result == storage::LookupResult::kHit) {
    stats.get_hits.Add();
    return;
  }
  stats.get_misses.Add();
  if (result == storage::LookupResult::kExpired) stats.get_expired.Add();
  AppendMiss(request, out);
}

// TOUCH, GAT, GATK: the new expiry and the answer under the key's lock.
void ExecuteTouch(const BinaryRequest& request, ExecContext& context, std::string* out) {
  const int64_t expiry = ExpiryOf(request.expiration, context);
  bool hit = false;
  // A modification never stores a new item, so the Update cannot fail.
  (void)context.engine->Update(request.key, [&](const storage::ItemView* item) {
    storage::Mutation mutation;
    if (item == nullptr) return mutation;
    hit = true;
    AppendHit(request, *item, context, out);
    mutation.kind = storage::Mutation::Kind::kModify;
    mutation.set_expiry = true;
    mutation.expiry_millis = expiry;
    return mutation;
  });
  if (PrefixStats* prefixes = ActivePrefixStats(context)) prefixes->RecordGet(request.key, hit);
  context.stats->cmd_touch.Add();
  (hit ? context.stats->touch_hits : context.stats->touch_misses).Add();
  if (!hit) AppendMiss(request, out);
}

storage::StoreMode ModeOf(uint8_t command) {
  switch (command) {
    case bin::kAdd:
      return storage::StoreMode::kAdd;
    case bin::kReplace:
      return storage::StoreMode::kReplace;
    case bin::kAppend:
      return storage::StoreMode::kAppend;
    case bin::kPrepend:
      return storage::StoreMode::kPrepend;
    default:
      return storage::StoreMode::kSet;
  }
}

// memcached's complete_update_bin: a store that did not happen is "exists" for ADD, "not found"
// for REPLACE, "not stored" for the rest.
uint16_t NotStoredStatus(uint8_t command) {
  if (command == bin::kAdd) return bin::kKeyExists;
  if (command == bin::kReplace) return bin::kKeyNotFound;
  return bin::kNotStored;
}

void CountCas(storage::StoreResult result, CommandStats& stats) {
  switch (result) {
    case storage::StoreResult::kStored:
      stats.cas_hits.Add();
      break;
    case storage::StoreResult::kExists:
      stats.cas_badval.Add();
      break;
    case storage::StoreResult::kNotFound:
      stats.cas_misses.Add();
      break;
    case storage::StoreResult::kNotStored:
      break;
  }
}

void ExecuteStore(const BinaryRequest& request, ExecContext& context, std::string* out) {
  if (PrefixStats* prefixes = ActivePrefixStats(context)) prefixes->RecordSet(request.key);
  const bool concatenates = request.command == bin::kAppend || request.command == bin::kPrepend;
  if (request.problem == BinaryProblem::kTooLarge) {
    // memcached cannot allocate the item. A SET also drops the old one so that readers do not
    // keep data the client meant to replace. Nothing is counted: nothing was allocated.
    if (request.command == bin::kSet) context.engine->Delete(request.key);
    AppendError(request, bin::kTooLarge, out);
    return;
  }
  CommandStats& stats = *context.stats;
  // A nonzero CAS makes SET, ADD and REPLACE alike a compare-and-swap (memcached's NREAD_CAS);
  // APPEND and PREPEND keep their mode and compare too.
  const bool is_cas = request.cas != 0 && !concatenates;
  storage::StoreArgs args;
  args.mode = is_cas ? storage::StoreMode::kSet : ModeOf(request.command);
  args.client_flags = request.flags;
  args.expiry_millis = concatenates ? 0 : ExpiryOf(request.expiration, context);
  args.compare_cas = request.cas;
  const absl::StatusOr<storage::StoreOutcome> outcome =
      StoreValue(context, request.key, request.value, args);
  if (!outcome.ok()) {
    if (concatenates) {
      // memcached cannot allocate the combined item and leaves the old one.
      stats.cmd_set.Add();
      AppendError(request, bin::kNotStored, out);
      return;
    }
    if (request.command == bin::kSet) context.engine->Delete(request.key);
    const bool too_large = outcome.status().message() == "object too large for cache";
    AppendError(request, too_large ? bin::kTooLarge : bin::kOutOfMemory, out);
    return;
  }
  stats.cmd_set.Add();
  if (is_cas) CountCas(outcome->result, stats);
  switch (outcome->result) {
    case storage::StoreResult::kStored:
      AppendDone(request, outcome->cas, out);
      return;
    case storage::StoreResult::kExists:
      AppendError(request, bin::kKeyExists, out);
      return;
    case storage::StoreResult::kNotFound:
      // A missing key: "not found" for a compare-and-swap, "not stored" for APPEND / PREPEND.
      AppendError(request, concatenates ? bin::kNotStored : bin::kKeyNotFound, out);
      return;
    case storage::StoreResult::kNotStored:
      AppendError(request, NotStoredStatus(request.command), out);
      return;
  }
}

void ExecuteDelete(const BinaryRequest& request, ExecContext& context, std::string* out) {
  if (PrefixStats* prefixes = ActivePrefixStats(context)) prefixes->RecordDelete(request.key);
  switch (context.engine->Delete(request.key, request.cas)) {
    case storage::DeleteResult::kDeleted:
      context.stats->delete_hits.Add();
      AppendDone(request, 0, out);
      return;
    case storage::DeleteResult::kExists:
      AppendError(request, bin::kKeyExists, out);
      return;
    case storage::DeleteResult::kNotFound:
      context.stats->delete_misses.Add();
      AppendError(request, bin::kKeyNotFound, out);
      return;
  }
}

void AppendCounter(const BinaryRequest& request, uint64_t value, uint64_t cas, std::string* out) {
  if (request.quiet) return;
  std::string body;
  protocol::AppendBigEndian64(value, &body);
  protocol::AppendBinaryReply(HeaderFor(request, cas), {}, {}, body, out);
}

void ExecuteArithmetic(const BinaryRequest& request, ExecContext& context, std::string* out) {
  const bool decrement = request.command == bin::kDecrement;
  CommandStats& stats = *context.stats;
  const storage::ArithmeticOutcome outcome =
      context.engine->Increment(request.key, request.delta, decrement, request.cas);
  switch (outcome.result) {
    case storage::ArithmeticResult::kOk:
      (decrement ? stats.decr_hits : stats.incr_hits).Add();
      AppendCounter(request, outcome.value, outcome.cas, out);
      return;
    case storage::ArithmeticResult::kNonNumeric:
      AppendError(request, bin::kDeltaBadValue, out);
      return;
    case storage::ArithmeticResult::kExists:
      AppendError(request, bin::kKeyExists, out);
      return;
    case storage::ArithmeticResult::kNotFound:
      break;
  }
  if (request.expiration == bin::kNoInitialValue) {
    (decrement ? stats.decr_misses : stats.incr_misses).Add();
    AppendError(request, bin::kKeyNotFound, out);
    return;
  }
  // Create the counter with the initial value (memcached counts neither a hit nor a miss).
  char digits[24];
  const auto end = std::to_chars(digits, digits + sizeof(digits), request.initial).ptr;
  storage::StoreArgs args;
  args.mode = storage::StoreMode::kAdd;
  args.expiry_millis = ExpiryOf(request.expiration, context);
  const absl::StatusOr<storage::StoreOutcome> stored = context.engine->Store(
      request.key, std::string_view(digits, static_cast<size_t>(end - digits)), args);
  if (!stored.ok()) {
    AppendError(request, bin::kOutOfMemory, out);
    return;
  }
  if (stored->result != storage::StoreResult::kStored) {
    AppendError(request, bin::kNotStored, out);
    return;
  }
  AppendCounter(request, request.initial, stored->cas, out);
}

void ExecuteFlush(const BinaryRequest& request, ExecContext& context, std::string* out) {
  context.stats->cmd_flush.Add();
  int64_t delay_millis = 0;
  if (request.expiration > 0) {
    const int64_t now = context.engine->clock().NowMillis();
    delay_millis = std::max<int64_t>(0, ExpiryOf(request.expiration, context) - now);
  }
  context.engine->FlushAll(delay_millis);
  AppendDone(request, 0, out);
}

// The answers memcached gives before a command runs: framing errors close the connection.
bool AnswerProblem(const BinaryRequest& request, std::string* out, ExecOutcome* outcome) {
  switch (request.problem) {
    case BinaryProblem::kBadLengths:
      AppendError(request, bin::kUnknownCommand, out);
      *outcome = ExecOutcome::kClose;
      return true;
    case BinaryProblem::kInvalid:
      AppendError(request, bin::kInvalidArguments, out);
      *outcome = ExecOutcome::kClose;
      return true;
    case BinaryProblem::kUnknownCommand:
      AppendError(request, bin::kUnknownCommand, out);
      *outcome = ExecOutcome::kContinue;
      return true;
    case BinaryProblem::kNone:
    case BinaryProblem::kTooLarge:
    case BinaryProblem::kMechanismTooLong:
      return false;
  }
  return false;
}

}  // namespace

ExecOutcome ExecuteBinary(const BinaryRequest& request, ExecContext& context, std::string* out) {
  ExecOutcome outcome = ExecOutcome::kContinue;
  if (AnswerProblem(request, out, &outcome)) return outcome;
  switch (request.command) {
    case bin::kGet:
    case bin::kGetK:
      ExecuteGet(request, context, out);
      break;
    case bin::kTouch:
    case bin::kGat:
    case bin::kGatK:
      ExecuteTouch(request, context, out);
      break;
    case bin::kSet:
    case bin::kAdd:
    case bin::kReplace:
    case bin::kAppend:
    case bin::kPrepend:
      ExecuteStore(request, context, out);
      break;
    case bin::kDelete:
      ExecuteDelete(request, context, out);
      break;
    case bin::kIncrement:
    case bin::kDecrement:
      ExecuteArithmetic(request, context, out);
      break;
    case bin::kFlush:
      ExecuteFlush(request, context, out);
      break;
    case bin::kNoop:
      AppendDone(request, 0, out);
      break;
    case bin::kVersion:
      protocol::AppendBinaryReply(HeaderFor(request), {}, {}, kMemkvVersion, out);
      break;
    case bin::kStat:
      AppendBinaryStats(request.key, request.opcode, request.opaque, context, out);
      break;
    case bin::kQuit:
      AppendDone(request, 0, out);
      return ExecOutcome::kClose;
    case bin::kSaslListMechs:
    case bin::kSaslAuth:
    case bin::kSaslStep:
      // Authentication is off: memcached without -S does not know these.
      AppendError(request, bin::kUnknownCommand, out);
      break;
    default:
      AppendError(request, bin::kUnknownCommand, out);
      break;
  }
  return ExecOutcome::kContinue;
}

}  // namespace memkv::server
