// The client side's encoders of memcached meta commands (mg, ms, md, ma, mn): each function
// appends one request to a string that collects a connection's pending output. memkv-bench uses
// them to drive a server; MetaReplyParser (meta_reply_parser.h) reads the answers.
//
// Plain functions: any thread.
#ifndef MEMKV_PROTOCOL_MEMCACHE_META_REQUEST_ENCODER_H_
#define MEMKV_PROTOCOL_MEMCACHE_META_REQUEST_ENCODER_H_

#include <string>
#include <string_view>

namespace memkv::protocol {

// Each encoder appends one command. `flags` is the space-separated flag list ("v k q", "T60 F5"),
// or empty. REQUIRES: key is a valid memcached key (or base64 with the b flag); flags are
// well-formed meta flags.
void AppendMetaGetRequest(std::string_view key, std::string_view flags, std::string* out);
void AppendMetaSetRequest(std::string_view key, std::string_view value, std::string_view flags,
                          std::string* out);
void AppendMetaDeleteRequest(std::string_view key, std::string_view flags, std::string* out);
void AppendMetaArithmeticRequest(std::string_view key, std::string_view flags, std::string* out);
void AppendMetaNoopRequest(std::string* out);

}  // namespace memkv::protocol

#endif  // MEMKV_PROTOCOL_MEMCACHE_META_REQUEST_ENCODER_H_
