// Pieces the meta executor's files share (meta_executor.cc: dispatch, mn, me; meta_get.cc: mg;
// meta_update.cc: ms, md; meta_arithmetic.cc: ma). Not for use outside server/meta_*.cc.
//
// Threads: as ExecuteMeta; the functions keep no state of their own.
#ifndef MEMKV_SERVER_EXEC_META_INTERNAL_H_
#define MEMKV_SERVER_EXEC_META_INTERNAL_H_

#include <cstdint>
#include <string>

#include "protocol/memcache/meta_request.h"
#include "server/exec/exec_context.h"

namespace memkv::server::meta_internal {

void ExecuteGet(const protocol::MetaRequest& request, ExecContext& context, std::string* out);
void ExecuteSet(const protocol::MetaRequest& request, ExecContext& context, std::string* out);
void ExecuteDelete(const protocol::MetaRequest& request, ExecContext& context, std::string* out);
void ExecuteArithmetic(const protocol::MetaRequest& request, ExecContext& context,
                       std::string* out);

// A meta TTL token as engine expiry (unix ms, 0 = never), by memcached's exptime rule; a
// negative TTL is already expired (memcached's EXPTIME_TO_POSITIVE_TIME).
int64_t ExpiryFromTtl(int32_t ttl, int64_t now_millis);

// The expiry an item ends with after the request's T and, for an item the request created, N
// tokens, applied in flag order from `initial` (memcached applies them while writing the reply).
int64_t ExpiryAfterFlags(const protocol::MetaRequest& request, int64_t initial, bool created,
                         int64_t now_millis);

// Appends " t<seconds left>", or " t-1" for an item that never expires.
void AppendTtlFlag(int64_t expiry_millis, int64_t now_millis, std::string* out);

// Whole seconds until `expiry_millis`, rounded up so that an item just given T100 shows 100.
int64_t RemainingSeconds(int64_t expiry_millis, int64_t now_millis);

// Appends the O and k return flags in request order: all that a reply without an item (EN,
// NF, EX, NS) carries.
void AppendOpaqueAndKey(const protocol::MetaRequest& request, std::string* out);

}  // namespace memkv::server::meta_internal

#endif  // MEMKV_SERVER_EXEC_META_INTERNAL_H_
