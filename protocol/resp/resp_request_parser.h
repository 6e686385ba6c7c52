// RespRequestParser: the server side's parser of RESP2 requests. Takes the bytes a connection
// has received so far and yields one request at a time from their front: a multibulk
// (`*2\r\n$3\r\nGET\r\n$1\r\nk\r\n`, what every Redis client sends) or, when allowed, an
// inline command line (`PING\r\n`, split on blanks with Redis's quoting rules), as Redis 7's
// processMultibulkBuffer / processInlineBuffer do.
//
// Incremental and resumable: after kNeedMore the parser remembers how far it got in the current
// multibulk (as offsets, never pointers), so a request with many arguments arriving in small reads
// is scanned once, not once per read. REQUIRES: after kNeedMore, the next call passes the same
// unconsumed bytes, possibly with more appended (they may have moved in memory); call Reset() to
// start over on unrelated input. A request cut at any byte parses the same as whole.
//
// Malformed input (bad or negative lengths, a bulk longer than the limit, a count above the limit,
// a header line without its CRLF, unbalanced quotes) is kMustClose with Redis's exact
// "-ERR Protocol error: ..." reply line (ParseResult::error, with its '-', without CRLF); a
// request over max_request_bytes is kMustClose with no reply, as in Redis. Nothing
// is ever reserved from a length or count the client declares: memory grows only with the bytes
// actually received (by the connection's buffer) and the arguments actually parsed.
//
// Threads: one parser per connection, used by one thread at a time.
#ifndef MEMKV_PROTOCOL_RESP_RESP_REQUEST_PARSER_H_
#define MEMKV_PROTOCOL_RESP_RESP_REQUEST_PARSER_H_

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <utility>

#include "absl/container/inlined_vector.h"
#include "protocol/parse_result.h"
#include "protocol/resp/resp_request.h"

namespace memkv::protocol {

struct RespRequestParserLimits {
  // Longest bulk argument (Redis proto-max-bulk-len, 512 MB there). A longer declared length is
  // "-ERR Protocol error: invalid bulk length" and the connection closes.
  size_t max_bulk_bytes = size_t{512} << 20;
  // Most arguments in one multibulk (Redis 7 allows INT_MAX; Redis before 3.2 capped it at 1M,
  // with the same "invalid multibulk length" error, which memkv keeps).
  size_t max_multibulk_count = size_t{1} << 20;
  // Longest inline line, and longest `*N` / `$N` header line (Redis PROTO_INLINE_MAX_SIZE),
  // counted up to the line's CR (inline: up to its LF) whether or not that has arrived yet.
  size_t max_inline_bytes = size_t{64} << 10;
  // Largest whole multibulk (Redis client-query-buffer-limit): a request that would need more
  // buffered bytes is kMustClose with an empty error: the connection closes without a reply, as
  // Redis closes it. (Redis closes once the bytes have arrived; memkv as soon as the declared
  // lengths say they will not fit, which the client cannot tell apart.)
  size_t max_request_bytes = size_t{1} << 30;
  // Accept inline commands (the dedicated --resp-port). On the shared memcached port the
  // connection chose RESP because the first byte was '*', and every request must be a multibulk.
  bool allow_inline = false;

  // Limits for a server whose largest item is `max_item_bytes`: an argument longer than the
  // largest item can never be stored, so it is refused as Redis refuses one over
  // proto-max-bulk-len (at least 1 MB, so that ECHO and keys are never the limit).
  static RespRequestParserLimits ForMaxItemBytes(size_t max_item_bytes, bool allow_inline);
};

class RespRequestParser {
 public:
  explicit RespRequestParser(RespRequestParserLimits limits = {});

  // Parses one request from the front of `input`. kOk: `*out` holds the request (views into
  // `input` or into out->storage) and `consumed` its length. kNeedMore: consumed = 0. kMustClose:
  // `error` is the reply line to send (without CRLF) before closing; it points into this parser
  // and stays valid until the next call.
  ParseResult Parse(std::string_view input, RespRequest* out);

  // Forgets any partly parsed multibulk.
  void Reset();

  const RespRequestParserLimits& limits() const { return limits_; }
  // Bytes the resume state of a partial multibulk holds (16 per argument parsed so far).
  size_t RetainedBytes() const { return pending_args_.capacity() * sizeof(pending_args_[0]); }

 private:
  // Reads the `*N` line of a new multibulk and sets up the resume state: true when N arguments
  // follow; false when `*result` is the whole answer (need more, an error, or an empty request).
  bool StartMultibulk(std::string_view input, RespRequest* out, ParseResult* result);
  ParseResult ParseMultibulk(std::string_view input, RespRequest* out);
  ParseResult ParseInline(std::string_view input, RespRequest* out);
  ParseResult Fail(std::string_view message);

  // Argument slots kept between requests; more are freed once a request is done.
  static constexpr size_t kKeepArgs = 1024;

  RespRequestParserLimits limits_;
  // Resume state of the multibulk being parsed: declared count (0 = not started), offset of the
  // next unparsed byte, and (offset, length) of each argument parsed so far.
  int64_t pending_count_ = 0;
  size_t pending_offset_ = 0;
  absl::InlinedVector<std::pair<size_t, size_t>, kRespInlineArgs> pending_args_;
  std::string error_;
};

// Redis's string2ll: a strict signed 64-bit decimal (optional '-', no '+', no leading zeros or
// blanks, "-0" refused). Used for lengths here, and by the executor for integer arguments and
// values (INCR, EXPIRE, ...) so that both agree with Redis on what is an integer.
bool RedisStringToInt64(std::string_view text, int64_t* value);

}  // namespace memkv::protocol

#endif  // MEMKV_PROTOCOL_RESP_RESP_REQUEST_PARSER_H_
