// MetaRequest: one request of memcached's meta protocol (mn, mg, ms, md, ma, me), as
// MetaRequestParser produces it and the server's meta executor consumes it.
//
// The parser has already checked everything memcached checks before touching the cache (token
// counts, key length, flag syntax, duplicate flags, numeric tokens, modes, opaque length), so the
// executor only decides outcomes. Flags are kept in request order because memcached writes its
// return flags in that order and applies T before or after printing t depending on it.
//
// Views (raw_key, flag tokens, value) point into the parser's input and live as long as those
// bytes; a base64 key is decoded into the request itself, so copying a MetaRequest is safe.
// Plain value type; one thread at a time.
#ifndef MEMKV_PROTOCOL_MEMCACHE_META_REQUEST_H_
#define MEMKV_PROTOCOL_MEMCACHE_META_REQUEST_H_

#include <cstddef>
#include <cstdint>
#include <string_view>

namespace memkv::protocol {

enum class MetaCommand : uint8_t {
  kNoop,        // mn
  kGet,         // mg <key> <flag>*
  kSet,         // ms <key> <datalen> <flag>*\r\n<data>\r\n
  kDelete,      // md <key> <flag>*
  kArithmetic,  // ma <key> <flag>*
  kDebug,       // me <key> [b]
};

// "mn", "mg", ... as sent on the wire.
std::string_view MetaCommandName(MetaCommand command);

// ms's M token: the classic storage command it stands for.
enum class MetaSetMode : uint8_t { kSet, kAdd, kAppend, kPrepend, kReplace };

// One flag token as sent: `letter` is its first byte, `token` the whole token ("O123", "T30", "v").
struct MetaFlag {
  char letter = 0;
  std::string_view token;
};

// memcached refuses more than 17 flag tokens after the key (MFLAG_MAX_OPT_LENGTH tokens in all).
inline constexpr size_t kMaxMetaFlags = 17;
// A base64 key of at most 250 characters decodes to at most 186 bytes.
inline constexpr size_t kMaxDecodedKeyBytes = 187;

struct MetaRequest {
  MetaCommand command = MetaCommand::kNoop;

  // The key token as sent (base64 text when `base64_key`). Empty for mn.
  std::string_view raw_key;
  bool base64_key = false;  // b: raw_key is base64; key() is the decoded bytes

  // Every flag token after the key (after the data length for ms), in request order.
  MetaFlag flags[kMaxMetaFlags];
  size_t flag_count = 0;

  // Return flags and switches, as found among `flags`.
  bool return_value = false;         // v
  bool return_key = false;           // k
  bool return_client_flags = false;  // f
  bool return_ttl = false;           // t
  bool return_cas = false;           // c
  bool return_size = false;          // s
  bool return_hit = false;           // h
  bool return_last_access = false;   // l
  bool quiet = false;                // q: suppress the nominal answer (EN for mg, HD for ms...)
  bool no_bump = false;              // u: do not mark fetched / bump the access time
  bool invalidate = false;           // I: ms/md mark stale instead of refusing / deleting
  std::string_view opaque;           // O: the whole token ("O123"), echoed back; empty if absent

  // Numeric tokens, as memcached reads them (32-bit signed TTLs, memcached's exptime rule: 0 =
  // never, up to 30 days relative, else absolute unix seconds, negative = already expired).
  bool has_ttl = false;  // T
  int32_t ttl = 0;
  bool has_vivify = false;  // N (mg: vivify on miss; ma: create on miss)
  int32_t vivify_ttl = 0;
  bool has_recache = false;  // R
  int32_t recache_ttl = 0;
  bool has_client_flags = false;  // F
  uint32_t client_flags = 0;
  bool has_compare_cas = false;  // C
  uint64_t compare_cas = 0;
  bool has_new_cas = false;  // E
  uint64_t new_cas = 0;
  char mode = 0;  // M's character as sent (validated per command); 0 if absent

  // ms.
  MetaSetMode set_mode = MetaSetMode::kSet;
  std::string_view value;  // the data block, without its CRLF
  // The item would exceed the size limit: the parser took only the command line (the data is
  // ParseResult::swallow) and `value` is empty. The executor answers "SERVER_ERROR object too
  // large for cache" and, as memcached does, deletes the key.
  bool too_large = false;

  // ma.
  bool decrement = false;  // M D or M -
  uint64_t delta = 1;      // D
  uint64_t initial = 0;    // J

  // The key the cache is asked about: raw_key, or its base64 decoding.
  std::string_view key() const {
    return base64_key ? std::string_view(decoded_key_, decoded_key_length_) : raw_key;
  }
  // Used by the parser: stores the decoded form of a base64 key.
  void SetDecodedKey(std::string_view decoded);

  // Resets every field to its default.
  void Clear() { *this = MetaRequest(); }

 private:
  char decoded_key_[kMaxDecodedKeyBytes] = {};
  size_t decoded_key_length_ = 0;
};

}  // namespace memkv::protocol

#endif  // MEMKV_PROTOCOL_MEMCACHE_META_REQUEST_H_
