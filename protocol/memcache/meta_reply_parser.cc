#include "protocol/memcache/meta_reply_parser.h"

#include <algorithm>
#include <array>
#include <utility>

#include "protocol/decimal.h"
#include "protocol/reply_line.h"

namespace memkv::protocol {
namespace {

// Two-letter codes that may carry return flags.
constexpr std::array<std::pair<std::string_view, MetaReplyCode>, 8> kCodes = {{
    {"HD", MetaReplyCode::kHd},
    {"EN", MetaReplyCode::kEn},
    {"NS", MetaReplyCode::kNs},
    {"EX", MetaReplyCode::kEx},
    {"NF", MetaReplyCode::kNf},
    {"MN", MetaReplyCode::kMn},
    {"ME", MetaReplyCode::kMe},
    {"VA", MetaReplyCode::kVa},
}};

// A flag list is tokens separated by single spaces, each starting with a letter.
bool ValidFlags(std::string_view flags) {
  if (flags.empty()) return true;
  bool token_start = true;
  for (char c : flags) {
    if (c == ' ') {
      if (token_start) return false;
      token_start = true;
      continue;
    }
    if (static_cast<unsigned char>(c) <= ' ' || c == 0x7f) return false;
    if (token_start && !((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'))) return false;
    token_start = false;
  }
  return !token_start;
}

}  // namespace

std::string_view MetaReplyCodeName(MetaReplyCode code) {
  switch (code) {
    case MetaReplyCode::kError:
      return "ERROR";
    case MetaReplyCode::kClientError:
      return "CLIENT_ERROR";
    case MetaReplyCode::kServerError:
      return "SERVER_ERROR";
    default:
      break;
  }
  for (const auto& [name, value] : kCodes) {
    if (value == code) return name;
  }
  return "?";
}

bool FindMetaReplyFlag(std::string_view flags, char flag, std::string_view* token) {
  while (!flags.empty()) {
    const size_t space = flags.find(' ');
    std::string_view current = flags.substr(0, space);
    if (!current.empty() && current[0] == flag) {
      *token = current.substr(1);
      return true;
    }
    if (space == std::string_view::npos) break;
    flags.remove_prefix(space + 1);
  }
  return false;
}

ParseResult MetaReplyParser::Parse(std::string_view in, MetaReply* out) const {
  ReplyLine line;
  if (auto found = FindReplyLine(in, limits_.max_line_bytes, &line);
      found.status != ParseStatus::kOk) {
    return found;
  }
  *out = MetaReply();
  std::string_view text = line.text;
  if (text == "ERROR") {
    out->code = MetaReplyCode::kError;
    return ParsedOk(line.end);
  }
  for (auto [prefix, code] :
       {std::pair{std::string_view("CLIENT_ERROR "), MetaReplyCode::kClientError},
        std::pair{std::string_view("SERVER_ERROR "), MetaReplyCode::kServerError}}) {
    if (text.substr(0, prefix.size()) == prefix) {
      out->code = code;
      out->message = text.substr(prefix.size());
      return ParsedOk(line.end);
    }
  }
  if (text.size() < 2 || (text.size() > 2 && text[2] != ' ')) {
    return MustCloseWith("unexpected reply line");
  }
  const auto* entry = std::find_if(kCodes.begin(), kCodes.end(),
                                   [&](const auto& e) { return e.first == text.substr(0, 2); });
  if (entry == kCodes.end()) return MustCloseWith("unexpected reply line");
  out->code = entry->second;
  std::string_view rest = text.size() > 2 ? text.substr(3) : std::string_view();
  if (out->code == MetaReplyCode::kMe) {
    if (rest.empty()) return MustCloseWith("bad ME line");
    out->flags = rest;
    return ParsedOk(line.end);
  }
  if (out->code != MetaReplyCode::kVa) {
    if (text.size() > 2 && (rest.empty() || !ValidFlags(rest))) {
      return MustCloseWith("bad return flags");
    }
    out->flags = rest;
    return ParsedOk(line.end);
  }
  const size_t space = rest.find(' ');
  uint64_t size = 0;
  if (!ParseDecimal(rest.substr(0, space), &size)) return MustCloseWith("bad VA line");
  out->flags = space == std::string_view::npos ? std::string_view() : rest.substr(space + 1);
  if (space != std::string_view::npos && (out->flags.empty() || !ValidFlags(out->flags))) {
    return MustCloseWith("bad return flags");
  }
  if (size > limits_.max_value_bytes) return MustCloseWith("VA size out of range");
  const size_t total = line.end + size + 2;
  if (in.size() < total) return NeedMore();
  if (in.substr(line.end + size, 2) != "\r\n") return MustCloseWith("VA data not ended by CRLF");
  out->data = in.substr(line.end, size);
  return ParsedOk(total);
}

}  // namespace memkv::protocol
