// MetaRequestParser: the server side's incremental parser of memcached meta commands (mn, mg, ms,
// md, ma, me), which share a connection with the classic text commands.
//
// The connection asks LooksLikeMetaCommand() which parser takes the next request, then Parse()
// looks at the bytes received so far and takes at most one request from their front: a command
// line ended by "\r\n" or a bare "\n" and, for ms, the data block of the declared size plus
// "\r\n". A request cut at any byte parses the same as whole: until the whole request is there
// Parse answers kNeedMore and consumes nothing.
//
// An ms whose item would exceed max_item_bytes is kOk with `too_large` set in the request,
// `consumed` = its command line and `swallow` = its data block plus CRLF, which the caller drops
// as it arrives: memcached answers it at once and deletes the old item, which the executor does.
//
// Errors are memcached 1.6.18's, byte for byte (see meta_request_parser.cc for where each comes
// from):
//   - kClientError with `error` = "CLIENT_ERROR bad command line format", "CLIENT_ERROR invalid
//     flag", "ERROR" (mg without a key), ...; `consumed` = the line, `swallow` = the ms data
//     block (plus CRLF) memcached drops after a refused ms header whose size it could read. A
//     data block not ended by "\r\n" is "CLIENT_ERROR bad data chunk" and is consumed with its
//     header. Meta errors are never silenced by q.
//   - kMustClose with an empty `error`: no newline within max_line_length bytes; memcached
//     closes such a connection without a word.
//
// No I/O, no clock, no allocation: the key, flags and value are views into the input (a base64
// key is decoded into the MetaRequest). A MetaRequestParser is immutable after construction: any
// thread, and one parser may serve any number of connections.
#ifndef MEMKV_PROTOCOL_MEMCACHE_META_REQUEST_PARSER_H_
#define MEMKV_PROTOCOL_MEMCACHE_META_REQUEST_PARSER_H_

#include <cstddef>
#include <string_view>

#include "protocol/memcache/meta_request.h"
#include "protocol/parse_result.h"

namespace memkv::protocol {

// True when `input` starts, after any spaces, with a meta command token: "mn", "mg", "ms",
// "md", "ma" or "me" followed by a space, '\r' or '\n'. False for a shorter prefix ("m", "  mg"):
// the caller hands such input to the text parser, which asks for more bytes without consuming
// any.
bool LooksLikeMetaCommand(std::string_view input);

struct MetaRequestParserLimits {
  // Largest item an ms may carry (memcached -I, default 1 MiB), sized as memcached sizes it. A
  // larger one is parsed as too_large and its data swallowed.
  size_t max_item_bytes = size_t{1} << 20;
  // Longest key as sent (memcached KEY_MAX_LENGTH; checked before base64 decoding).
  size_t max_key_length = 250;
  // A line with no newline within this many bytes closes the connection (memcached's 2048).
  size_t max_line_length = 2048;
};

class MetaRequestParser {
 public:
  explicit MetaRequestParser(MetaRequestParserLimits limits = {});

  // Parses one request from the front of `input` into `*out` (see the file comment). On kOk,
  // `*out` points into `input`; on any other status its contents are unspecified.
  ParseResult Parse(std::string_view input, MetaRequest* out) const;

  // For a caller that receives an ms request's data block into memory of its own (see
  // TextRequestParser::ParseStorageHeader): when the front of `input` is a whole ms command line
  // that would be kept (no refused flag, within max_item_bytes) whose data block plus CRLF has
  // not all arrived, fills `*out` (all but `value`), sets `*line_bytes` and `*value_bytes` (the
  // data block's length without its CRLF) and returns true. False for anything else.
  bool ParseSetHeader(std::string_view input, MetaRequest* out, size_t* line_bytes,
                      size_t* value_bytes) const;
  // The end of such a request once its data block has arrived: `trailer` is the two bytes after
  // it. kOk with the request's whole length as `consumed`, or "CLIENT_ERROR bad data chunk" when
  // they are not CRLF, as Parse would answer.
  static ParseResult EndDataBlock(size_t line_bytes, size_t value_bytes, std::string_view trailer);

  const MetaRequestParserLimits& limits() const { return limits_; }

 private:
  MetaRequestParserLimits limits_;
};

}  // namespace memkv::protocol

#endif  // MEMKV_PROTOCOL_MEMCACHE_META_REQUEST_PARSER_H_
