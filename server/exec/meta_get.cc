// mg: the meta get, which also touches (T), vivifies on a miss (N), hands out the recache token
// (R, and for stale items) and reports item metadata. Follows memcached 1.6.18's
// process_mget_command: return flags in request order, T applied where it stands among them
// (so "t T30" prints the old TTL and "T30 t" the new one), then Z, X and W at the end.
#include <cstdint>
#include <string>

#include "absl/status/statusor.h"
#include "protocol/memcache/meta_reply_encoder.h"
#include "server/exec/meta_internal.h"
#include "storage/engine.h"

namespace memkv::server::meta_internal {
namespace {

using protocol::MetaRequest;

// What building a hit's reply decided about the item.
struct HitDecision {
  bool won = false;      // W: this client recaches; the item records that a token went out
  bool ttl_set = false;  // T was given: the item gets `expiry`, and the request counts as a touch
  int64_t expiry = 0;    // the item's expiry after T (and N for a vivified item)
};

// Appends one of mg's return flags about the item (s, t, c, f, l, h) or the request (O, k);
// other letters append nothing. `expiry` is the item's expiry as T has left it so far.
void AppendItemFlag(const MetaRequest& request, const protocol::MetaFlag& flag,
                    const storage::ItemView& item, int64_t expiry, int64_t now, std::string* out) {
  switch (flag.letter) {
    case 's':
      protocol::AppendMetaUnsignedFlag('s', item.value.size(), out);
      break;
    case 't':
      AppendTtlFlag(expiry, now, out);
      break;
    case 'c':
      protocol::AppendMetaUnsignedFlag('c', item.cas, out);
      break;
    case 'f':
      protocol::AppendMetaUnsignedFlag('f', item.client_flags, out);
      break;
    case 'l':
      protocol::AppendMetaNumberFlag('l', now / 1000 - item.last_access_millis / 1000, out);
      break;
    case 'h':
      protocol::AppendMetaNumberFlag('h', item.fetched ? 1 : 0, out);
      break;
    case 'O':
      protocol::AppendMetaToken(flag.token, out);
      break;
    case 'k':
      protocol::AppendMetaKeyFlag(request.key(), request.base64_key, out);
      break;
  }
}

// Appends the reply to a hit on `item` (a vivified, empty item when `created`): the status line
// with its return flags, and the value when asked for. `item` shows the item as it was before
// this request (fetched, last access), which is what h and l report.
HitDecision AppendHit(const MetaRequest& request, const storage::ItemView& item, bool created,
                      int64_t now, SplicedValues* spliced, std::string* out) {
  HitDecision d;
  d.expiry = item.expiry_millis;
  if (request.return_value) {
    protocol::AppendMetaValueHeader(item.value.size(), out);
  } else {
    out->append(protocol::kMetaStored);
  }
  for (size_t i = 0; i < request.flag_count; ++i) {
    const protocol::MetaFlag& flag = request.flags[i];
    switch (flag.letter) {
      case 'T':
        d.ttl_set = true;
        d.expiry = ExpiryFromTtl(request.ttl, now);
        break;
      case 'N':
        if (created) {
          d.expiry = ExpiryFromTtl(request.vivify_ttl, now);
          d.won = true;
        }
        break;
      case 'R':
        // Win when the TTL left (after any T before R) is below the token's.
        if (!item.win_token_sent && !created && d.expiry != 0 &&
            d.expiry < ExpiryFromTtl(request.recache_ttl, now)) {
          d.won = true;
        }
        break;
      default:
        AppendItemFlag(request, flag, item, d.expiry, now, out);
        break;
    }
  }
  // Z before W so that no reply carries both; a stale item's first reader wins.
  if (item.win_token_sent) protocol::AppendMetaToken("Z", out);
  if (item.stale) {
    protocol::AppendMetaToken("X", out);
    if (!item.win_token_sent) d.won = true;
  }
  if (d.won) protocol::AppendMetaToken("W", out);
  if (request.return_value && spliced != nullptr && item.value.size() >= kMinSplicedValueBytes) {
    protocol::AppendMetaLineEnd(out);
    AppendValue(item, spliced, out);  // spliced in when pinnable
    out->append("\r\n");
  } else if (request.return_value) {
    protocol::AppendMetaLineEndAndData(item.value, out);
  } else {
    protocol::AppendMetaLineEnd(out);
  }
  return d;
}

void AppendMiss(const MetaRequest& request, std::string* out) {
  if (request.quiet) return;  // q hides EN: a pipeline of mg q ends with mn
  out->append(protocol::kMetaMiss);
  AppendOpaqueAndKey(request, out);
  protocol::AppendMetaLineEnd(out);
}

void CountHit(bool ttl_set, CommandStats& stats) {
  if (ttl_set) {
    stats.cmd_touch.Add();
    stats.touch_hits.Add();
  } else {
    stats.cmd_get.Add();
    stats.get_hits.Add();
  }
}

// h and l as a lookup before this one saw them (the fast path's Get, which already marked the
// item accessed before handing the request over to the slow path).
struct Before {
  bool known = false;
  bool fetched = false;
  int64_t last_access_millis = 0;
};

// The general path: one Update under the key's lock decides T, the win token and vivification
// and writes the reply. Returns false on a miss that created nothing.
bool GetWithUpdate(const MetaRequest& request, ExecContext& context, const Before& before,
                   int64_t now, std::string* out) {
  bool hit = false;
  bool created = false;
  HitDecision decision;
  const absl::StatusOr<storage::UpdateOutcome> outcome =
      context.engine->Update(request.key(), [&](const storage::ItemView* item) {
        storage::Mutation m;
        // memcached bumps the item (marks it fetched, refreshes its access time) after the
        // reply, so that h and l report the state before this request; u skips the bump, and
        // the fast path's Get has already made it.
        m.mark_accessed = !request.no_bump && !before.known;
        if (item == nullptr) {
          if (!request.has_vivify) return m;
          // An empty stub whose token is already out: the caller of this mg recaches.
          created = true;
          m.kind = storage::Mutation::Kind::kStore;
          m.expiry_millis = ExpiryAfterFlags(request, 0, /*created=*/true, now);
          m.set_win_token_sent = true;
          m.new_cas = request.has_new_cas ? request.new_cas : 0;
          return m;
        }
        hit = true;
        storage::ItemView shown = *item;
        if (before.known) {
          shown.fetched = before.fetched;
          shown.last_access_millis = before.last_access_millis;
        }
        decision = AppendHit(request, shown, /*created=*/false, now, context.spliced, out);
        if (decision.ttl_set || decision.won) m.kind = storage::Mutation::Kind::kModify;
        m.set_expiry = decision.ttl_set;
        m.expiry_millis = decision.expiry;
        m.set_win_token_sent = decision.won;
        return m;
      });
  if (created && outcome.ok()) {
    // The reply needs the stub's CAS, known only once it is stored.
    storage::ItemView stub;
    stub.key = request.key();
    stub.cas = outcome->cas;
    stub.last_access_millis = now;
    decision = AppendHit(request, stub, /*created=*/true, now, nullptr, out);
    hit = true;
  }
  if (!hit) return false;
  CountHit(decision.ttl_set, *context.stats);
  return true;
}

}  // namespace

void ExecuteGet(const MetaRequest& request, ExecContext& context, std::string* out) {
  const int64_t now = context.engine->clock().NowMillis();
  CommandStats& stats = *context.stats;
  Before before;
  if (!request.has_ttl && !request.has_vivify && !request.has_recache && !request.no_bump) {
    // The common read: one Get, which marks the item accessed after showing it. Only a stale
    // item whose recache token is still to be handed out needs the general path.
    bool needs_token = false;
    const storage::LookupResult result =
        context.engine->Get(request.key(), [&](const storage::ItemView& item) {
          if (item.stale && !item.win_token_sent) {
            needs_token = true;
            before = Before{true, item.fetched, item.last_access_millis};
            return;
          }
          AppendHit(request, item, /*created=*/false, now, context.spliced, out);
        });
    if (result == storage::LookupResult::kHit && !needs_token) {
      CountHit(/*ttl_set=*/false, stats);
      return;
    }
    if (result != storage::LookupResult::kHit) {
      stats.cmd_get.Add();
      stats.get_misses.Add();
      if (result == storage::LookupResult::kExpired) stats.get_expired.Add();
      AppendMiss(request, out);
      return;
    }
  }
  if (GetWithUpdate(request, context, before, now, out)) return;
  // memcached counts every miss as a get miss, T or not.
  stats.cmd_get.Add();
  stats.get_misses.Add();
  AppendMiss(request, out);
}

}  // namespace memkv::server::meta_internal
