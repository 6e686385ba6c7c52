#include "protocol/memcache/text_reply_parser.h"

#include <array>
#include <utility>

#include "absl/types/span.h"
#include "protocol/decimal.h"
#include "protocol/reply_line.h"

namespace memkv::protocol {
namespace {

// Status lines that are one fixed word.
constexpr std::array<std::pair<std::string_view, TextReplyKind>, 9> kWordReplies = {{
    {"END", TextReplyKind::kEnd},
    {"STORED", TextReplyKind::kStored},
    {"NOT_STORED", TextReplyKind::kNotStored},
    {"EXISTS", TextReplyKind::kExists},
    {"NOT_FOUND", TextReplyKind::kNotFound},
    {"DELETED", TextReplyKind::kDeleted},
    {"TOUCHED", TextReplyKind::kTouched},
    {"OK", TextReplyKind::kOk},
    {"ERROR", TextReplyKind::kError},
}};

// Status lines that are a word, a space and free text.
constexpr std::array<std::pair<std::string_view, TextReplyKind>, 4> kMessageReplies = {{
    {"VERSION ", TextReplyKind::kVersion},
    {"CLIENT_ERROR ", TextReplyKind::kClientError},
    {"SERVER_ERROR ", TextReplyKind::kServerError},
    {"ERROR ", TextReplyKind::kError},
}};

// Splits `text` at single spaces into `fields`; returns how many there are, or fields.size() + 1
// when there are more than fit (or an empty field: two spaces in a row, a leading or a trailing
// space).
size_t SplitFields(std::string_view text, absl::Span<std::string_view> fields) {
  size_t count = 0;
  while (true) {
    const size_t space = text.find(' ');
    std::string_view field = text.substr(0, space);
    if (field.empty() || count == fields.size()) return fields.size() + 1;
    fields[count++] = field;
    if (space == std::string_view::npos) return count;
    text.remove_prefix(space + 1);
  }
}

}  // namespace

std::string_view TextReplyKindName(TextReplyKind kind) {
  switch (kind) {
    case TextReplyKind::kValue:
      return "VALUE";
    case TextReplyKind::kNumber:
      return "<number>";
    case TextReplyKind::kVersion:
      return "VERSION";
    case TextReplyKind::kClientError:
      return "CLIENT_ERROR";
    case TextReplyKind::kServerError:
      return "SERVER_ERROR";
    default:
      break;
  }
  for (const auto& [word, word_kind] : kWordReplies) {
    if (word_kind == kind) return word;
  }
  return "?";
}

ParseResult TextReplyParser::Parse(std::string_view in, TextReply* out) const {
  ReplyLine line;
  if (auto status = FindReplyLine(in, limits_.max_line_bytes, &line);
      status.status != ParseStatus::kOk) {
    return status;
  }
  *out = TextReply();
  std::string_view text = line.text;
  if (text.substr(0, 6) == "VALUE ") return ParseValue(in, text, line.end, out);
  for (const auto& [word, kind] : kWordReplies) {
    if (text == word) {
      out->kind = kind;
      return ParsedOk(line.end);
    }
  }
  for (const auto& [prefix, kind] : kMessageReplies) {
    if (text.substr(0, prefix.size()) == prefix) {
      out->kind = kind;
      out->message = text.substr(prefix.size());
      return ParsedOk(line.end);
    }
  }
  if (ParseDecimal(text, &out->number)) {
    out->kind = TextReplyKind::kNumber;
    return ParsedOk(line.end);
  }
  return MustCloseWith("unexpected reply line");
}

// VALUE <key> <flags> <bytes> [<cas>]: exactly one space between fields, as memcached writes it.
ParseResult TextReplyParser::ParseValue(std::string_view in, std::string_view line, size_t line_end,
                                        TextReply* out) const {
  std::array<std::string_view, 5> fields;
  size_t count = SplitFields(line.substr(6), absl::MakeSpan(fields));
  if (count < 3 || count > 4) return MustCloseWith("bad VALUE line");
  uint64_t flags = 0;
  uint64_t bytes = 0;
  if (!ParseDecimal(fields[1], &flags) || flags > UINT32_MAX || !ParseDecimal(fields[2], &bytes)) {
    return MustCloseWith("bad VALUE line");
  }
  if (count == 4 && !ParseDecimal(fields[3], &out->cas)) return MustCloseWith("bad VALUE line");
  if (bytes > limits_.max_value_bytes) return MustCloseWith("VALUE length out of range");
  const size_t total = line_end + bytes + 2;
  if (in.size() < total) return NeedMore();
  if (in.substr(line_end + bytes, 2) != "\r\n")
    return MustCloseWith("VALUE data not ended by CRLF");
  out->kind = TextReplyKind::kValue;
  out->key = fields[0];
  out->flags = static_cast<uint32_t>(flags);
  out->has_cas = count == 4;
  out->data = in.substr(line_end, bytes);
  return ParsedOk(total);
}

}  // namespace memkv::protocol
