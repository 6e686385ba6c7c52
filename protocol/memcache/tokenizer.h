// Tokenizer: memcached's tokenize_command() (proto_text.c), the one tokenizer of the text and meta
// request parsers, so that both cut a command line exactly as memcached does before it looks at
// the command: split at spaces (a run of spaces counts as one; tabs and CRs are not separators),
// at most kMaxTokens tokens. memcached leaves whatever follows the last of them unsplit; the
// parsers only count it, as memcached does.
//
// Also the two steps around it, shared for the same reason: CommandLine() cuts the line that the
// tokenizer sees, and NextToken() takes one token at a time (the text parser reads a multi-get's
// keys with it, as many as the line holds, instead of through a Tokenizer).
//
// Used by the parsers of protocol/memcache/ only. Plain value type (the tokens are views into
// the line): one thread at a time; the functions: any thread.
#ifndef MEMKV_PROTOCOL_MEMCACHE_TOKENIZER_H_
#define MEMKV_PROTOCOL_MEMCACHE_TOKENIZER_H_

#include <cstddef>
#include <cstring>
#include <string_view>

namespace memkv::protocol::memcache_internal {

// memcached's MAX_TOKENS (24) counts a terminal empty token: a line yields at most 23 tokens.
inline constexpr size_t kMaxTokens = 23;

// The command line ending at input[newline] (a '\n') as memcached's tokenizer sees it: without
// the newline, without a CR before it unless the line holds nothing else, and cut at a NUL
// (memcached reads the line as a C string).
inline std::string_view CommandLine(std::string_view input, size_t newline) {
  std::string_view line = input.substr(0, newline);
  if (line.size() > 1 && line.back() == '\r') line.remove_suffix(1);
  if (const void* nul = std::memchr(line.data(), '\0', line.size())) {
    line = line.substr(0, static_cast<const char*>(nul) - line.data());
  }
  return line;
}

// Takes the next space-separated token off the front of `*rest` ("" when none is left).
inline std::string_view NextToken(std::string_view* rest) {
  size_t pos = 0;
  while (pos < rest->size() && (*rest)[pos] == ' ') ++pos;
  // A byte loop, not memchr: tokens are short, and the call and set-up of memchr cost more
  // (callgrind: 8% fewer instructions for a mix of set, touch and version than with memchr).
  size_t end = pos;
  while (end < rest->size() && (*rest)[end] != ' ') ++end;
  const std::string_view token = rest->substr(pos, end - pos);
  rest->remove_prefix(end);
  return token;
}

// The tokens of one command line. Only the first kKept are kept for operator[]: a parser that
// never reads further asks for fewer, because the array is set up on every request. size(),
// ntokens() and back() count every token whatever kKept is.
template <size_t kKept = kMaxTokens>
class Tokenizer {
 public:
  static_assert(kKept >= 1 && kKept <= kMaxTokens);

  // Splits `line` (see CommandLine), forgetting any earlier line.
  void Tokenize(std::string_view line) {
    const std::string_view first = NextToken(&line);
    if (first.empty()) {
      size_ = 0;
      back_ = {};
      return;
    }
    Tokenize(first, line);
  }

  // The same for a caller that has already taken the first token off the line with NextToken:
  // `first` (not empty) and `rest`, what followed it.
  void Tokenize(std::string_view first, std::string_view rest) {
    token_[0] = first;
    back_ = first;
    size_t n = 1;
    for (; n < kMaxTokens; ++n) {
      const std::string_view token = NextToken(&rest);
      if (token.empty()) break;
      if (n < kKept) token_[n] = token;
      back_ = token;
    }
    size_ = n;
  }

  // How many tokens the line has (at most kMaxTokens).
  size_t size() const { return size_; }
  // memcached's ntokens, which counts a terminal empty token: size() + 1.
  size_t ntokens() const { return size_ + 1; }
  // The i-th token; "" for i >= size() (as memcached's terminal token) and for i >= kKept.
  std::string_view operator[](size_t i) const {
    return i < kKept && i < size_ ? token_[i] : std::string_view();
  }
  // The last token ("" when there is none), where memcached looks for "noreply" or "HTTP/".
  std::string_view back() const { return back_; }

 private:
  std::string_view token_[kKept];
  size_t size_ = 0;
  std::string_view back_;
};

}  // namespace memkv::protocol::memcache_internal

#endif  // MEMKV_PROTOCOL_MEMCACHE_TOKENIZER_H_
