// The client side of memcached's meta commands (mg, ms, md, ma, mn): request encoders and an
// incremental reply parser. memkv-bench uses them to drive a server and check every answer; the
// server direction lives in other files of this folder.
//
// The parser takes one reply from the front of the bytes received so far: a status line (HD, EN,
// NS, EX, NF, MN, ME, ERROR, CLIENT_ERROR, SERVER_ERROR) with its return flags, or a whole VA
// reply (header, data and its CRLF). Quiet-mode pipelines (mg ... q, then mn) are paired by the
// caller, who knows what it sent. A reply cut at any byte parses the same as whole. Anything a
// memcached server never sends is kMustClose: the byte stream cannot be trusted any more.
//
// Plain functions and an immutable parser: any thread; one parser may serve many connections.
#ifndef MEMKV_PROTOCOL_META_CLIENT_H_
#define MEMKV_PROTOCOL_META_CLIENT_H_

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "protocol/parse_result.h"

namespace memkv::protocol {

// The encoders append one command. `flags` is the space-separated flag list ("v k q", "T60 F5"),
// or empty. REQUIRES: key is a valid memcached key (or base64 with the b flag); flags are
// well-formed meta flags.
void AppendMetaGet(std::string_view key, std::string_view flags, std::string* out);
void AppendMetaSet(std::string_view key, std::string_view value, std::string_view flags,
                   std::string* out);
void AppendMetaDelete(std::string_view key, std::string_view flags, std::string* out);
void AppendMetaArithmetic(std::string_view key, std::string_view flags, std::string* out);
void AppendMetaNoop(std::string* out);

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
bool FindMetaFlag(std::string_view flags, char flag, std::string_view* token);

struct MetaReplyLimits {
  size_t max_line_bytes = 2048;               // a longer line without CRLF is garbage
  size_t max_value_bytes = size_t{64} << 20;  // a VA size above this is garbage
};

class MetaReplyParser {
 public:
  explicit MetaReplyParser(MetaReplyLimits limits = {}) : limits_(limits) {}

  // Parses one reply from the front of `in`: kOk with `consumed` and `*out` filled, kNeedMore,
  // or kMustClose with `error` (static text) when `in` starts with garbage.
  ParseResult Parse(std::string_view in, MetaReply* out) const;

 private:
  MetaReplyLimits limits_;
};

}  // namespace memkv::protocol

#endif  // MEMKV_PROTOCOL_META_CLIENT_H_
