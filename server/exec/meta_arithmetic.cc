// ma: meta increment/decrement, with create-on-miss (N, J), TTL report and update (t, T), CAS
// compare and report (C, c) and the value (v). Follows memcached 1.6.18's
// process_marithmetic_command: return flags in request order with T applied where it stands, q
// hiding every successful answer (VA included) but never a vivified item's, and NF, EX and
// errors always answered.
#include <charconv>
#include <cstdint>
#include <string>

#include "absl/status/statusor.h"
#include "protocol/memcache/meta_reply_encoder.h"
#include "server/exec/meta_internal.h"
#include "storage/engine.h"

namespace memkv::server::meta_internal {
namespace {

using protocol::MetaRequest;

constexpr std::string_view kNonNumeric =
    "CLIENT_ERROR cannot increment or decrement non-numeric value\r\n";
constexpr std::string_view kVivifyFailed = "SERVER_ERROR Out of memory allocating new item\r\n";
// Another client may create the key between a miss and the creation; the increment is then
// retried on its item. Bounded so that a pathological interleaving still ends.
constexpr int kMaxAttempts = 3;

std::string_view FormatNumber(uint64_t value, char (&buffer)[24]) {
  const auto result = std::to_chars(buffer, buffer + sizeof(buffer), value);
  return std::string_view(buffer, static_cast<size_t>(result.ptr - buffer));
}

// The answer to an increment that succeeded or created the item. `expiry` is the item's expiry
// before this request's T (0 for a created item, which N and T then set).
void AppendDone(const MetaRequest& request, uint64_t value, uint64_t cas, int64_t expiry,
                bool created, int64_t now, std::string* out) {
  if (request.quiet && !created) return;
  char buffer[24];
  const std::string_view number = FormatNumber(value, buffer);
  if (request.return_value) {
    protocol::AppendMetaValueHeader(number.size(), out);
  } else {
    out->append(protocol::kMetaStored);
  }
  for (size_t i = 0; i < request.flag_count; ++i) {
    const protocol::MetaFlag& flag = request.flags[i];
    switch (flag.letter) {
      case 'c':
        protocol::AppendMetaUnsignedFlag('c', cas, out);
        break;
      case 't':
        AppendTtlFlag(expiry, now, out);
        break;
      case 'T':
        expiry = ExpiryFromTtl(request.ttl, now);
        break;
      case 'N':
        if (created) expiry = ExpiryFromTtl(request.vivify_ttl, now);
        break;
      case 'O':
        protocol::AppendMetaToken(flag.token, out);
        break;
      case 'k':
        protocol::AppendMetaKeyFlag(request.key(), request.base64_key, out);
        break;
    }
  }
  if (request.return_value) {
    protocol::AppendMetaLineEndAndData(number, out);
  } else {
    protocol::AppendMetaLineEnd(out);
  }
}

void AppendFailure(const MetaRequest& request, std::string_view code, std::string* out) {
  out->append(code);
  AppendOpaqueAndKey(request, out);
  protocol::AppendMetaLineEnd(out);
}

// After a successful increment: reads the expiry that t reports and applies T and E, which the
// engine's Increment does not cover. Returns the item's expiry before T, and updates *cas.
int64_t ApplyTtlAndCas(const MetaRequest& request, ExecContext& context, int64_t now,
                       uint64_t* cas) {
  int64_t expiry = 0;
  (void)context.engine->Update(request.key(), [&](const storage::ItemView* item) {
    storage::Mutation m;
    if (item == nullptr) return m;
    expiry = item->expiry_millis;
    m.kind = storage::Mutation::Kind::kModify;
    m.set_expiry = request.has_ttl;
    m.expiry_millis = ExpiryAfterFlags(request, expiry, /*created=*/false, now);
    m.new_cas = request.has_new_cas ? request.new_cas : 0;
    return m;
  });
  if (request.has_new_cas) *cas = request.new_cas;
  return expiry;
}

void CountArithmetic(const MetaRequest& request, bool hit, CommandStats& stats) {
  if (request.decrement) {
    (hit ? stats.decr_hits : stats.decr_misses).Add();
  } else {
    (hit ? stats.incr_hits : stats.incr_misses).Add();
  }
}

}  // namespace

void ExecuteArithmetic(const MetaRequest& request, ExecContext& context, std::string* out) {
  storage::Engine& engine = *context.engine;
  const int64_t now = engine.clock().NowMillis();
  for (int attempt = 0; attempt < kMaxAttempts; ++attempt) {
    const storage::ArithmeticOutcome r =
        engine.Increment(request.key(), request.delta, request.decrement, request.compare_cas);
    switch (r.result) {
      case storage::ArithmeticResult::kOk: {
        CountArithmetic(request, /*hit=*/true, *context.stats);
        uint64_t cas = r.cas;
        int64_t expiry = 0;
        if (request.has_ttl || request.return_ttl || request.has_new_cas) {
          expiry = ApplyTtlAndCas(request, context, now, &cas);
        }
        AppendDone(request, r.value, cas, expiry, /*created=*/false, now, out);
        return;
      }
      case storage::ArithmeticResult::kNonNumeric:
        out->append(kNonNumeric);
        return;
      case storage::ArithmeticResult::kExists:
        AppendFailure(request, protocol::kMetaExists, out);
        return;
      case storage::ArithmeticResult::kNotFound:
        break;
    }
    if (!request.has_vivify) {
      CountArithmetic(request, /*hit=*/false, *context.stats);
      AppendFailure(request, protocol::kMetaNotFound, out);
      return;
    }
    // Create the item with J's value (memcached neither counts a hit nor a miss for it).
    char buffer[24];
    storage::StoreArgs args;
    args.mode = storage::StoreMode::kAdd;
    args.expiry_millis = ExpiryAfterFlags(request, 0, /*created=*/true, now);
    args.new_cas = request.has_new_cas ? request.new_cas : 0;
    const absl::StatusOr<storage::StoreOutcome> stored =
        engine.Store(request.key(), FormatNumber(request.initial, buffer), args);
    if (!stored.ok()) {
      out->append(kVivifyFailed);
      return;
    }
    if (stored->result == storage::StoreResult::kStored) {
      AppendDone(request, request.initial, stored->cas, 0, /*created=*/true, now, out);
      return;
    }
  }
  AppendFailure(request, protocol::kMetaNotStored, out);
}

}  // namespace memkv::server::meta_internal
