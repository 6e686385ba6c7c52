// ParseAuthRequest: how memcached 1.6.18 (-Y) reads a text connection that has not yet
// authenticated. Every request then is either an authentication `set` or refused:
//
//   set <any> <any> <any> <N> [...]\r\n<N bytes>\r\n   the N bytes are "<user> <password>"
//
// A command line that is not such a `set` (fewer than 5 tokens, another first word, a 5th token
// memcached's safe_strtoul refuses) is answered "CLIENT_ERROR unauthenticated", meta commands
// and `quit` included; the flags, exptime and key are ignored. The data block must end in
// "\r\n" ("CLIENT_ERROR bad command line termination" otherwise, and the N+2 bytes are dropped)
// and is split into tokens at spaces; fewer than two tokens is "CLIENT_ERROR bad authentication
// token format", more than two are ignored. A line with no newline after 2048 bytes closes the
// connection without a reply, as memcached does; a data block above kMaxAuthValueBytes closes
// it too (memcached cannot hold one much larger than its 16 KiB read buffer either).
//
// Checking the user and password is not the parser's job (server/exec/text_auth.h).
//
// Plain function over a view, no state: any thread. The request's views point into the input.
#ifndef MEMKV_PROTOCOL_MEMCACHE_AUTH_REQUEST_PARSER_H_
#define MEMKV_PROTOCOL_MEMCACHE_AUTH_REQUEST_PARSER_H_

#include <cstddef>
#include <string_view>

#include "protocol/parse_result.h"

namespace memkv::protocol {

inline constexpr size_t kMaxAuthValueBytes = 8 * 1024;

// kOk: a well-formed attempt, `user` and `password` set. kClientError: the refusal to send (its
// `error`), `consumed` bytes dropped. kMustClose: close without a word. kNeedMore: wait.
struct AuthRequest {
  std::string_view user;
  std::string_view password;
};

ParseResult ParseAuthRequest(std::string_view input, AuthRequest* request);

}  // namespace memkv::protocol

#endif  // MEMKV_PROTOCOL_MEMCACHE_AUTH_REQUEST_PARSER_H_
