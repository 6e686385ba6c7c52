// RequestPipeline: the part of a connection that knows requests, but not sockets. It picks the
// connection's dialect from its first byte, cuts the received bytes into requests with that
// dialect's parser, and either executes each request at once (ParseAndExecute: every mode that
// executes on the thread that reads) or only frames it (Frame), so that a mode which executes
// elsewhere (dispatch) can hand the raw bytes of one whole request to another thread, where
// ExecuteFramed turns them into the reply bytes.
//
// Dialects: on the memcached port a first byte '*' makes the connection RESP for life (every
// Redis client starts with a multibulk); anything else makes it memcached, where each request
// goes to the meta parser when it looks like a meta command ("mg ", "ms ", ...) and to the
// classic text parser otherwise. A first byte 0x80 (the binary request magic) makes it speak
// memcached's binary protocol for life, as memcached decides. On the --resp-port a connection is
// RESP from the start, and inline commands ("PING\r\n") are allowed too.
//
// Authentication (--auth-file, PipelineConfig::auth): a memcached-dialect connection that has
// not authenticated goes through memcached's authentication phase instead of the text and meta
// parsers (protocol/memcache/auth_request_parser.h): every request is answered by the pipeline
// itself ("CLIENT_ERROR unauthenticated", "STORED" for a good `set` with "user password", ...),
// as kClientError steps, until one succeeds. It is decided while framing, so the dispatch modes
// need no extra state in a batch. A binary connection authenticates with SASL PLAIN: the
// pipeline answers its SASL commands, and any other command but VERSION before success gets
// AUTH_ERROR and the close, as memcached with -S. A RESP connection authenticates in its
// RespSession (AUTH, HELLO ... AUTH), checked by the RESP executor.
//
// Protected mode (protected_mode.h): a connection that it denies (Deny(), decided at accept from
// the peer's address) runs nothing. Its first request, in whichever dialect it opens, is answered
// by the pipeline with the denial line in that dialect as a kMustClose step (auth kDenied), so
// that the connection writes it and closes; on the RESP-only port, whose dialect is known at
// accept, the connection sends the line at once instead (Connection::Opened).
//
// Threads: one pipeline per connection, used by one thread at a time. ExecuteFramed may run on
// any thread, given that thread's ExecContext. The PipelineConfig is shared by every connection.
#ifndef MEMKV_SERVER_CONN_REQUEST_PIPELINE_H_
#define MEMKV_SERVER_CONN_REQUEST_PIPELINE_H_

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "protocol/memcache/binary_request.h"
#include "protocol/memcache/binary_request_parser.h"
#include "protocol/memcache/meta_request.h"
#include "protocol/memcache/meta_request_parser.h"
#include "protocol/memcache/text_request.h"
#include "protocol/memcache/text_request_parser.h"
#include "protocol/parse_result.h"
#include "protocol/resp/resp_request.h"
#include "protocol/resp/resp_request_parser.h"
#include "server/conn/port_dialect.h"
#include "server/exec/auth_registry.h"
#include "server/exec/connection_registry.h"
#include "server/exec/exec_context.h"
#include "server/exec/resp/resp_session.h"
#include "storage/value_pin.h"

namespace memkv::server {

// The dialect a request was framed in.
enum class Dialect : uint8_t { kUndecided, kText, kMeta, kResp, kBinary };

// Parser limits shared by every connection of a server. Immutable after construction.
struct PipelineConfig {
  // RESP limits from -I (RespRequestParserLimits::ForMaxItemBytes).
  explicit PipelineConfig(size_t max_item_bytes, const AuthRegistry* auth = nullptr);
  // RESP limits as given (--proto-max-bulk-len, --client-query-buffer-limit); allow_inline is
  // set per connection from its port.
  PipelineConfig(size_t max_item_bytes, const protocol::RespRequestParserLimits& resp,
                 const AuthRegistry* auth = nullptr);
  protocol::TextRequestParser text;  // immutable: one parser serves every connection
  protocol::MetaRequestParser meta;
  protocol::BinaryRequestParser binary;
  size_t max_item_bytes;
  protocol::RespRequestParserLimits resp;
  const AuthRegistry* auth;  // null: no authentication (no --auth-file); thread-safe
  // Protected mode in force (--protected-mode yes and no --auth-file): connections from
  // anywhere but 127.0.0.1 and ::1 are denied.
  bool protected_mode = false;
  // Each request's execution time goes into its thread's latency histograms (--metrics-port):
  // two clock reads per request, paid only when someone can read the result.
  bool measure_latency = false;
  // Where connections register for `stats conns`; null: they do not (unit tests).
  ConnectionRegistry* connections = nullptr;
  // Values of at least this many bytes, and those the engine stores in a block of their own
  // (large_value_bytes()), are received straight into their block (value_receipt.h); 0: every
  // value is buffered and copied (--receive-into-value 0).
  size_t direct_value_bytes = 0;

