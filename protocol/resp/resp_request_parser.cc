#include "protocol/resp/resp_request_parser.h"

#include <algorithm>
#include <cstring>
#include <limits>

namespace memkv::protocol {
namespace {

constexpr std::string_view kInvalidMultibulkLength =
    "-ERR Protocol error: invalid multibulk length";
constexpr std::string_view kInvalidBulkLength = "-ERR Protocol error: invalid bulk length";
constexpr std::string_view kTooBigCount = "-ERR Protocol error: too big mbulk count string";
constexpr std::string_view kTooBigBulkCount = "-ERR Protocol error: too big bulk count string";
constexpr std::string_view kTooBigInline = "-ERR Protocol error: too big inline request";
constexpr std::string_view kUnbalancedQuotes = "-ERR Protocol error: unbalanced quotes in request";
constexpr std::string_view kUnauthenticatedCount =
    "-ERR Protocol error: unauthenticated multibulk length";
constexpr std::string_view kUnauthenticatedBulk =
    "-ERR Protocol error: unauthenticated bulk length";
// Redis closes a client over client-query-buffer-limit (1 GB) without a reply (it only logs
// "Closing client that reached max query buffer length"): memkv closes without one too.
constexpr std::string_view kTooBigRequest = "";

// "ERR Protocol error: expected '$', got 'X'", byte for byte as Redis formats it with %c, and
// as its addReplyErrorFormat writes a CR or LF of the text: as a space, so that the reply stays
// one line.
std::string UnexpectedByte(char expected, char got) {
  std::string message = "-ERR Protocol error: expected ' ', got ' '";
  message[message.size() - 11] = expected;
  if (got != '\r' && got != '\n') message[message.size() - 2] = got;
  return message;
}

// The first `stop` byte at or after `pos`, as Redis's strchr finds it in its NUL-terminated
// buffer: a NUL before it hides it (npos), and the line waits for more input until it is too long.
size_t StrChr(std::string_view input, size_t pos, char stop) {
  const void* hit = std::memchr(input.data() + pos, stop, input.size() - pos);
  const size_t end = hit == nullptr ? input.size() : static_cast<const char*>(hit) - input.data();
  if (std::memchr(input.data() + pos, '\0', end - pos) != nullptr) return std::string_view::npos;
  return hit == nullptr ? std::string_view::npos : end;
}

// Where the header line starting at `pos` ends, as Redis finds it: the first '\r' after `pos`
// (unless a NUL comes first) with at least one more byte after it, which is skipped whatever it
// is. Sets *line_end to the '\r'. A line of more than `max_line` bytes before its '\r' is too
// long whether or not the '\r' has arrived (Redis looks only while it has not, so a long line
// would be refused or read depending on how it arrived).
enum class LineScan { kFound, kIncomplete, kTooLong };
LineScan FindHeaderEnd(std::string_view input, size_t pos, size_t max_line, size_t* line_end) {
  size_t remaining = input.size() - pos;
  size_t at = StrChr(input, pos, '\r');
  if (at == std::string_view::npos) {
    return remaining > max_line ? LineScan::kTooLong : LineScan::kIncomplete;
  }
  if (at - pos > max_line) return LineScan::kTooLong;
  if (at + 1 >= input.size()) return LineScan::kIncomplete;  // the byte after it has not arrived
  *line_end = at;
  return LineScan::kFound;
}

// isspace() in the C locale, which sdssplitargs uses to skip blanks between arguments.
bool IsCSpace(char c) {
  return c == ' ' || c == '\t' || c == '\n' || c == '\v' || c == '\f' || c == '\r';
}

bool IsHexDigit(char c) {
  return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}

int HexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  return c - 'A' + 10;
}

// sdssplitargs for a line with quotes: appends each argument's unescaped bytes to `storage`
// (reserved by the caller to line.size(), which no output can exceed, so views stay put) and its
// view to `args`. Returns false on unbalanced quotes or a closing quote not followed by a blank.
bool SplitQuotedArgs(std::string_view line, std::string* storage,
                     absl::InlinedVector<std::string_view, kRespInlineArgs>* args) {
  // at(i) reads past the end as '\0', as the C original reads its terminator.
  auto at = [&line](size_t i) { return i < line.size() ? line[i] : '\0'; };
  size_t p = 0;
  while (true) {
    while (p < line.size() && IsCSpace(line[p])) ++p;
    if (p >= line.size()) return true;
    size_t start = storage->size();
    bool in_double = false, in_single = false, done = false;
    while (!done) {
      char c = at(p);
      if (in_double) {
        if (c == '\\' && at(p + 1) == 'x' && IsHexDigit(at(p + 2)) && IsHexDigit(at(p + 3))) {
          storage->push_back(static_cast<char>(HexValue(at(p + 2)) * 16 + HexValue(at(p + 3))));
          p += 3;
        } else if (c == '\\' && at(p + 1) != '\0') {
          ++p;
          char e = at(p);
          storage->push_back(e == 'n'   ? '\n'
                             : e == 'r' ? '\r'
                             : e == 't' ? '\t'
                             : e == 'b' ? '\b'
                             : e == 'a' ? '\a'
                                        : e);
        } else if (c == '"') {
          if (at(p + 1) != '\0' && !IsCSpace(at(p + 1))) return false;
          done = true;
        } else if (c == '\0') {
          return false;
        } else {
          storage->push_back(c);
        }
      } else if (in_single) {
        if (c == '\\' && at(p + 1) == '\'') {
          ++p;
          storage->push_back('\'');
        } else if (c == '\'') {
          if (at(p + 1) != '\0' && !IsCSpace(at(p + 1))) return false;
          done = true;
        } else if (c == '\0') {
          return false;
        } else {
          storage->push_back(c);
        }
      } else if (c == ' ' || c == '\n' || c == '\r' || c == '\t' || c == '\0') {
        done = true;
      } else if (c == '"') {
        in_double = true;
      } else if (c == '\'') {
        in_single = true;
      } else {
        storage->push_back(c);
      }
      if (c != '\0') ++p;
    }
    args->push_back(std::string_view(storage->data() + start, storage->size() - start));
  }
}

}  // namespace

