// ParseResult: what every request and reply parser of every dialect answers.
//
// Parsers are incremental: they look at the bytes received so far and either take one whole
// message from the front (kOk, consumed = its length), ask for more bytes (kNeedMore, consumed =
// 0), or reject the front of the input. A message cut at any byte parses the same as whole.
// Plain value type; any thread.
#ifndef MEMKV_PROTOCOL_PARSE_RESULT_H_
#define MEMKV_PROTOCOL_PARSE_RESULT_H_

#include <cstddef>
#include <string_view>

namespace memkv::protocol {

enum class ParseStatus {
  kOk,           // one message parsed; `consumed` bytes belong to it, and `swallow` more, to
                 // skip as they arrive, when it is executed without them (a memcached store too
                 // large to keep is answered from its command line; its value is dropped)
  kNeedMore,     // the input holds no whole message yet
  kClientError,  // a bad message: reply `error`, drop `consumed` bytes, then skip `swallow` more
                 // bytes as they arrive (a value whose header was refused); the connection lives
  kMustClose,    // the stream can no longer be framed: reply `error`, then close (RESP protocol
                 // errors, lines longer than any command may be)
};

struct ParseResult {
  ParseStatus status = ParseStatus::kNeedMore;
  size_t consumed = 0;
  // kClientError / kMustClose: the whole reply line to send, without the trailing CRLF
  // (e.g. "CLIENT_ERROR bad data chunk", "-ERR Protocol error: invalid bulk length"). Points to
  // static storage or into the parser. Empty means send nothing at all: memcached's text
  // protocol answers no error to a request that said noreply, and closes some connections
  // without a word.
  std::string_view error;
  // kOk / kClientError: bytes after `consumed` that belong to the message (a refused or too
  // large value) and must be dropped, even those not received yet. Zero for most messages.
  size_t swallow = 0;
};

// The results every parser builds, one helper each, so that no parser spells a ParseResult by
// hand.

// One whole message of `consumed` bytes, and `swallow` more that belong to it but are dropped
// as they arrive (a memcached store answered "too large" from its command line).
inline ParseResult ParsedOk(size_t consumed, size_t swallow = 0) {
  ParseResult result;
  result.status = ParseStatus::kOk;
  result.consumed = consumed;
  result.swallow = swallow;
  return result;
}

// The input holds no whole message yet: nothing is consumed.
inline ParseResult NeedMore() { return ParseResult(); }

// A refused message: answer `error` (static storage; empty to answer nothing), drop `consumed`
// bytes, then `swallow` more as they arrive; the connection lives on.
inline ParseResult ClientErrorWith(size_t consumed, std::string_view error, size_t swallow = 0) {
  ParseResult result;
  result.status = ParseStatus::kClientError;
  result.consumed = consumed;
  result.error = error;
  result.swallow = swallow;
  return result;
}

// The stream cannot be framed any more: answer `error` (static storage, or the parser's own
// storage as its comment says), then close.
inline ParseResult MustCloseWith(std::string_view error) {
  ParseResult result;
  result.status = ParseStatus::kMustClose;
  result.error = error;
  return result;
}

// Close without a word, as memcached does after a line too long to be a command, or an HTTP
// request line.
inline ParseResult MustCloseSilently() { return MustCloseWith({}); }

// "ok", "need_more", ... for test failure messages and logs.
std::string_view ParseStatusName(ParseStatus status);

}  // namespace memkv::protocol

#endif  // MEMKV_PROTOCOL_PARSE_RESULT_H_
