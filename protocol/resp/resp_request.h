// RespRequest: one parsed RESP2 request (a multibulk `*N\r\n$len\r\n...` or an inline line), as
// the RESP parser produces it and the RESP executor consumes it.
//
// The arguments are views, not copies: into the parser's input for multibulk requests, and for
// inline requests into the input too, unless quoting or escapes (Redis's sdssplitargs rules) made
// an argument differ from its bytes on the wire, in which case every argument of that request is
// rebuilt in `storage`. The views stay valid while the input bytes (and this object) do; copying or
// moving a RespRequest whose `storage` is in use does not re-point them, so pass it by reference.
//
// An empty `args` is a valid request that Redis silently ignores (`*0\r\n`, `*-1\r\n`, a blank
// inline line): the executor answers nothing.
//
// Plain value type; one thread at a time (a connection's).
#ifndef MEMKV_PROTOCOL_RESP_RESP_REQUEST_H_
#define MEMKV_PROTOCOL_RESP_RESP_REQUEST_H_

#include <cstddef>
#include <string>
#include <string_view>

#include "absl/container/inlined_vector.h"

namespace memkv::protocol {

// Arguments kept without a heap allocation: 8 covers `SET key value EX 10 NX GET` (7).
inline constexpr size_t kRespInlineArgs = 8;

struct RespRequest {
  // args[0] is the command name, as sent (any case).
  absl::InlinedVector<std::string_view, kRespInlineArgs> args;
  // True when the request came as an inline line rather than a multibulk.
  bool is_inline = false;
  // Backing bytes for inline arguments rewritten by quotes or escapes; otherwise unused.
  std::string storage;
};

}  // namespace memkv::protocol

#endif  // MEMKV_PROTOCOL_RESP_RESP_REQUEST_H_
