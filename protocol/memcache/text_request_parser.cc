// The memcached text-protocol request parser. Each rule below mirrors memcached 1.6.18's
// proto_text.c (try_read_command_ascii, tokenize_command, process_*_command) and util.c
// (safe_strto*), and was checked against a running memcached 1.6.18; the tests in
// tests/protocol/memcache/text_request_parser_test.cc pin every case.
#include "protocol/memcache/text_request_parser.h"

#include <algorithm>
#include <climits>
#include <cstdint>
#include <cstring>
#include <string_view>

#include "protocol/memcache/item_size.h"
#include "protocol/memcache/numbers.h"

namespace memkv::protocol {
namespace {

using memcache_internal::CommandLine;
using memcache_internal::MemcachedItemSize;
using memcache_internal::NextToken;
using memcache_internal::SafeStrtol;
using memcache_internal::SafeStrtoul;
using memcache_internal::SafeStrtoull;
using Tokens = memcache_internal::TextTokens;

constexpr std::string_view kError = "ERROR";
constexpr std::string_view kBadFormat = "CLIENT_ERROR bad command line format";
constexpr std::string_view kBadDataChunk = "CLIENT_ERROR bad data chunk";
constexpr std::string_view kInvalidExptime = "CLIENT_ERROR invalid exptime argument";
constexpr std::string_view kInvalidDelta = "CLIENT_ERROR invalid numeric delta argument";
constexpr std::string_view kDeleteUsage =
    "CLIENT_ERROR bad command line format.  Usage: delete <key> [noreply]";

// A line longer than the limit is kept only if it starts, after at most this many spaces, with
// "get " or "gets " (try_read_command_ascii).
constexpr size_t kMaxLeadingSpacesOfLongGet = 100;

// memcached's out_string() sends nothing when the request said noreply, errors included.
ParseResult Fail(size_t consumed, std::string_view error, bool noreply) {
  return ClientErrorWith(consumed, noreply ? std::string_view() : error);
}

// set_noreply_maybe(): the last token is exactly "noreply".
bool NoreplyMaybe(const Tokens& t) { return t.ntokens() >= 2 && t.back() == "noreply"; }

// try_read_command_ascii()'s exception for lines without a newline in their first 2 KB.
bool StartsLikeMultiGet(std::string_view input) {
  size_t i = 0;
  while (i < input.size() && input[i] == ' ') ++i;
  if (i > kMaxLeadingSpacesOfLongGet) return false;
  const std::string_view rest = input.substr(i);
  return rest.substr(0, 4) == "get " || rest.substr(0, 5) == "gets ";
}

}  // namespace

TextRequestParser::TextRequestParser(TextRequestParserLimits limits) : limits_(limits) {}

bool TextRequestParser::FindLine(std::string_view input, size_t* newline,
                                 ParseResult* result) const {
  // A line may hold max_line_length bytes before its "\r\n" (or bare "\n").
  const size_t limit = limits_.max_line_length;
  const size_t window = std::min(input.size(), limit + 2);
  const void* found = std::memchr(input.data(), '\n', window);
  const bool ends_in_cr = input.size() > limit && input[limit] == '\r';
  if (found != nullptr) {
    const size_t at = static_cast<const char*>(found) - input.data();
    if (at <= limit || ends_in_cr) {
      *newline = at;
      return true;
    }
  } else if (input.size() <= limit || (input.size() == limit + 1 && ends_in_cr)) {
    *result = NeedMore();
    return false;
  }
  // The line is too long. memcached closes a connection that has buffered more than 2048 bytes
  // without a newline, unless the line is a multi-get. It decides by what one read() brought, so
  // a 3000-byte line that arrives whole is parsed while one that trickles in is not; judging by
  // the line's length instead keeps a request cut at any byte parsing the same as whole.
  if (!StartsLikeMultiGet(input)) {
    *result = MustCloseSilently();
    return false;
  }
  const size_t end = std::min(input.size(), limits_.max_multiget_line + 1);
  found = std::memchr(input.data(), '\n', end);
  // What memcached 1.6 answers, before closing, when its read buffer cannot grow for a request.
  constexpr std::string_view kMultiGetTooLong = "SERVER_ERROR out of memory reading request";
  if (found == nullptr) {
    *result =
        input.size() > limits_.max_multiget_line ? MustCloseWith(kMultiGetTooLong) : NeedMore();
    return false;
  }
  *newline = static_cast<const char*>(found) - input.data();
  return true;
}

ParseResult TextRequestParser::Parse(std::string_view input, TextRequest* out) const {
  size_t newline = 0;
  ParseResult framing;
  if (!FindLine(input, &newline, &framing)) return framing;
  out->Clear();
  return ParseLine(input, CommandLine(input, newline), newline + 1, out);
}

bool TextRequestParser::ParseStorageHeader(std::string_view input, TextRequest* out,
                                           size_t* line_bytes) const {
  size_t newline = 0;
  ParseResult framing;
  if (!FindLine(input, &newline, &framing)) return false;
  out->Clear();
  const size_t line_size = newline + 1;
  // Given the command line alone, a storage command that would be kept asks for its data block;
  // every other request is answered from its line (or refused) whatever follows it.
  const ParseResult result =
      ParseLine(input.substr(0, line_size), CommandLine(input, newline), line_size, out);
  if (result.status != ParseStatus::kNeedMore || !IsStorageCommand(out->command)) return false;
  if (input.size() >= line_size + out->bytes + 2) return false;  // whole: Parse takes it
  *line_bytes = line_size;
  return true;
}

ParseResult TextRequestParser::EndDataBlock(const TextRequest& request, size_t line_bytes,
                                            std::string_view trailer) {
  const size_t total = line_bytes + request.bytes + 2;
  if (trailer != "\r\n") return Fail(total, kBadDataChunk, request.noreply);
  return ParsedOk(total);
}

ParseResult TextRequestParser::ParseLine(std::string_view input, std::string_view line,
                                         size_t line_size, TextRequest* out) const {
  std::string_view args = line;
  const std::string_view name = NextToken(&args);
  // No valid command is shorter than two bytes.
  if (name.size() < 2) return Fail(line_size, kError, false);
  if (name[0] == 'g') {
    // memcached wants a token after the name before it looks at it: "getx" alone is ERROR too.
    if (name == "get") return ParseRetrieval(TextCommand::kGet, args, line_size, out);
    if (name == "gets") return ParseRetrieval(TextCommand::kGets, args, line_size, out);
    if (name == "gat") return ParseRetrieval(TextCommand::kGat, args, line_size, out);
    if (name == "gats") return ParseRetrieval(TextCommand::kGats, args, line_size, out);
    return Fail(line_size, kError, false);
  }
  // An ancient alias of get that memcached still accepts.
  if (name == "bget") return ParseRetrieval(TextCommand::kGet, args, line_size, out);
  Tokens t;
  t.Tokenize(name, args);
  switch (name[0]) {
    case 's':
      if (name == "set") return ParseStorage(TextCommand::kSet, t, input, line_size, out);
      if (name == "stats") {
        out->command = TextCommand::kStats;
        out->stats_argument = t[1];
        return ParsedAdmin(t, line_size, out);
      }
      if (name == "slabs") {
        out->command = TextCommand::kSlabs;
        // Only `slabs automove` reads a final "noreply" (memcached's set_noreply_maybe).
        out->noreply = t[1] == "automove" && t.ntokens() >= 4 && NoreplyMaybe(t);
        return ParsedAdmin(t, line_size, out);
      }
      if (name == "shutdown") {
        out->command = TextCommand::kShutdown;
        out->graceful = t.ntokens() == 3 && t[1] == "graceful";
        return ParsedOk(line_size);
      }
      return Fail(line_size, kError, false);
    case 'a':
      if (name == "add") return ParseStorage(TextCommand::kAdd, t, input, line_size, out);
      if (name == "append") return ParseStorage(TextCommand::kAppend, t, input, line_size, out);
      return Fail(line_size, kError, false);
    case 'c':
      if (name == "cas") return ParseStorage(TextCommand::kCas, t, input, line_size, out);
      if (name == "cache_memlimit") {
        if (t.ntokens() != 3 && t.ntokens() != 4) return Fail(line_size, kError, false);
        out->command = TextCommand::kCacheMemlimit;
        out->noreply = NoreplyMaybe(t);
        return ParsedAdmin(t, line_size, out);
      }
      return Fail(line_size, kError, false);
    case 'i':
      if (name == "incr") return ParseArithmetic(TextCommand::kIncr, t, line_size, out);
      return Fail(line_size, kError, false);
    case 'd':
      if (name == "delete") return ParseDelete(t, line_size, out);
      if (name == "decr") return ParseArithmetic(TextCommand::kDecr, t, line_size, out);
      return Fail(line_size, kError, false);
    case 't':
      if (name == "touch") return ParseTouch(t, line_size, out);
      return Fail(line_size, kError, false);
    default:
      return ParseOther(t, input, line_size, out);
  }
}

ParseResult TextRequestParser::ParseOther(const Tokens& t, std::string_view input, size_t line_size,
                                          TextRequest* out) const {
  const std::string_view name = t[0];
  if (name == "replace") return ParseStorage(TextCommand::kReplace, t, input, line_size, out);
  if (name == "prepend") return ParseStorage(TextCommand::kPrepend, t, input, line_size, out);
  if (name == "flush_all") return ParseFlushAll(t, line_size, out);
  if (name == "version") {
    out->command = TextCommand::kVersion;
    return ParsedOk(line_size);
  }
  if (name == "quit") {
    out->command = TextCommand::kQuit;
    return ParsedOk(line_size);
  }
  if (name == "verbosity") return ParseVerbosity(t, line_size, out);
  if (name == "lru_crawler") {
    out->command = TextCommand::kLruCrawler;
    return ParsedAdmin(t, line_size, out);
  }
  // Meta commands ("mg", "ms", ...) belong to the meta parser (LooksLikeMetaCommand); other
  // two-byte "m" commands are unknown to memcached too. memcached drops, without a word, a
  // client whose unknown command line ends in an HTTP version: it is talking to a web client.
  if (!(name[0] == 'm' && name.size() == 2) && t.back().substr(0, 5) == "HTTP/")
    return MustCloseSilently();
  return Fail(line_size, kError, false);
}

ParseResult TextRequestParser::ParsedAdmin(const Tokens& t, size_t line_size,
                                           TextRequest* out) const {
  for (size_t i = 0; i < out->admin_args.size(); ++i) out->admin_args[i] = t[i + 1];
  out->admin_arg_count = t.size() - 1;
  return ParsedOk(line_size);
}

ParseResult TextRequestParser::ParseRetrieval(TextCommand command, std::string_view args,
                                              size_t line_size, TextRequest* out) const {
  out->command = command;
  std::string_view token = NextToken(&args);
  if (token.empty()) return Fail(line_size, kError, false);
  if (command == TextCommand::kGat || command == TextCommand::kGats) {
    int32_t exptime = 0;
    if (!SafeStrtol(token, &exptime)) return Fail(line_size, kInvalidExptime, false);
    out->exptime = exptime;
    token = NextToken(&args);
  }
  // memcached tokenizes a long multi-get 23 tokens at a time; the keys are the same.
  for (; !token.empty(); token = NextToken(&args)) {
    if (token.size() > limits_.max_key_length) return Fail(line_size, kBadFormat, false);
    out->keys.push_back(token);
  }
  return ParsedOk(line_size);
}

ParseResult TextRequestParser::ParseStorage(TextCommand command, const Tokens& t,
                                            std::string_view input, size_t line_size,
                                            TextRequest* out) const {
  const bool is_cas = command == TextCommand::kCas;
  const size_t want = is_cas ? 7 : 6;
  if (t.ntokens() != want && t.ntokens() != want + 1) return Fail(line_size, kError, false);
  const bool noreply = NoreplyMaybe(t);
  const std::string_view key = t[1];
  if (key.size() > limits_.max_key_length) return Fail(line_size, kBadFormat, noreply);
  uint32_t flags = 0;
  int32_t exptime = 0;
  int32_t length = 0;
  if (!SafeStrtoul(t[2], &flags) || !SafeStrtol(t[3], &exptime) || !SafeStrtol(t[4], &length)) {
    return Fail(line_size, kBadFormat, noreply);
  }
  uint64_t cas_unique = 0;
  if (is_cas && !SafeStrtoull(t[5], &cas_unique)) return Fail(line_size, kBadFormat, noreply);
  if (length < 0 || length > INT_MAX - 2) return Fail(line_size, kBadFormat, noreply);
  const size_t bytes = static_cast<size_t>(length);
  out->command = command;
  out->key = key;
  out->client_flags = flags;
  out->exptime = exptime;
  out->bytes = static_cast<uint32_t>(bytes);
  out->cas_unique = cas_unique;
  out->noreply = noreply;
  if (MemcachedItemSize(key.size(), bytes, flags) > limits_.max_item_bytes) {
    // memcached answers at once and then drops the data block, whatever it holds. Not an error
    // of the parser's: a set also deletes the old item, which only the executor can do.
    out->too_large = true;
    return ParsedOk(line_size, bytes + 2);
  }
  const size_t total = line_size + bytes + 2;
  if (input.size() < total) return NeedMore();
  // memcached reads exactly bytes + 2 and checks only that they end in CRLF.
  if (input[total - 2] != '\r' || input[total - 1] != '\n') {
    return Fail(total, kBadDataChunk, noreply);
  }
  out->value = input.substr(line_size, bytes);
  return ParsedOk(total);
}

ParseResult TextRequestParser::ParseTouch(const Tokens& t, size_t line_size,
                                          TextRequest* out) const {
  if (t.ntokens() != 4 && t.ntokens() != 5) return Fail(line_size, kError, false);
  const bool noreply = NoreplyMaybe(t);
  if (t[1].size() > limits_.max_key_length) return Fail(line_size, kBadFormat, noreply);
  int32_t exptime = 0;
  if (!SafeStrtol(t[2], &exptime)) return Fail(line_size, kInvalidExptime, noreply);
  out->command = TextCommand::kTouch;
  out->key = t[1];
  out->exptime = exptime;
  out->noreply = noreply;
  return ParsedOk(line_size);
}

ParseResult TextRequestParser::ParseArithmetic(TextCommand command, const Tokens& t,
                                               size_t line_size, TextRequest* out) const {
  if (t.ntokens() != 4 && t.ntokens() != 5) return Fail(line_size, kError, false);
  const bool noreply = NoreplyMaybe(t);
  if (t[1].size() > limits_.max_key_length) return Fail(line_size, kBadFormat, noreply);
  uint64_t delta = 0;
  if (!SafeStrtoull(t[2], &delta)) return Fail(line_size, kInvalidDelta, noreply);
  out->command = command;
  out->key = t[1];
  out->delta = delta;
  out->noreply = noreply;
  return ParsedOk(line_size);
}

ParseResult TextRequestParser::ParseDelete(const Tokens& t, size_t line_size,
                                           TextRequest* out) const {
  if (t.ntokens() < 3 || t.ntokens() > 5) return Fail(line_size, kError, false);
  bool noreply = false;
  // memcached still accepts the zero "hold time" of old clients: delete <key> 0 [noreply].
  if (t.ntokens() > 3) {
    const bool hold_is_zero = t[2] == "0";
    noreply = NoreplyMaybe(t);
    const bool valid = (t.ntokens() == 4 && (hold_is_zero || noreply)) ||
                       (t.ntokens() == 5 && hold_is_zero && noreply);
    if (!valid) return Fail(line_size, kDeleteUsage, noreply);
  }
  if (t[1].size() > limits_.max_key_length) return Fail(line_size, kBadFormat, noreply);
  out->command = TextCommand::kDelete;
  out->key = t[1];
  out->noreply = noreply;
  return ParsedOk(line_size);
}

ParseResult TextRequestParser::ParseFlushAll(const Tokens& t, size_t line_size,
                                             TextRequest* out) const {
  if (t.ntokens() > 4) return Fail(line_size, kError, false);
  const bool noreply = NoreplyMaybe(t);
  out->command = TextCommand::kFlushAll;
  out->noreply = noreply;
  // memcached reads a delay whenever there is a token besides a final "noreply".
  if (t.ntokens() != (noreply ? 3u : 2u)) {
    int32_t delay = 0;
    if (!SafeStrtol(t[1], &delay)) return Fail(line_size, kInvalidExptime, noreply);
    out->flush_delay = delay;
    out->has_flush_delay = true;
  }
  return ParsedOk(line_size);
}

ParseResult TextRequestParser::ParseVerbosity(const Tokens& t, size_t line_size,
                                              TextRequest* out) const {
  if (t.ntokens() != 3 && t.ntokens() != 4) return Fail(line_size, kError, false);
  const bool noreply = NoreplyMaybe(t);
  uint32_t level = 0;
  if (!SafeStrtoul(t[1], &level)) return Fail(line_size, kBadFormat, noreply);
  out->command = TextCommand::kVerbosity;
  out->verbosity = level;
  out->noreply = noreply;
  return ParsedOk(line_size);
}

}  // namespace memkv::protocol
