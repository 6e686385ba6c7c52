// TextReplyParser: the client side's incremental parser of memcached text-protocol replies.
// memkv-bench uses it to check every answer it gets (its requests come from
// text_request_encoder.h; the server's direction is text_request_parser.h and
// text_reply_encoder.h).
//
// The parser takes one reply element at a time from the front of the bytes received so far: one
// status line (STORED, END, CLIENT_ERROR ..., a number, ...) or one whole VALUE block (header,
// data and its CRLF). A get's answer is thus a run of kValue elements ended by kEnd; the caller,
// who knows what it asked, pairs them. A reply cut at any byte parses the same as whole.
// Anything no memcached server sends (an unknown line, a bad VALUE header, a data block without
// its CRLF, a line without CRLF) is kMustClose: the byte stream cannot be trusted any more.
//
// Immutable after construction: any thread; one parser may serve many connections.
#ifndef MEMKV_PROTOCOL_MEMCACHE_TEXT_REPLY_PARSER_H_
#define MEMKV_PROTOCOL_MEMCACHE_TEXT_REPLY_PARSER_H_

#include <cstddef>
#include <cstdint>
#include <string_view>

#include "protocol/parse_result.h"

namespace memkv::protocol {

enum class TextReplyKind {
  kValue,        // VALUE <key> <flags> <bytes> [<cas>]\r\n<data>\r\n
  kEnd,          // END
  kStored,       // STORED
  kNotStored,    // NOT_STORED
  kExists,       // EXISTS
  kNotFound,     // NOT_FOUND
  kDeleted,      // DELETED
  kTouched,      // TOUCHED
  kOk,           // OK
  kNumber,       // <digits> (incr/decr)
  kVersion,      // VERSION <text>
  kError,        // ERROR
  kClientError,  // CLIENT_ERROR <text>
  kServerError,  // SERVER_ERROR <text>
};

// "VALUE", "END", ... for messages and tests.
std::string_view TextReplyKindName(TextReplyKind kind);

// One parsed reply element. Views point into the parsed input and live as long as it does.
struct TextReply {
  TextReplyKind kind = TextReplyKind::kEnd;
  std::string_view key;      // kValue
  uint32_t flags = 0;        // kValue
  bool has_cas = false;      // kValue
  uint64_t cas = 0;          // kValue, when has_cas
  std::string_view data;     // kValue: the value bytes, without their CRLF
  uint64_t number = 0;       // kNumber
  std::string_view message;  // kVersion, kClientError, kServerError: the text after the word
};

struct TextReplyParserLimits {
  // A status or VALUE line longer than this (without CRLF) is garbage.
  size_t max_line_bytes = 2048;
  // A VALUE whose <bytes> exceeds this is garbage (a client knows what it stored).
  size_t max_value_bytes = size_t{64} << 20;
};

class TextReplyParser {
 public:
  explicit TextReplyParser(TextReplyParserLimits limits = {}) : limits_(limits) {}

  // Parses one reply element from the front of `in`: kOk with `consumed` and `*out` filled,
  // kNeedMore, or kMustClose with `error` (static text) when `in` starts with garbage.
  ParseResult Parse(std::string_view in, TextReply* out) const;

 private:
  ParseResult ParseValue(std::string_view in, std::string_view line, size_t line_end,
                         TextReply* out) const;

  TextReplyParserLimits limits_;
};

}  // namespace memkv::protocol

#endif  // MEMKV_PROTOCOL_MEMCACHE_TEXT_REPLY_PARSER_H_