  // The RESP parser limits of a connection that does (or does not) accept inline commands.
  protocol::RespRequestParserLimits RespLimits(bool allow_inline) const;
};

// What the authentication phase made of one memcached-dialect request (PipelineStep::auth).
enum class AuthStep : uint8_t {
  kNone,      // not in the authentication phase
  kRefused,   // answered without a check (not an authentication `set`, or a malformed one)
  kAccepted,  // the user and password were checked and accepted: authenticated now
  kRejected,  // checked and rejected ("CLIENT_ERROR authentication failure")
  kDenied,    // any request of a connection protected mode denied: the denial line, then close
};

// One step of the pipeline over the front of the input.
struct PipelineStep {
  // kOk: one request of `consumed` bytes was taken (and executed, by ParseAndExecute); drop
  //   `swallow` more bytes as they arrive (the value of a store too large to keep).
  // kNeedMore: no whole request yet; nothing consumed.
  // kClientError: its error reply (or, when `auth` is not kNone, the authentication phase's
  //   reply, "STORED" included) was appended; drop `consumed`, then `swallow` more bytes as
  //   they arrive; the connection lives.
  // kMustClose: its error reply (if any) was appended; write it, then close.
  // A request executed with outcome kPaused (a multi-key command at its output limit) is kOk
  // with `consumed` 0: its bytes stay in the input, to be run again from the cursor.
  protocol::ParseStatus status = protocol::ParseStatus::kNeedMore;
  size_t consumed = 0;
  size_t swallow = 0;
  Dialect dialect = Dialect::kUndecided;         // of the request taken (kOk)
  ExecOutcome outcome = ExecOutcome::kContinue;  // kClose after quit / QUIT (ParseAndExecute)
  AuthStep auth = AuthStep::kNone;
  // kClientError that is one step of a refused request whose reply comes with a later step (a
  // RESP argument too long to keep, skipped): the request is counted once, with its reply.
  bool partial = false;
};

class RequestPipeline {
 public:
  RequestPipeline(const PipelineConfig* config, PortDialect port);

  // Parses the first request of `input` and, when whole, executes it in `context`, appending its
  // reply (or its error reply) to `*out`.
  PipelineStep ParseAndExecute(std::string_view input, ExecContext& context, std::string* out);

  // As ParseAndExecute, but executes nothing: on kOk the first `consumed` bytes of `input` are
  // one whole request of `dialect`, to be given to ExecuteFramed (possibly on another thread).
  // Error replies are still appended to `*out`, since they come from the parser.
  PipelineStep Frame(std::string_view input, std::string* out);

  // Executes one request that Frame() cut: `request` is exactly its bytes. `session` is the
  // connection's RESP state (session()), needed for RESP requests; one thread at a time.
  static ExecOutcome ExecuteFramed(const PipelineConfig& config, Dialect dialect, bool resp_inline,
                                   std::string_view request, ExecContext& context,
                                   RespSession* session, std::string* out);

  // Large values received into their own block (value_receipt.h). When the front of `input` is
  // the header of a memcached text storage command (set, add, replace, cas, append, prepend), of
  // an ms, or of a binary SET/ADD/REPLACE/APPEND/PREPEND whose value is at least
  // `min_value_bytes`, would be kept (not refused, within -I) and has not all arrived: true, with
  // the header's length, the value's and the dialect. False otherwise (the caller goes on
  // buffering). Only on a connection past its authentication phase and not denied, where Frame and
  // ParseAndExecute would parse it.
  // RESP: a `SET key value` multibulk (of an authenticated connection) whose value's `$N` line
  // has arrived; the parser's resume state is dropped when it returns true, since the caller
  // takes the bytes.
  bool FindLargeValue(std::string_view input, size_t min_value_bytes, size_t* header_bytes,
                      size_t* value_bytes, Dialect* dialect);
  // The bytes that follow a received value and end its request: the CRLF of text and meta, none
  // in the binary protocol, and the two bytes RESP skips after a bulk's data.
  static size_t TrailerBytes(Dialect dialect) { return dialect == Dialect::kBinary ? 0 : 2; }
  // The end of such a request, once its value is in `*value` and `trailer` holds the bytes
  // after it (TrailerBytes): checks the trailer (memcached's "bad data chunk" when it is not CRLF,
  // as Parse would answer) and runs the request with the value, which a store adopts. The step is
  // ParseAndExecute's (consumed: the whole request's length).
  PipelineStep ExecuteReceived(Dialect dialect, std::string_view header, std::string_view trailer,
                               storage::ValueBuffer* value, ExecContext& context, std::string* out);
  // As ExecuteReceived, for the dispatch modes: on the connection's thread, checks the trailer
  // (an error reply is appended to `*out`); kOk means the request (header and value) is to be
  // given to ExecuteReceivedFramed, possibly on another thread.
  PipelineStep FrameReceived(Dialect dialect, std::string_view header, size_t value_bytes,
                             std::string_view trailer, std::string* out) const;
  // `resp_inline` and `session`: as for ExecuteFramed (RESP requests).
  static ExecOutcome ExecuteReceivedFramed(const PipelineConfig& config, Dialect dialect,
                                           bool resp_inline, std::string_view header,
                                           storage::ValueBuffer* value, ExecContext& context,
                                           RespSession* session, std::string* out);