RespRequestParserLimits RespRequestParserLimits::ForMaxItemBytes(size_t max_item_bytes,
                                                                 bool allow_inline) {
  RespRequestParserLimits limits;
  limits.max_kept_bulk_bytes = std::max(max_item_bytes, size_t{1} << 20);
  limits.allow_inline = allow_inline;
  return limits;
}

RespRequestParser::RespRequestParser(RespRequestParserLimits limits) : limits_(limits) {}

void RespRequestParser::Reset() {
  pending_count_ = 0;
  pending_read_ = 0;
  pending_offset_ = 0;
  discarding_ = false;
  pending_tail_ = false;
  // After a request of far more arguments than usual, give the memory back rather than keep
  // the peak for the connection's life (16 bytes per argument: 16 MB after a million).
  if (pending_args_.capacity() > kKeepArgs) {
    decltype(pending_args_)().swap(pending_args_);
  } else {
    pending_args_.clear();
  }
}

ParseResult RespRequestParser::Fail(std::string_view message) {
  Reset();
  error_.assign(message);
  return MustCloseWith(error_);
}

ParseResult RespRequestParser::Parse(std::string_view input, RespRequest* out) {
  if (pending_count_ == 0) {
    if (input.empty()) return NeedMore();
    if (input[0] != '*') {
      if (limits_.allow_inline) return ParseInline(input, out);
      return Fail(UnexpectedByte('*', input[0]));
    }
  }
  return ParseMultibulk(input, out);
}

