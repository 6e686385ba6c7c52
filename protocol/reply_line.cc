#include "protocol/reply_line.h"

#include <algorithm>

namespace memkv::protocol {

ParseResult FindReplyLine(std::string_view in, size_t max_line_bytes, ReplyLine* line) {
  const size_t limit = std::min(in.size(), max_line_bytes + 2);
  const size_t lf = in.substr(0, limit).find('\n');
  if (lf == std::string_view::npos) {
    if (in.size() >= max_line_bytes + 2) return MustCloseWith("reply line too long");
    return NeedMore();
  }
  if (lf == 0 || in[lf - 1] != '\r') return MustCloseWith("reply line not ended by CRLF");
  line->text = in.substr(0, lf - 1);
  line->end = lf + 1;
  return ParsedOk(0);
}

}  // namespace memkv::protocol
