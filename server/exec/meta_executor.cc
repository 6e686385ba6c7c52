// The meta-command executor's entry point, mn, me and the helpers every meta command shares.
// Replies and counters follow memcached 1.6.18's proto_text.c and were checked against a
// running memcached 1.6.18; tests/server/meta_executor_test.cc and meta_oracle_test.py pin them.
#include "server/exec/meta_executor.h"

#include <cstdint>

#include "protocol/memcache/meta_reply_encoder.h"
#include "server/exec/meta_internal.h"
#include "server/exec/text_executor.h"
#include "storage/engine.h"

namespace memkv::server {

using protocol::MetaCommand;
using protocol::MetaRequest;

namespace meta_internal {

int64_t ExpiryFromTtl(int32_t ttl, int64_t now_millis) {
  return TextExptimeToExpiryMillis(ttl, now_millis);
}

int64_t ExpiryAfterFlags(const MetaRequest& request, int64_t initial, bool created,
                         int64_t now_millis) {
  int64_t expiry = initial;
  for (size_t i = 0; i < request.flag_count; ++i) {
    const char letter = request.flags[i].letter;
    if (letter == 'T') expiry = ExpiryFromTtl(request.ttl, now_millis);
    if (letter == 'N' && created) expiry = ExpiryFromTtl(request.vivify_ttl, now_millis);
  }
  return expiry;
}

int64_t RemainingSeconds(int64_t expiry_millis, int64_t now_millis) {
  const int64_t left = expiry_millis - now_millis;
  return left > 0 ? (left + 999) / 1000 : left / 1000;
}

void AppendTtlFlag(int64_t expiry_millis, int64_t now_millis, std::string* out) {
  if (expiry_millis == 0) {
    protocol::AppendMetaNumberFlag('t', -1, out);
    return;
  }
  // memcached prints the difference as an unsigned 32-bit number; only an item given a TTL in
  // the past by this very request can show a negative one.
  const auto seconds = static_cast<uint32_t>(RemainingSeconds(expiry_millis, now_millis));
  protocol::AppendMetaUnsignedFlag('t', seconds, out);
}

void AppendOpaqueAndKey(const MetaRequest& request, std::string* out) {
  for (size_t i = 0; i < request.flag_count; ++i) {
    const protocol::MetaFlag& flag = request.flags[i];
    if (flag.letter == 'O') {
      protocol::AppendMetaToken(flag.token, out);
    } else if (flag.letter == 'k') {
      protocol::AppendMetaKeyFlag(request.key(), request.base64_key, out);
    }
  }
}

}  // namespace meta_internal

namespace {

// memcached's default slab classes (-n 48, -f 1.25, 1 MiB pages): the class `me` reports for an
// item of `total` bytes. memkv has no slabs; the number is computed so that `me` reads the same.
unsigned MemcachedSlabClass(uint64_t total) {
  constexpr uint64_t kChunkMax = 512 * 1024;  // slab_chunk_max: half a page
  uint64_t size = 96;                         // sizeof(item) + chunk_size
  unsigned cls = 1;
  while (static_cast<double>(size) < kChunkMax / 1.25) {
    size = (size + 7) / 8 * 8;
    if (total <= size) return cls;
    size = static_cast<uint64_t>(static_cast<double>(size) * 1.25);
    ++cls;
  }
  return cls;  // the largest class holds chunked items of any size
}

// me: memcached's human-readable item dump. It neither bumps nor marks the item fetched.
void ExecuteDebug(const MetaRequest& request, ExecContext& context, std::string* out) {
  const int64_t now = context.engine->clock().NowMillis();
  bool hit = false;
  (void)context.engine->Update(request.key(), [&](const storage::ItemView* item) {
    if (item == nullptr) return storage::Mutation{};
    hit = true;
    protocol::MetaDebugFields fields;
    // memcached prints current_time - exptime: minus the seconds left.
    fields.exp =
        item->expiry_millis == 0 ? -1 : -meta_internal::RemainingSeconds(item->expiry_millis, now);
    fields.last_access = static_cast<uint64_t>(now / 1000 - item->last_access_millis / 1000);
    fields.cas = item->cas;
    fields.fetched = item->fetched;
    // ITEM_ntotal: header 48, CAS 8, key + NUL, flags 4 if nonzero, value + CRLF.
    fields.size =
        48 + 8 + item->key.size() + 1 + (item->client_flags != 0 ? 4 : 0) + item->value.size() + 2;
    fields.slab_class = MemcachedSlabClass(fields.size);
    protocol::AppendMetaDebug(item->key, request.base64_key, fields, out);
    return storage::Mutation{};
  });
  if (!hit) {
    out->append(protocol::kMetaMiss);
    protocol::AppendMetaLineEnd(out);
  }
}

}  // namespace

ExecOutcome ExecuteMeta(const MetaRequest& request, ExecContext& context, std::string* out) {
  context.stats->cmd_meta.Add();
  switch (request.command) {
    case MetaCommand::kNoop:
      out->append(protocol::kMetaNoop);
      break;
    case MetaCommand::kGet:
      meta_internal::ExecuteGet(request, context, out);
      break;
    case MetaCommand::kSet:
      meta_internal::ExecuteSet(request, context, out);
      break;
    case MetaCommand::kDelete:
      meta_internal::ExecuteDelete(request, context, out);
      break;
    case MetaCommand::kArithmetic:
      meta_internal::ExecuteArithmetic(request, context, out);
      break;
    case MetaCommand::kDebug:
      ExecuteDebug(request, context, out);
      break;
  }
  return ExecOutcome::kContinue;
}

}  // namespace memkv::server