bool RespRequestParser::StartMultibulk(std::string_view input, RespRequest* out,
                                       ParseResult* result) {
  size_t line_end = 0;
  switch (FindHeaderEnd(input, 0, limits_.max_inline_bytes, &line_end)) {
    case LineScan::kIncomplete:
      *result = NeedMore();
      return false;
    case LineScan::kTooLong:
      *result = Fail(kTooBigCount);
      return false;
    case LineScan::kFound:
      break;
  }
  int64_t count = 0;
  if (!RedisStringToInt64(input.substr(1, line_end - 1), &count) ||
      (count > 0 && static_cast<uint64_t>(count) > limits_.max_multibulk_count)) {
    *result = Fail(kInvalidMultibulkLength);
    return false;
  }
  if (!authenticated_ && count > 0 &&
      static_cast<uint64_t>(count) > limits_.unauthenticated_max_multibulk_count) {
    *result = Fail(kUnauthenticatedCount);
    return false;
  }
  if (count <= 0) {  // Redis skips `*0` and `*-1` without running anything
    out->args.clear();
    out->is_inline = false;
    *result = ParsedOk(line_end + 2);
    return false;
  }
  pending_count_ = count;
  pending_read_ = 0;
  pending_offset_ = line_end + 2;
  discarding_ = false;
  pending_args_.clear();
  return true;
}

bool RespRequestParser::PendingLastArgument(std::string_view input, RespRequest* out,
                                            size_t* data_start, size_t* length) const {
  if (pending_count_ == 0 || discarding_ || pending_tail_ || pending_read_ + 1 != pending_count_) {
    return false;
  }
  // The last argument's `$N` line, read as ParseMultibulk reads it.
  const size_t pos = pending_offset_;
  size_t line_end = 0;
  if (FindHeaderEnd(input, pos, limits_.max_inline_bytes, &line_end) != LineScan::kFound ||
      input[pos] != '$') {
    return false;
  }
  int64_t n = 0;
  if (!RedisStringToInt64(input.substr(pos + 1, line_end - pos - 1), &n) || n < 0 ||
      static_cast<uint64_t>(n) > limits_.max_bulk_bytes ||
      static_cast<uint64_t>(n) > limits_.max_kept_bulk_bytes ||
      (!authenticated_ && static_cast<uint64_t>(n) > limits_.unauthenticated_max_bulk_bytes)) {
    return false;
  }
  const size_t start = line_end + 2;
  const size_t end = start + static_cast<size_t>(n);
  if (end + 2 > limits_.max_request_bytes || input.size() >= end + 2) return false;
  out->args.resize(pending_args_.size());
  out->is_inline = false;
  for (size_t i = 0; i < pending_args_.size(); ++i) {
    out->args[i] = std::string_view(input.data() + pending_args_[i].first, pending_args_[i].second);
  }
  *data_start = start;
  *length = static_cast<size_t>(n);
  return true;
}

ParseResult RespRequestParser::ParseMultibulk(std::string_view input, RespRequest* out) {
  ParseResult result;
  if (pending_count_ == 0 && !StartMultibulk(input, out, &result)) return result;
  while (pending_read_ < pending_count_) {
    if (pending_tail_) {  // the two bytes after a skipped argument's data
      if (input.size() < pending_offset_ + 2) return NeedMore();
      pending_offset_ += 2;
      pending_tail_ = false;
      if (++pending_read_ == pending_count_) break;
    }
    size_t pos = pending_offset_;
    size_t line_end = 0;
    switch (FindHeaderEnd(input, pos, limits_.max_inline_bytes, &line_end)) {
      case LineScan::kIncomplete:
        return NeedMore();
      case LineScan::kTooLong:
        return Fail(kTooBigBulkCount);
      case LineScan::kFound:
        break;
    }
    if (input[pos] != '$') {
      return Fail(UnexpectedByte('$', input[pos]));
    }
    int64_t length = 0;
    if (!RedisStringToInt64(input.substr(pos + 1, line_end - pos - 1), &length) || length < 0 ||
        static_cast<uint64_t>(length) > limits_.max_bulk_bytes) {
      return Fail(kInvalidBulkLength);
    }
    if (!authenticated_ && static_cast<uint64_t>(length) > limits_.unauthenticated_max_bulk_bytes) {
      return Fail(kUnauthenticatedBulk);
    }
    size_t data_start = line_end + 2;
    if (static_cast<uint64_t>(length) > limits_.max_kept_bulk_bytes) {
      // Too long to ever store: the connection drops its data as it arrives, and the next call
      // starts at the two bytes after it, read as those of a kept argument. The reply goes with
      // the step that reads the request's last byte, when Redis would answer it.
      discarding_ = true;
      pending_args_.clear();
      pending_offset_ = 0;
      pending_tail_ = true;
      return ClientErrorWith(data_start, {}, static_cast<size_t>(length));
    }
    size_t data_end = data_start + static_cast<size_t>(length);
    if (data_end + 2 > limits_.max_request_bytes) return Fail(kTooBigRequest);
    // Redis takes the two bytes after the data as its CRLF without looking at them.
    if (input.size() < data_end + 2) return NeedMore();
    if (!discarding_) pending_args_.emplace_back(data_start, static_cast<size_t>(length));
    ++pending_read_;
    pending_offset_ = data_end + 2;
  }
  if (discarding_) {
    result = ClientErrorWith(pending_offset_, kTooLargeArgument);
    Reset();
    return result;
  }
  // resize + assign: measurably cheaper than push_back per argument on this path.
  out->args.resize(pending_args_.size());
  out->is_inline = false;
  for (size_t i = 0; i < pending_args_.size(); ++i) {
    out->args[i] = std::string_view(input.data() + pending_args_[i].first, pending_args_[i].second);
  }
  result = ParsedOk(pending_offset_);
  Reset();
  return result;
}

