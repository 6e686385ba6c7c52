// MetaReplyParser: the client side's incremental parser of replies to memcached's meta commands
// (mg, ms, md, ma, mn). memkv-bench uses it to check every answer (its requests come from
// meta_request_encoder.h; the server's direction is meta_request_parser.h and
// meta_reply_encoder.h).
//
// The parser takes one reply from the front of the bytes received so far: a status line (HD, EN,
// NS, EX, NF, MN, ME, ERROR, CLIENT_ERROR, SERVER_ERROR) with its return flags, or a whole VA
// reply (header, data and its CRLF). Quiet-mode pipelines (mg ... q, then mn) are paired by the
// caller, who knows what it sent. A reply cut at any byte parses the same as whole. Anything a
// memcached server never sends is kMustClose: the byte stream cannot be trusted any more.
//
// Immutable after construction (FindMetaReplyFlag: a plain function): any thread; one parser
// may serve many connections.
#ifndef MEMKV_PROTOCOL_MEMCACHE_META_REPLY_PARSER_H_
#define MEMKV_PROTOCOL_MEMCACHE_META_REPLY_PARSER_H_

#include <cstddef>
#include <string_view>

#include "protocol/parse_result.h"

namespace memkv::protocol {

enum class MetaReplyCode {
  kHd,           // HD <flags>*          success without a value
  kVa,           // VA <size> <flags>*   a value follows
  kEn,           // EN                   miss
  kNs,           // NS                   not stored
  kEx,           // EX                   CAS mismatch
  kNf,           // NF                   not found
  kMn,           // MN                   the answer to mn
  kMe,           // ME <key> <k>=<v>*    me's debug line (flags holds everything after "ME ")
  kError,        // ERROR
  kClientError,  // CLIENT_ERROR <text>
  kServerError,  // SERVER_ERROR <text>
};

// "HD", "VA", ... for messages and tests.
std::string_view MetaReplyCodeName(MetaReplyCode code);

// One parsed reply. Views point into the parsed input and live as long as it does.
struct MetaReply {
  MetaReplyCode code = MetaReplyCode::kHd;
  std::string_view flags;    // return flags after the code (and VA's size), e.g. "kfoo c12 O5"
  std::string_view data;     // kVa: the value, without its CRLF
  std::string_view message;  // kClientError, kServerError
};

// Finds return flag `flag` in a reply's flag list; *token gets what follows the letter ("foo" for
// "kfoo", "" for a bare "W"). False when the flag is absent.
bool FindMetaReplyFlag(std::string_view flags, char flag, std::string_view* token);

struct MetaReplyParserLimits {
  size_t max_line_bytes = 2048;               // a longer line without CRLF is garbage
  size_t max_value_bytes = size_t{64} << 20;  // a VA size above this is garbage
};

class MetaReplyParser {
 public:
  explicit MetaReplyParser(MetaReplyParserLimits limits = {}) : limits_(limits) {}

  // Parses one reply from the front of `in`: kOk with `consumed` and `*out` filled, kNeedMore,
  // or kMustClose with `error` (static text) when `in` starts with garbage.
  ParseResult Parse(std::string_view in, MetaReply* out) const;

 private:
  MetaReplyParserLimits limits_;
};

}  // namespace memkv::protocol

#endif  // MEMKV_PROTOCOL_MEMCACHE_META_REPLY_PARSER_H_
