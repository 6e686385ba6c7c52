// RESP2 reply encoding for the server: each function appends one reply (or an array header whose
// elements the caller appends next) to a std::string output buffer. No validation beyond what the
// wire format needs; the caller passes text Redis itself would send. The client direction is
// resp_request_encoder.h and resp_reply_parser.h.
//
// Plain functions: any thread.
#ifndef MEMKV_PROTOCOL_RESP_RESP_REPLY_ENCODER_H_
#define MEMKV_PROTOCOL_RESP_RESP_REPLY_ENCODER_H_

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace memkv::protocol {

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

}  // namespace memkv::protocol

#endif  // MEMKV_PROTOCOL_RESP_RESP_REPLY_ENCODER_H_
