// The server direction's building blocks for memcached meta replies (mn, mg, ms, md, ma, me):
// status codes, return flags and data blocks, byte for byte as memcached 1.6.18 writes them.
// The executor decides which pieces a reply has and in what order (the request's flag order);
// these functions only spell them. The client direction is meta_request_encoder.h and
// meta_reply_parser.h.
//
// Plain functions appending to a caller's string: any thread.
#ifndef MEMKV_PROTOCOL_MEMCACHE_META_REPLY_ENCODER_H_
#define MEMKV_PROTOCOL_MEMCACHE_META_REPLY_ENCODER_H_

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace memkv::protocol {

// Status codes, without the line end.
inline constexpr std::string_view kMetaStored = "HD";  // success without a value
inline constexpr std::string_view kMetaMiss = "EN";    // mg / me miss
inline constexpr std::string_view kMetaNotStored = "NS";
inline constexpr std::string_view kMetaExists = "EX";  // CAS mismatch
inline constexpr std::string_view kMetaNotFound = "NF";
inline constexpr std::string_view kMetaNoop = "MN\r\n";  // the whole reply to mn

// Appends "VA <size>", the start of a reply that carries a value.
void AppendMetaValueHeader(size_t size, std::string* out);

// Appends " <letter><number>", e.g. " c42", " s5", " t-1".
void AppendMetaNumberFlag(char letter, int64_t number, std::string* out);
void AppendMetaUnsignedFlag(char letter, uint64_t number, std::string* out);

// Appends " <token>": a flag echoed as sent (the opaque, "O123") or a bare letter (" W").
void AppendMetaToken(std::string_view token, std::string* out);

// Appends " k<key>", or " k<base64 of key> b" for a key that came base64-encoded, as
// memcached's META_KEY does.
void AppendMetaKeyFlag(std::string_view key, bool base64, std::string* out);

// Ends the status line; with `data`, also appends the data block and its CRLF.
void AppendMetaLineEnd(std::string* out);
void AppendMetaLineEndAndData(std::string_view data, std::string* out);

// The me (meta debug) line of a hit, "ME <key> exp=.. la=.. cas=.. fetch=.. cls=.. size=..\r\n".
struct MetaDebugFields {
  int64_t exp = -1;          // -1: never expires; else memcached's (now - expiry) in seconds
  uint64_t last_access = 0;  // seconds since last access
  uint64_t cas = 0;
  bool fetched = false;
  unsigned slab_class = 0;
  uint64_t size = 0;  // memcached's total item size in bytes
};
void AppendMetaDebug(std::string_view key, bool base64, const MetaDebugFields& fields,
                     std::string* out);

}  // namespace memkv::protocol

#endif  // MEMKV_PROTOCOL_MEMCACHE_META_REPLY_ENCODER_H_
