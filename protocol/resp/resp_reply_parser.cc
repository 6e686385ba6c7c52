#include "protocol/resp/resp_reply_parser.h"

#include "protocol/decimal.h"
#include "protocol/reply_line.h"

namespace memkv::protocol {

std::string_view RespReplyTokenTypeName(RespReplyTokenType type) {
  switch (type) {
    case RespReplyTokenType::kSimpleString:
      return "simple string";
    case RespReplyTokenType::kError:
      return "error";
    case RespReplyTokenType::kInteger:
      return "integer";
    case RespReplyTokenType::kBulk:
      return "bulk";
    case RespReplyTokenType::kNullBulk:
      return "null bulk";
    case RespReplyTokenType::kArray:
      return "array";
    case RespReplyTokenType::kNullArray:
      return "null array";
  }
  return "?";
}

ParseResult RespReplyParser::Parse(std::string_view in, RespReplyToken* out) const {
  if (in.empty()) return NeedMore();
  const char type = in[0];
  if (type != '+' && type != '-' && type != ':' && type != '$' && type != '*') {
    return MustCloseWith("unexpected RESP type byte");
  }
  ReplyLine line;
  if (auto found = FindReplyLine(in, limits_.max_line_bytes, &line);
      found.status != ParseStatus::kOk) {
    return found;
  }
  *out = RespReplyToken();
  const std::string_view body = line.text.substr(1);
  if (type == '+' || type == '-') {
    out->type = type == '+' ? RespReplyTokenType::kSimpleString : RespReplyTokenType::kError;
    out->text = body;
    return ParsedOk(line.end);
  }
  int64_t number = 0;
  if (!ParseSignedDecimal(body, &number)) return MustCloseWith("bad RESP number");
  if (type == ':') {
    out->type = RespReplyTokenType::kInteger;
    out->integer = number;
    return ParsedOk(line.end);
  }
  if (type == '$') return ParseBulk(in, number, line.end, out);
  if (number == -1) {
    out->type = RespReplyTokenType::kNullArray;
    return ParsedOk(line.end);
  }
  if (number < 0 || number > limits_.max_array_elements) return MustCloseWith("bad array length");
  out->type = RespReplyTokenType::kArray;
  out->integer = number;
  return ParsedOk(line.end);
}

ParseResult RespReplyParser::ParseBulk(std::string_view in, int64_t length, size_t header_end,
                                       RespReplyToken* out) const {
  if (length == -1) {
    out->type = RespReplyTokenType::kNullBulk;
    return ParsedOk(header_end);
  }
  if (length < 0 || static_cast<uint64_t>(length) > limits_.max_bulk_bytes) {
    return MustCloseWith("bad bulk length");
  }
  const size_t size = static_cast<size_t>(length);
  const size_t total = header_end + size + 2;
  if (in.size() < total) return NeedMore();
  if (in.substr(header_end + size, 2) != "\r\n")
    return MustCloseWith("bulk data not ended by CRLF");
  out->type = RespReplyTokenType::kBulk;
  out->text = in.substr(header_end, size);
  return ParsedOk(total);
}

}  // namespace memkv::protocol