  Dialect connection_dialect() const { return dialect_; }
  // Protected mode refused this connection: nothing it sends runs (see the top of this file).
  void Deny() { denied_ = true; }
  bool denied() const { return denied_; }
  // Slots the parsed-request vectors keep allocated between requests; for tests.
  size_t RetainedRequestSlotsForTest() const {
    return text_request_.keys.capacity() + resp_request_.args.capacity();
  }
  // Bytes the parsed-request vectors and the RESP parser's resume state hold, for the
  // connection's memory footprint.
  size_t RetainedBytes() const;
  // Where this connection's multi-key command resumes, and the output size it pauses at.
  MultiKeyCursor& cursor() { return cursor_; }
  bool resp_inline_allowed() const { return port_ == PortDialect::kRespOnly; }
  RespSession& session() { return session_; }
  // Frame() took a RESP AUTH or HELLO of a connection not yet authenticated: frame nothing more
  // until it has run and session() holds its outcome (then AuthSettled()), since the RESP limits
  // before authentication are smaller (Redis 7's 10 arguments and 16 KB bulks).
  bool auth_in_flight() const { return auth_in_flight_; }
  void AuthSettled() { auth_in_flight_ = false; }

 private:
  // Which parser takes the next request: decides the connection's dialect on its first byte.
  Dialect NextDialect(std::string_view input);
  // Whether the meta parser takes the request at the front of `input`, judged by the first
  // line's worth of bytes only (request_pipeline.cc says why).
  bool IsMetaRequest(std::string_view input) const;
  // Parses one request with the dialect's parser into the matching member request.
  protocol::ParseResult ParseOne(Dialect dialect, std::string_view input);
  static void AppendError(std::string_view error, std::string* out);
  // Frame() without releasing the parsed request (ParseAndExecute executes it next).
  PipelineStep Parse(std::string_view input, std::string* out);
  // One request of the memcached authentication phase, answered at once into `*step`.
  void ParseAuth(std::string_view input, std::string* out, PipelineStep* step);
  // One binary request: framed, and answered at once when it is SASL or refused for want of
  // authentication; otherwise left in binary_request_ for the executor.
  void ParseBinary(std::string_view input, std::string* out, PipelineStep* step);
  // The first request of a denied connection: its dialect's denial line, then close.
  static void AnswerDenied(std::string_view input, std::string* out, PipelineStep* step);
  // Frees the request vectors' memory after a request far larger than usual.
  void ReleaseOversizedRequests();

  const PipelineConfig* config_;
  const PortDialect port_;
  Dialect dialect_ = Dialect::kUndecided;    // kText stands for "memcached" (text or meta)
  bool memcache_authenticated_;              // past the authentication phase (or none)
  bool denied_ = false;                      // refused by protected mode
  bool auth_in_flight_ = false;              // Frame() took an unauthenticated RESP AUTH/HELLO
  protocol::RespRequestParser resp_parser_;  // stateful: resumes a partial multibulk
  RespSession session_;
  MultiKeyCursor cursor_;
  // Reused for every request so that their vectors keep their capacity.
  protocol::TextRequest text_request_;
  protocol::MetaRequest meta_request_;
  protocol::BinaryRequest binary_request_;
  protocol::RespRequest resp_request_;
};

}  // namespace memkv::server

#endif  // MEMKV_SERVER_CONN_REQUEST_PIPELINE_H_
