// RespReplyParser: the client side's incremental tokenizer of RESP2 replies. memkv-bench uses it
// to check every answer (its requests come from resp_request_encoder.h; the server's direction is
// resp_request_parser.h and resp_reply_encoder.h).
//
// The tokenizer takes one token at a time from the front of the bytes received so far: a simple
// string, an error, an integer, a bulk string (data and its CRLF included) or a null bulk, or an
// array header (the element count; the elements follow as tokens of their own) or a null array.
// The caller, who knows what it asked, assembles arrays; so nesting costs nothing here and a
// reply of many elements is never re-parsed from its start. A token cut at any byte parses the
// same as whole. Anything a Redis server never sends (an unknown type byte, a bad length, a
// missing CRLF, a bulk or array larger than the limits) is kMustClose.
//
// Immutable after construction: any thread; one tokenizer may serve many connections.
#ifndef MEMKV_PROTOCOL_RESP_RESP_REPLY_PARSER_H_
#define MEMKV_PROTOCOL_RESP_RESP_REPLY_PARSER_H_

#include <cstddef>
#include <cstdint>
#include <string_view>

#include "protocol/parse_result.h"

namespace memkv::protocol {

enum class RespReplyTokenType {
  kSimpleString,  // +OK
  kError,         // -ERR ...
  kInteger,       // :42
  kBulk,          // $3\r\nfoo
  kNullBulk,      // $-1
  kArray,         // *N: N elements follow as tokens
  kNullArray,     // *-1
};

// "simple string", "bulk", ... for messages and tests.
std::string_view RespReplyTokenTypeName(RespReplyTokenType type);

// One token. `text` points into the parsed input and lives as long as it does.
struct RespReplyToken {
  RespReplyTokenType type = RespReplyTokenType::kNullBulk;
  std::string_view text;  // kSimpleString, kError (without the '-'), kBulk (the data)
  int64_t integer = 0;    // kInteger: the value; kArray: the element count
};

struct RespReplyParserLimits {
  size_t max_line_bytes = 4096;              // a longer header or simple line is garbage
  size_t max_bulk_bytes = size_t{64} << 20;  // a larger bulk length is garbage
  int64_t max_array_elements = 1 << 20;      // a larger array count is garbage
};

class RespReplyParser {
 public:
  explicit RespReplyParser(RespReplyParserLimits limits = {}) : limits_(limits) {}

  // Parses one token from the front of `in`: kOk with `consumed` and `*out` filled, kNeedMore,
  // or kMustClose with `error` (static text) when `in` starts with garbage.
  ParseResult Parse(std::string_view in, RespReplyToken* out) const;

 private:
  ParseResult ParseBulk(std::string_view in, int64_t length, size_t header_end,
                        RespReplyToken* out) const;

  RespReplyParserLimits limits_;
};

}  // namespace memkv::protocol

#endif  // MEMKV_PROTOCOL_RESP_RESP_REPLY_PARSER_H_
