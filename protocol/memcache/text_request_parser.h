// TextRequestParser: the server side's incremental parser of memcached text-protocol requests.
//
// Parse() looks at the bytes a connection has received so far and takes at most one request from
// their front: a command line ended by "\r\n" or a bare "\n" and, for storage commands, the data
// block of `bytes` bytes plus "\r\n" after it. A request cut at any byte parses the same as whole:
// until the whole request is there Parse answers kNeedMore and consumes nothing, so the caller
// keeps the bytes, appends what arrives next and calls again.
//
// A storage command whose item would exceed max_item_bytes is kOk with `too_large` set in the
// request, consumed = its command line and swallow = its data block plus CRLF, which the caller
// drops as it arrives: memcached answers such a request at once (and a set deletes the old item),
// so the executor sees it before its data does.
//
// Errors are memcached 1.6's, byte for byte (see text_request_parser.cc for the cases):
//   - kClientError, `error` = the reply line ("ERROR", "CLIENT_ERROR bad command line format",
//     "CLIENT_ERROR bad data chunk", ...), consumed = the bytes memcached drops with it.
//     `error` is EMPTY when the request said noreply: memcached then sends nothing, not even for
//     errors, and the caller must send nothing either.
//   - kMustClose with an empty `error`: memcached closes the connection without a word (a line
//     of more than 2048 bytes that is not a get/gets, or an HTTP request line). A get/gets line
//     beyond max_multiget_line is kMustClose with "SERVER_ERROR out of memory reading request".
//
// Meta commands ("mg", "ms", ... which memcached takes on the same connection) are answered
// "ERROR" here: the connection hands them to MetaRequestParser first (LooksLikeMetaCommand in
// meta_request_parser.h).
//
// No I/O, no clock, no allocation for requests of up to 16 keys: keys and value are views into
// the input (see text_request.h). A TextRequestParser is immutable after construction: any
// thread, and one parser may serve any number of connections.
#ifndef MEMKV_PROTOCOL_MEMCACHE_TEXT_REQUEST_PARSER_H_
#define MEMKV_PROTOCOL_MEMCACHE_TEXT_REQUEST_PARSER_H_

#include <cstddef>
#include <string_view>

#include "protocol/memcache/text_request.h"
#include "protocol/memcache/tokenizer.h"
#include "protocol/parse_result.h"

namespace memkv::protocol {

namespace memcache_internal {
// The tokens the text parser keeps: no command but the retrieval ones (which ParseRetrieval reads
// itself with NextToken) looks past the 8th, and a small array is cheaper to set up on every
// request.
using TextTokens = Tokenizer<8>;
}  // namespace memcache_internal

struct TextRequestParserLimits {
  // memcached -I (default 1 MiB). An item larger than this, sized as memcached sizes it (key +
  // value + 59 bytes of header, + 4 when the client flags are nonzero), is parsed as too_large
  // and its data swallowed.
  size_t max_item_bytes = size_t{1} << 20;
  // Longest key (memcached KEY_MAX_LENGTH).
  size_t max_key_length = 250;
  // A line with no newline within this many bytes closes the connection, unless it is a get or
  // gets (memcached accepts multi-gets of any length; see max_multiget_line). REQUIRES: more
  // than 105, so that "gets " after the 100 spaces memcached allows before it has arrived when
  // the line is judged; otherwise a cut line could be closed while the whole one is read.
  size_t max_line_length = 2048;
  // memkv's own bound on a get/gets line, so that a peer cannot make a connection buffer grow
  // without end. Longer: "SERVER_ERROR out of memory reading request" and the connection closes,
  // as memcached answers when its read buffer cannot grow (memcached has no fixed bound: it
  // buffers an 8 MB line whole). Far beyond any real client's multi-get (100,000 keys of 40
  // bytes).
  size_t max_multiget_line = size_t{4} << 20;
};

class TextRequestParser {
 public:
  explicit TextRequestParser(TextRequestParserLimits limits = {});

  // Parses one request from the front of `input` into `*out` (see the file comment).
  // On kOk, `*out` points into `input`; on any other status its contents are unspecified.
  ParseResult Parse(std::string_view input, TextRequest* out) const;

  // For a caller that receives a storage request's data block into memory of its own (the
  // server reads a large value straight into the block it will be stored in, as memcached's
  // conn_nread reads into the item): when the front of `input` is a whole storage command line
  // (set, add, replace, append, prepend, cas) whose item is within max_item_bytes and whose data
  // block plus CRLF has not all arrived, fills `*out` (all but `value`), sets `*line_bytes` to
  // the command line's length and returns true. False for anything else (another command, a
  // partial line, a refused or too-large store, a whole request): the caller uses Parse.
  bool ParseStorageHeader(std::string_view input, TextRequest* out, size_t* line_bytes) const;
  // The end of such a request once its data block has arrived: `trailer` is the two bytes after
  // the block. kOk with the request's whole length as `consumed`, or memcached's "bad data chunk"
  // (silent with noreply) when they are not CRLF, exactly as Parse would answer.
  static ParseResult EndDataBlock(const TextRequest& request, size_t line_bytes,
                                  std::string_view trailer);

  const TextRequestParserLimits& limits() const { return limits_; }

 private:
  using Tokens = memcache_internal::TextTokens;

  // Finds the newline ending the first line, or says why there is none to parse yet.
  bool FindLine(std::string_view input, size_t* newline, ParseResult* result) const;
  // `line` is the command line without its line end; `line_size` counts the line end too.
  ParseResult ParseLine(std::string_view input, std::string_view line, size_t line_size,
                        TextRequest* out) const;
  ParseResult ParseOther(const Tokens& t, std::string_view input, size_t line_size,
                         TextRequest* out) const;
  // `args` is what follows the command name on the line.
  ParseResult ParseRetrieval(TextCommand command, std::string_view args, size_t line_size,
                             TextRequest* out) const;
  ParseResult ParseStorage(TextCommand command, const Tokens& t, std::string_view input,
                           size_t line_size, TextRequest* out) const;
  ParseResult ParseTouch(const Tokens& t, size_t line_size, TextRequest* out) const;
  ParseResult ParseArithmetic(TextCommand command, const Tokens& t, size_t line_size,
                              TextRequest* out) const;
  ParseResult ParseDelete(const Tokens& t, size_t line_size, TextRequest* out) const;
  ParseResult ParseFlushAll(const Tokens& t, size_t line_size, TextRequest* out) const;
  ParseResult ParseVerbosity(const Tokens& t, size_t line_size, TextRequest* out) const;
  // Keeps the tokens after the command's name in out->admin_args (stats, slabs, lru_crawler,
  // cache_memlimit), for the executor to read.
  ParseResult ParsedAdmin(const Tokens& t, size_t line_size, TextRequest* out) const;

  TextRequestParserLimits limits_;
};

}  // namespace memkv::protocol

#endif  // MEMKV_PROTOCOL_MEMCACHE_TEXT_REQUEST_PARSER_H_
