// The client side's encoder of RESP2 requests: appends one command to a string that collects a
// connection's pending output. memkv-bench uses it to drive a server; RespReplyParser
// (resp_reply_parser.h) reads the answers.
//
// Plain function: any thread.
#ifndef MEMKV_PROTOCOL_RESP_RESP_REQUEST_ENCODER_H_
#define MEMKV_PROTOCOL_RESP_RESP_REQUEST_ENCODER_H_

#include <string>
#include <string_view>

#include "absl/types/span.h"

namespace memkv::protocol {

// Appends one command as an array of bulk strings: "*2\r\n$3\r\nGET\r\n$1\r\nk\r\n".
// REQUIRES: args is not empty.
void AppendRespRequest(absl::Span<const std::string_view> args, std::string* out);

}  // namespace memkv::protocol

#endif  // MEMKV_PROTOCOL_RESP_RESP_REQUEST_ENCODER_H_
