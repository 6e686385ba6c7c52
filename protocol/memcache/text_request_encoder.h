// The client side's encoders of memcached text-protocol requests: each function appends one
// request to a string that collects a connection's pending output. memkv-bench uses them to drive
// a server; TextReplyParser (text_reply_parser.h) reads the answers.
//
// Plain functions: any thread.
#ifndef MEMKV_PROTOCOL_MEMCACHE_TEXT_REQUEST_ENCODER_H_
#define MEMKV_PROTOCOL_MEMCACHE_TEXT_REQUEST_ENCODER_H_

#include <cstdint>
#include <string>
#include <string_view>

#include "absl/types/span.h"

namespace memkv::protocol {

// Appends "get k1 k2 ...\r\n" ("gets" when `with_cas`).
// REQUIRES: keys is not empty; every key is a valid memcached key (1-250 bytes, no spaces or
// control characters).
void AppendTextGetRequest(absl::Span<const std::string_view> keys, bool with_cas, std::string* out);

// Appends "<command> <key> <flags> <exptime> <bytes>[ noreply]\r\n<value>\r\n".
// `command` is set, add, replace, append or prepend. REQUIRES: as AppendTextGetRequest for the key.
void AppendTextStoreRequest(std::string_view command, std::string_view key, uint32_t flags,
                            int64_t exptime, std::string_view value, bool noreply,
                            std::string* out);

// Appends "delete <key>\r\n".
void AppendTextDeleteRequest(std::string_view key, std::string* out);

}  // namespace memkv::protocol

#endif  // MEMKV_PROTOCOL_MEMCACHE_TEXT_REQUEST_ENCODER_H_
