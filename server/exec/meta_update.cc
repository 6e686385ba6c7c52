// ms and md: the meta commands that store and delete items. Follow memcached 1.6.18's
// process_mset_command / complete_nread_ascii / do_store_item, and process_mdelete_command,
// including which answers q hides (only the nominal HD).
#include <cstdint>
#include <string>

#include "absl/status/statusor.h"
#include "protocol/memcache/meta_reply_encoder.h"
#include "server/exec/meta_internal.h"
#include "storage/engine.h"

namespace memkv::server::meta_internal {
namespace {

using protocol::MetaRequest;
using protocol::MetaSetMode;
using storage::StoreResult;

storage::StoreMode StoreModeOf(MetaSetMode mode) {
  switch (mode) {
    case MetaSetMode::kAdd:
      return storage::StoreMode::kAdd;
    case MetaSetMode::kAppend:
      return storage::StoreMode::kAppend;
    case MetaSetMode::kPrepend:
      return storage::StoreMode::kPrepend;
    case MetaSetMode::kReplace:
      return storage::StoreMode::kReplace;
    case MetaSetMode::kSet:
      break;
  }
  return storage::StoreMode::kSet;
}

// memcached turns set and replace with a C token into its cas command (NREAD_CAS).
bool IsCasStore(const MetaRequest& r) {
  return r.has_compare_cas &&
         (r.set_mode == MetaSetMode::kSet || r.set_mode == MetaSetMode::kReplace);
}

// ms's reply: the code, then O, k and c in request order (c is 0 unless stored).
void AppendSetReply(const MetaRequest& request, StoreResult result, uint64_t cas,
                    std::string* out) {
  std::string_view code = protocol::kMetaStored;
  switch (result) {
    case StoreResult::kStored:
      if (request.quiet) return;
      break;
    case StoreResult::kNotStored:
      code = protocol::kMetaNotStored;
      break;
    case StoreResult::kExists:
      code = protocol::kMetaExists;
      break;
    case StoreResult::kNotFound:
      code = protocol::kMetaNotFound;
      break;
  }
  out->append(code);
  for (size_t i = 0; i < request.flag_count; ++i) {
    const protocol::MetaFlag& flag = request.flags[i];
    if (flag.letter == 'O') protocol::AppendMetaToken(flag.token, out);
    if (flag.letter == 'k') protocol::AppendMetaKeyFlag(request.key(), request.base64_key, out);
    if (flag.letter == 'c') {
      protocol::AppendMetaUnsignedFlag('c', result == StoreResult::kStored ? cas : 0, out);
    }
  }
  protocol::AppendMetaLineEnd(out);
}

void CountCasStore(StoreResult result, CommandStats& stats) {
  switch (result) {
    case StoreResult::kStored:
      stats.cas_hits.Add();
      break;
    case StoreResult::kExists:
      stats.cas_badval.Add();
      break;
    case StoreResult::kNotFound:
      stats.cas_misses.Add();
      break;
    case StoreResult::kNotStored:
      break;
  }
}

// The cas forms the plain Store cannot express, decided under the key's lock: C0 (memcached
// compares the item's CAS with 0, so it never matches) and I (invalidate), where a C older
// than the item's CAS still stores, as a stale item that keeps the old TTL and token.
absl::StatusOr<storage::StoreOutcome> StoreCasSpecial(const MetaRequest& request,
                                                      ExecContext& context, int64_t expiry) {
  storage::StoreOutcome result;
  const absl::StatusOr<storage::UpdateOutcome> outcome =
      context.engine->Update(request.key(), [&](const storage::ItemView* item) {
        storage::Mutation m;
        if (item == nullptr) {
          result.result = StoreResult::kNotFound;
          return m;
        }
        // memcached's order: C0 never matches, then equal, then older-and-invalidating.
        const bool match = request.compare_cas != 0 && item->cas == request.compare_cas;
        const bool older =
            request.compare_cas != 0 && request.invalidate && request.compare_cas < item->cas;
        if (!match && !older) {
          result.result = StoreResult::kExists;
          return m;
        }
        result.result = StoreResult::kStored;
        const bool stale = !match;
        m.kind = storage::Mutation::Kind::kStore;
        m.parts[0] = request.value;
        m.client_flags = request.client_flags;
        m.expiry_millis = stale ? item->expiry_millis : expiry;
        m.set_stale = stale;
        m.set_win_token_sent = stale && item->win_token_sent;
        m.new_cas = request.has_new_cas ? request.new_cas : 0;
        return m;
      });
  if (!outcome.ok()) return outcome.status();
  result.cas = outcome->cas;
  return result;
}

}  // namespace

void ExecuteSet(const MetaRequest& request, ExecContext& context, std::string* out) {
  if (request.too_large) {
    // memcached sizes the item before it looks at the mode and, failing, drops the old item in
    // every mode (ME, MR, MA, C and I too, unlike the classic commands), so that readers do not
    // keep data the client meant to replace. q does not hide the error; no cmd_set is counted.
    context.engine->Delete(request.key());
    out->append("SERVER_ERROR object too large for cache\r\n");
    return;
  }
  CommandStats& stats = *context.stats;
  const int64_t now = context.engine->clock().NowMillis();
  const int64_t expiry = request.has_ttl ? ExpiryFromTtl(request.ttl, now) : 0;
  const bool cas_store = IsCasStore(request);
  absl::StatusOr<storage::StoreOutcome> outcome;
  if (cas_store && (request.compare_cas == 0 || request.invalidate)) {
    outcome = StoreCasSpecial(request, context, expiry);
  } else {
    storage::StoreArgs args;
    args.mode = StoreModeOf(request.set_mode);
    args.client_flags = request.client_flags;
    args.expiry_millis = expiry;
    // add ignores C (memcached's add never compares); append and prepend honour it.
    if (request.set_mode != MetaSetMode::kAdd) args.compare_cas = request.compare_cas;
    args.new_cas = request.has_new_cas ? request.new_cas : 0;
    outcome = StoreValue(context, request.key(), request.value, args);
  }
  const bool concatenates =
      request.set_mode == MetaSetMode::kAppend || request.set_mode == MetaSetMode::kPrepend;
  if (!outcome.ok()) {
    if (concatenates) {
      // memcached cannot allocate the combined item and keeps the old one: NS.
      stats.cmd_set.Add();
      AppendSetReply(request, StoreResult::kNotStored, 0, out);
      return;
    }
    // memcached drops the old item when it cannot allocate the new one, whatever the mode
    // (checked with memcached -M: an ms ME out of memory removed the key). The engine's
    // messages are memcached's: "out of memory storing object", "object too large for cache".
    context.engine->Delete(request.key());
    const auto message = outcome.status().message();
    out->append("SERVER_ERROR ").append(message.data(), message.size()).append("\r\n");
    return;
  }
  stats.cmd_set.Add();
  StoreResult result = outcome->result;
  // A missing item is NOT_STORED for append and prepend even when a CAS was given.
  if (concatenates && result == StoreResult::kNotFound) result = StoreResult::kNotStored;
  if (cas_store) CountCasStore(result, stats);
  AppendSetReply(request, result, outcome->cas, out);
}

void ExecuteDelete(const MetaRequest& request, ExecContext& context, std::string* out) {
  CommandStats& stats = *context.stats;
  const int64_t now = context.engine->clock().NowMillis();
  std::string_view code = protocol::kMetaStored;
  (void)context.engine->Update(request.key(), [&](const storage::ItemView* item) {
    storage::Mutation m;
    if (item == nullptr || (request.has_compare_cas && item->cas != request.compare_cas)) {
      code = item == nullptr ? protocol::kMetaNotFound : protocol::kMetaExists;
      stats.delete_misses.Add();
      return m;
    }
    if (!request.invalidate) {
      stats.delete_hits.Add();
      m.kind = storage::Mutation::Kind::kDelete;
      return m;
    }
    // Invalidate: keep the item, stale, with a new CAS (and T's TTL); set_stale also withdraws
    // the recache token, as memcached does, so that the next reader wins.
    m.kind = storage::Mutation::Kind::kModify;
    m.set_stale = true;
    m.set_expiry = request.has_ttl;
    m.expiry_millis = request.has_ttl ? ExpiryFromTtl(request.ttl, now) : 0;
    m.new_cas = request.has_new_cas ? request.new_cas : 0;
    return m;
  });
  if (code == protocol::kMetaStored && request.quiet) return;
  out->append(code);
  AppendOpaqueAndKey(request, out);
  protocol::AppendMetaLineEnd(out);
}

}  // namespace memkv::server::meta_internal
