// RESP2 and RESP3 reply encoding for the server: each function appends one reply (or an
// aggregate header whose elements the caller appends next) to a std::string output buffer. No
// validation beyond what the wire format needs; the caller passes text Redis itself would send.
// The client direction is resp_request_encoder.h and resp_reply_parser.h.
//
// Most replies are the same bytes in both versions (simple strings, errors, integers, bulk
// strings, arrays); only the types RESP3 added take the connection's RespVersion, and each of
// those costs one table lookup on it, no branch and no allocation, so RESP2's hot path (GET,
// SET, MGET) stays what it was.
//
// Plain functions: any thread.
#ifndef MEMKV_PROTOCOL_RESP_RESP_REPLY_ENCODER_H_
#define MEMKV_PROTOCOL_RESP_RESP_REPLY_ENCODER_H_

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace memkv::protocol {

// The protocol a connection speaks, chosen by HELLO (2 until a HELLO 3). The values are the
// version numbers HELLO takes.
enum class RespVersion : uint8_t { kResp2 = 2, kResp3 = 3 };

// "+OK\r\n". REQUIRES: text holds no CR or LF.
void AppendSimpleString(std::string_view text, std::string* out);

// `message` is the whole error line without the leading '-', e.g. "ERR syntax error" or
// "WRONGTYPE ...": "-ERR syntax error\r\n". CR and LF in it become spaces, as Redis does, so
// that an argument echoed into an error can never break the framing.
void AppendError(std::string_view message, std::string* out);

// ":42\r\n".
void AppendInteger(int64_t value, std::string* out);

// "$3\r\nfoo\r\n". Binary-safe.
void AppendBulk(std::string_view data, std::string* out);
// Appends "$<size>\r\n" only: the data and its "\r\n" follow, for a caller that sends the data
// from elsewhere (a pinned stored value, spliced into the reply).
void AppendBulkHeader(size_t size, std::string* out);

// "$-1\r\n" (RESP2 null bulk: GET of a missing key).
void AppendNullBulk(std::string* out);

// "*2\r\n": the caller appends `count` elements next.
void AppendArrayHeader(size_t count, std::string* out);

// "*-1\r\n" (RESP2 null array).
void AppendNullArray(std::string* out);

// Redis's addReplyNull: "$-1\r\n" in RESP2 (the null bulk: GET of a missing key), "_\r\n" in
// RESP3.
void AppendNull(RespVersion version, std::string* out);

// Redis's addReplyMapLen: "%<pairs>\r\n" in RESP3, a flat array of 2 x pairs elements in
// RESP2. The caller appends key, value, key, value, ...
void AppendMapHeader(size_t pairs, RespVersion version, std::string* out);

// Redis's addReplySetLen: "~<count>\r\n" in RESP3, an array in RESP2.
void AppendSetHeader(size_t count, RespVersion version, std::string* out);

// Redis's addReplyVerbatim: "=<size + 4>\r\n<format>:<data>\r\n" in RESP3 (`format` is three
// characters, "txt" for INFO), a bulk string of `data` in RESP2.
void AppendVerbatim(std::string_view format, std::string_view data, RespVersion version,
                    std::string* out);

}  // namespace memkv::protocol

#endif  // MEMKV_PROTOCOL_RESP_RESP_REPLY_ENCODER_H_
