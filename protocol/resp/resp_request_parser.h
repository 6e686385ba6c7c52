// RespRequestParser: the server side's parser of RESP2 requests. Takes the bytes a connection
// has received so far and yields one request at a time from their front: a multibulk
// (`*2\r\n$3\r\nGET\r\n$1\r\nk\r\n`, what every Redis client sends) or, when allowed, an
// inline command line (`PING\r\n`, split on blanks with Redis's quoting rules), as Redis 7's
// processMultibulkBuffer / processInlineBuffer do, byte for byte: a header line ends at its first
// '\r' and the byte after it is skipped whatever it is, the two bytes after a bulk's data are
// skipped whatever they are, and a NUL before a line's end makes the line wait for more input
// (Redis looks for the end with strchr), until it is too long.
//
// Incremental and resumable: after kNeedMore the parser remembers how far it got in the current
// multibulk (as offsets, never pointers), so a request with many arguments arriving in small reads
// is scanned once, not once per read. REQUIRES: after kNeedMore, the next call passes the same
// unconsumed bytes, possibly with more appended (they may have moved in memory); after
// kClientError, the bytes after the consumed and swallowed ones. Call Reset() to start over on
// unrelated input. A request cut at any byte parses the same as whole.
//
// Malformed input (bad or negative lengths, a bulk longer than proto-max-bulk-len, a count above
// INT_MAX, a header line too long, unbalanced quotes; before authentication, more than 10
// arguments or a bulk over 16 KB) is kMustClose with Redis's exact "-ERR Protocol error: ..." reply
// line (ParseResult::error, with its '-', without CRLF); a request over max_request_bytes is
// kMustClose with no reply, as in Redis. Nothing is ever reserved from a length or count the
// client declares: memory grows only with the bytes actually received (by the connection's buffer)
// and the arguments actually parsed.
//
// A bulk within proto-max-bulk-len but longer than max_kept_bulk_bytes (the largest a store can
// keep) is never buffered: the parser answers kClientError with no reply and `swallow` = its
// length, so that the connection drops its bytes as they arrive; the request's other arguments
// are read and dropped too, and the step that reads the request's last byte is kClientError with
// kTooLargeArgument (as Redis answers once the whole request is in). The connection lives on.
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
  // Longest bulk argument that is buffered and parsed; a longer one (up to max_bulk_bytes) is
  // skipped as it arrives and its request refused with kTooLargeArgument (see the top).
  size_t max_kept_bulk_bytes = SIZE_MAX;
  // Most arguments in one multibulk: Redis 7 allows INT_MAX ("invalid multibulk length" above).
  size_t max_multibulk_count = 2147483647;
  // Before authentication (set_authenticated(false)), Redis 7 caps a multibulk at 10 arguments
  // and a bulk at 16 KB, closing with "unauthenticated multibulk/bulk length" past them.
  size_t unauthenticated_max_multibulk_count = 10;
  size_t unauthenticated_max_bulk_bytes = 16384;
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
  // largest item can never be stored, so it is skipped rather than buffered (max_kept_bulk_bytes
  // = max(-I, 1 MB), so that ECHO and keys are never the limit); proto-max-bulk-len stays Redis's.
  static RespRequestParserLimits ForMaxItemBytes(size_t max_item_bytes, bool allow_inline);
};

// The reply to a request with an argument longer than max_kept_bulk_bytes: Redis's words for a
// string over its size limit, naming memkv's limit (the item size, -I); the RESP executor answers
// a stored value over -I the same way.
inline constexpr std::string_view kTooLargeArgument =
    "-ERR string exceeds maximum allowed size (item size limit)";

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

  // For a caller that receives a large last argument into memory of its own (the server reads a
  // large SET value straight into the block it will be stored in). After Parse answered
  // kNeedMore on `input`: true when the multibulk has every argument but its last, whose `$N`
  // line has arrived and whose data (kept: within every limit Parse applies) has not all
  // arrived; `*data_start` is where that data starts in `input` and `*length` its length; the
  // other arguments go into `out->args` (views into `input`). The parser keeps its state: call
  // Reset() when taking the bytes away.
  bool PendingLastArgument(std::string_view input, RespRequest* out, size_t* data_start,
                           size_t* length) const;

  // Whether the client has authenticated (or needs not): until it has, Redis's smaller
  // unauthenticated limits apply. True unless set otherwise.
  void set_authenticated(bool authenticated) { authenticated_ = authenticated; }

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
  // Resume state of the multibulk being parsed: declared count (0 = not started), arguments
  // read so far, offset of the next unparsed byte, whether an argument was too long to keep (the
  // rest is read and dropped), and (offset, length) of each argument kept so far.
  int64_t pending_count_ = 0;
  int64_t pending_read_ = 0;
  size_t pending_offset_ = 0;
  bool discarding_ = false;
  bool pending_tail_ = false;  // next: the two bytes after a skipped argument's data
  bool authenticated_ = true;
  absl::InlinedVector<std::pair<size_t, size_t>, kRespInlineArgs> pending_args_;
  std::string error_;
};

// Redis's string2ll: a strict signed 64-bit decimal (optional '-', no '+', no leading zeros or
// blanks, "-0" refused). Used for lengths here, and by the executor for integer arguments and
// values (INCR, EXPIRE, ...) so that both agree with Redis on what is an integer.
bool RedisStringToInt64(std::string_view text, int64_t* value);

}  // namespace memkv::protocol

#endif  // MEMKV_PROTOCOL_RESP_RESP_REQUEST_PARSER_H_