ParseResult RespRequestParser::ParseInline(std::string_view input, RespRequest* out) {
  // Redis finds the end with strchr: a NUL before the '\n' keeps the line waiting.
  const size_t newline = StrChr(input, 0, '\n');
  if (newline == std::string_view::npos) {
    return input.size() > limits_.max_inline_bytes ? Fail(kTooBigInline) : NeedMore();
  }
  size_t consumed = newline + 1;
  // Judged by the line's length (its CR included, as Redis counts the bytes buffered before the
  // '\n'), not by whether the '\n' came in the same read: see FindHeaderEnd.
  if (consumed - 1 > limits_.max_inline_bytes) return Fail(kTooBigInline);
  std::string_view line = input.substr(0, consumed - 1);
  if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
  out->args.clear();
  out->is_inline = true;
  if (line.find_first_of("\"'") != std::string_view::npos) {
    out->storage.clear();
    out->storage.reserve(line.size());
    if (!SplitQuotedArgs(line, &out->storage, &out->args)) {
      out->args.clear();
      return Fail(kUnbalancedQuotes);
    }
  } else {
    // No quotes: every argument is a run of the input itself, split as sdssplitargs splits.
    size_t p = 0;
    while (true) {
      while (p < line.size() && IsCSpace(line[p])) ++p;
      if (p >= line.size()) break;
      size_t start = p;
      while (p < line.size() && line[p] != ' ' && line[p] != '\t' && line[p] != '\r' &&
             line[p] != '\n') {
        ++p;
      }
      out->args.push_back(line.substr(start, p - start));
    }
  }
  return ParsedOk(consumed);
}

bool RedisStringToInt64(std::string_view text, int64_t* value) {
  // A port of Redis's string2ll (util.c), so that "integer" means exactly what it means there.
  constexpr size_t kLongStrSize = 21;
  if (text.empty() || text.size() >= kLongStrSize) return false;
  if (text.size() == 1 && text[0] == '0') {
    *value = 0;
    return true;
  }
  size_t p = 0;
  bool negative = false;
  if (text[0] == '-') {
    negative = true;
    if (++p == text.size()) return false;
  }
  if (text[p] < '1' || text[p] > '9') return false;
  uint64_t v = 0;
  for (; p < text.size(); ++p) {
    char c = text[p];
    if (c < '0' || c > '9') return false;
    if (v > std::numeric_limits<uint64_t>::max() / 10) return false;
    v *= 10;
    if (v > std::numeric_limits<uint64_t>::max() - (c - '0')) return false;
    v += c - '0';
  }
  if (negative) {
    if (v > static_cast<uint64_t>(std::numeric_limits<int64_t>::max()) + 1) return false;
    *value = static_cast<int64_t>(0 - v);
  } else {
    if (v > static_cast<uint64_t>(std::numeric_limits<int64_t>::max())) return false;
    *value = static_cast<int64_t>(v);
  }
  return true;
}

}  // namespace memkv::protocol
