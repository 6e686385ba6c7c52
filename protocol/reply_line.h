// ReplyLine: one CRLF-ended line at the front of the reply bytes a client has received, as the
// reply parsers of every dialect frame it (memcached text and meta status lines, RESP type lines).
// Servers end every line in CRLF, so a bare LF, or no CRLF within the longest line a server
// writes, means the byte stream cannot be trusted any more.
//
// Plain value type and function: any thread.
#ifndef MEMKV_PROTOCOL_REPLY_LINE_H_
#define MEMKV_PROTOCOL_REPLY_LINE_H_

#include <cstddef>
#include <string_view>

#include "protocol/parse_result.h"

namespace memkv::protocol {

struct ReplyLine {
  std::string_view text;  // without its CRLF
  size_t end = 0;         // bytes up to and including the CRLF
};

// Finds the first CRLF-ended line of `in`: kOk with *line (consumed = 0: the caller decides how
// much the reply takes), kNeedMore, or kMustClose when a bare LF ends it or no CRLF comes within
// `max_line_bytes`.
ParseResult FindReplyLine(std::string_view in, size_t max_line_bytes, ReplyLine* line);

}  // namespace memkv::protocol

#endif  // MEMKV_PROTOCOL_REPLY_LINE_H_
