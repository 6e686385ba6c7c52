#include "protocol/memcache/meta_request_parser.h"

#include <algorithm>
#include <cstdint>

#include "protocol/memcache/base64.h"
#include "protocol/memcache/item_size.h"
#include "protocol/memcache/numbers.h"
#include "protocol/memcache/tokenizer.h"

// Every check below mirrors memcached 1.6.18's proto_text.c (process_mget_command,
// process_mset_command, process_mdelete_command, process_marithmetic_command,
// process_meta_command and _meta_flag_preparse), in the same order, so that a request with
// several faults gets the same error text. One addition: the E flag (new CAS), which memcached
// accepts from 1.6.27 on with the same error text as C.
namespace memkv::protocol {
namespace {

using memcache_internal::CommandLine;
using memcache_internal::MemcachedItemSize;
using memcache_internal::SafeStrtol;
using memcache_internal::SafeStrtoul;
using memcache_internal::SafeStrtoull;
// Meta commands read every token a line has.
using Tokens = memcache_internal::Tokenizer<>;

constexpr std::string_view kError = "ERROR";
constexpr std::string_view kBadFormat = "CLIENT_ERROR bad command line format";
constexpr std::string_view kBadToken = "CLIENT_ERROR bad token in command line format";
constexpr std::string_view kDuplicateFlag = "CLIENT_ERROR duplicate flag";
constexpr std::string_view kInvalidFlag = "CLIENT_ERROR invalid flag";
constexpr std::string_view kDecodeKey = "CLIENT_ERROR error decoding key";
constexpr std::string_view kModeLength = "CLIENT_ERROR incorrect length for M token";
constexpr std::string_view kBadInitial = "CLIENT_ERROR invalid numeric initial value";
constexpr std::string_view kBadDelta = "CLIENT_ERROR invalid numeric delta value";
constexpr std::string_view kOpaqueTooLong = "CLIENT_ERROR opaque token too long";
constexpr std::string_view kGetFlagsTooLong = "CLIENT_ERROR options flags are too long";
constexpr std::string_view kFlagsTooLong = "CLIENT_ERROR options flags too long";
constexpr std::string_view kInvalidOrDuplicate = "CLIENT_ERROR invalid or duplicate flag";
constexpr std::string_view kSetMode = "CLIENT_ERROR invalid mode for ms M token";
constexpr std::string_view kArithmeticMode = "CLIENT_ERROR invalid mode for ma M token";
constexpr std::string_view kBadDataChunk = "CLIENT_ERROR bad data chunk";

// Meta commands refuse more than MFLAG_MAX_OPT_LENGTH (20) tokens counting the terminal one.
constexpr size_t kMaxMetaTokens = 20;
// MFLAG_MAX_OPAQUE_LENGTH: the whole O token, letter included.
constexpr size_t kMaxOpaqueLength = 32;

// Decodes the key of a b-flagged request into the request. False if memcached's decoder fails.
bool DecodeKey(MetaRequest* out) {
  char decoded[kMaxDecodedKeyBytes];
  const size_t length = DecodeBase64(out->raw_key, decoded, sizeof(decoded));
  if (length == 0) return false;
  out->base64_key = true;
  out->SetDecodedKey(std::string_view(decoded, length));
  return true;
}

// The switch a flag letter without an argument turns on, or null for letters with one.
bool* SwitchOf(char letter, MetaRequest* out) {
  switch (letter) {
    case 'k':
      return &out->return_key;
    case 's':
      return &out->return_size;
    case 't':
      return &out->return_ttl;
    case 'c':
      return &out->return_cas;
    case 'f':
      return &out->return_client_flags;
    case 'v':
      return &out->return_value;
    case 'h':
      return &out->return_hit;
    case 'l':
      return &out->return_last_access;
    case 'u':
      return &out->no_bump;
    case 'q':
      return &out->quiet;
    case 'I':
      return &out->invalidate;
  }
  return nullptr;
}

// A TTL token (N, T, R): memcached's safe_strtol of what follows the letter.
bool ParseTtl(std::string_view arg, bool* has, int32_t* ttl, std::string_view* error) {
  *has = SafeStrtol(arg, ttl);
  if (!*has) *error = kBadToken;
  return *has;
}

// A 64-bit token: `message` is memcached's error text for a bad one.
bool ParseU64(std::string_view arg, uint64_t* value, std::string_view message,
              std::string_view* error) {
  if (SafeStrtoull(arg, value)) return true;
  *error = message;
  return false;
}

// Reads one flag token into `out`. Returns false when it is bad; *error is then updated as
// memcached updates its errstr (a bad F keeps the previous text).
bool ParseFlag(std::string_view token, MetaRequest* out, std::string_view* error) {
  if (bool* on = SwitchOf(token[0], out)) {
    *on = true;
    return true;
  }
  const std::string_view arg = token.substr(1);
  switch (token[0]) {
    case 'b':
      if (DecodeKey(out)) return true;
      *error = kDecodeKey;
      return false;
    case 'N':
      return ParseTtl(arg, &out->has_vivify, &out->vivify_ttl, error);
    case 'T':
      return ParseTtl(arg, &out->has_ttl, &out->ttl, error);
    case 'R':
      return ParseTtl(arg, &out->has_recache, &out->recache_ttl, error);
    case 'O':
      out->opaque = token;
      return true;
    case 'F':
      out->has_client_flags = SafeStrtoul(arg, &out->client_flags);
      return out->has_client_flags;
    case 'C':
      out->has_compare_cas = ParseU64(arg, &out->compare_cas, kBadToken, error);
      return out->has_compare_cas;
    case 'E':
      out->has_new_cas = ParseU64(arg, &out->new_cas, kBadToken, error);
      return out->has_new_cas;
    case 'M':
      if (token.size() != 2) {
        *error = kModeLength;
        return false;
      }
      out->mode = token[1];
      return true;
    case 'J':
      return ParseU64(arg, &out->initial, kBadInitial, error);
    case 'D':
      return ParseU64(arg, &out->delta, kBadDelta, error);
  }
  return true;  // P and L: proxy hints, ignored
}

bool IsKnownFlag(char c) {
  static constexpr std::string_view kKnown = "bNTROPLkstcfvhluqIFCEMJD";
  return kKnown.find(c) != std::string_view::npos;
}

// memcached's _meta_flag_preparse over tokens [start, count): returns "" when every flag is
// good, else the error text. A duplicate or unknown letter stops at once; other bad tokens
// are noted and the scan goes on, so the last one's text wins.
// REQUIRES: at most kMaxMetaFlags tokens from `start` (callers check memcached's token limit
// first).
std::string_view PreparseFlags(const Tokens& t, size_t start, MetaRequest* out) {
  bool seen[128] = {};
  std::string_view error = kBadFormat;
  bool has_error = false;
  for (size_t i = start; i < t.size(); ++i) {
    const std::string_view token = t[i];
    const auto letter = static_cast<uint8_t>(token[0]);
    if (letter >= 127 || seen[letter]) return kDuplicateFlag;
    seen[letter] = true;
    if (!IsKnownFlag(token[0])) return kInvalidFlag;
    out->flags[out->flag_count++] = MetaFlag{token[0], token};
    if (!ParseFlag(token, out, &error)) has_error = true;
  }
  return has_error ? error : std::string_view();
}

bool OpaqueTooLong(const MetaRequest& r) { return r.opaque.size() > kMaxOpaqueLength; }

// The checks mg, md and ma share before their own: key, token count, flags.
std::string_view CheckKeyAndFlags(const Tokens& t, size_t max_key, std::string_view too_many,
                                  std::string_view bad_flags, MetaRequest* out) {
  if (t[1].size() > max_key) return kBadFormat;
  if (t.ntokens() > kMaxMetaTokens) return too_many;
  out->raw_key = t[1];
  const std::string_view error = PreparseFlags(t, 2, out);
  if (!error.empty()) return bad_flags.empty() ? error : bad_flags;
  return {};
}

}  // namespace

bool LooksLikeMetaCommand(std::string_view input) {
  // memcached tokenizes the line before it looks at the command, so spaces before it are
  // skipped ("  mg foo v" is a meta get); tabs are not separators ("\tmg" is unknown).
  input.remove_prefix(std::min(input.find_first_not_of(' '), input.size()));
  if (input.size() < 3 || input[0] != 'm') return false;
  if (std::string_view("ngsdae").find(input[1]) == std::string_view::npos) return false;
  return input[2] == ' ' || input[2] == '\r' || input[2] == '\n';
}

MetaRequestParser::MetaRequestParser(MetaRequestParserLimits limits) : limits_(limits) {}

namespace {

// One request line, cut and tokenized as memcached does before dispatching on its first token.
struct Line {
  Tokens tokens;
  size_t size = 0;  // bytes of the line, newline included
};

ParseResult ParseGet(const Line& line, const MetaRequestParserLimits& limits, MetaRequest* out) {
  const Tokens& t = line.tokens;
  if (t.size() < 2) return ClientErrorWith(line.size, kError);
  std::string_view error = CheckKeyAndFlags(t, limits.max_key_length, kGetFlagsTooLong, {}, out);
  if (error.empty() && OpaqueTooLong(*out)) error = kOpaqueTooLong;
  if (!error.empty()) return ClientErrorWith(line.size, error);
  out->command = MetaCommand::kGet;
  return ParsedOk(line.size);
}

ParseResult ParseDelete(const Line& line, const MetaRequestParserLimits& limits, MetaRequest* out) {
  const Tokens& t = line.tokens;
  if (t.size() < 2) return ClientErrorWith(line.size, kError);
  std::string_view error =
      CheckKeyAndFlags(t, limits.max_key_length, kFlagsTooLong, kInvalidOrDuplicate, out);
  if (error.empty() && OpaqueTooLong(*out)) error = kOpaqueTooLong;
  if (!error.empty()) return ClientErrorWith(line.size, error);
  out->command = MetaCommand::kDelete;
  return ParsedOk(line.size);
}

ParseResult ParseArithmetic(const Line& line, const MetaRequestParserLimits& limits,
                            MetaRequest* out) {
  const Tokens& t = line.tokens;
  if (t.size() < 2) return ClientErrorWith(line.size, kError);
  std::string_view error =
      CheckKeyAndFlags(t, limits.max_key_length, kFlagsTooLong, kInvalidOrDuplicate, out);
  if (!error.empty()) return ClientErrorWith(line.size, error);
  switch (out->mode) {
    case 0:
    case 'I':
    case '+':
      break;
    case 'D':
    case '-':
      out->decrement = true;
      break;
    default:
      return ClientErrorWith(line.size, kArithmeticMode);
  }
  // memcached applies the delta before it notices a long opaque; refusing first is kinder.
  if (OpaqueTooLong(*out)) return ClientErrorWith(line.size, kOpaqueTooLong);
  out->command = MetaCommand::kArithmetic;
  return ParsedOk(line.size);
}

ParseResult ParseDebug(const Line& line, const MetaRequestParserLimits& limits, MetaRequest* out) {
  const Tokens& t = line.tokens;
  if (t.size() < 2 || t[1].size() > limits.max_key_length)
    return ClientErrorWith(line.size, kBadFormat);
  out->raw_key = t[1];
  // Only a 'b' standing alone right after the key counts; every other token is ignored.
  if (t.size() >= 3 && t[2] == "b" && !DecodeKey(out))
    return ClientErrorWith(line.size, kBadFormat);
  out->command = MetaCommand::kDebug;
  return ParsedOk(line.size);
}

bool SetModeFromToken(char mode, MetaRequest* out) {
  switch (mode) {
    case 0:
    case 'S':
      out->set_mode = MetaSetMode::kSet;
      return true;
    case 'E':
      out->set_mode = MetaSetMode::kAdd;
      return true;
    case 'A':
      out->set_mode = MetaSetMode::kAppend;
      return true;
    case 'P':
      out->set_mode = MetaSetMode::kPrepend;
      return true;
    case 'R':
      out->set_mode = MetaSetMode::kReplace;
      return true;
  }
  return false;
}

ParseResult ParseSet(std::string_view input, const Line& line,
                     const MetaRequestParserLimits& limits, MetaRequest* out) {
  const Tokens& t = line.tokens;
  if (t.size() < 2) return ClientErrorWith(line.size, kError);
  // Refused before the data length is known: memcached then reads the data as commands.
  if (t[1].size() > limits.max_key_length || t.size() == 2) {
    return ClientErrorWith(line.size, kBadFormat);
  }
  if (t.ntokens() > kMaxMetaTokens) return ClientErrorWith(line.size, kFlagsTooLong);
  int32_t length = 0;
  if (!SafeStrtol(t[2], &length) || length < 0 || length > INT32_MAX - 2) {
    return ClientErrorWith(line.size, kBadFormat);
  }
  const size_t data_size = static_cast<size_t>(length) + 2;  // the data and its CRLF
  out->raw_key = t[1];
  std::string_view error = PreparseFlags(t, 3, out);
  if (error.empty() && !SetModeFromToken(out->mode, out)) error = kSetMode;
  if (error.empty() && OpaqueTooLong(*out)) error = kOpaqueTooLong;
  // From here on memcached knows the data length and drops the data of a refused request.
  if (!error.empty()) return ClientErrorWith(line.size, error, data_size);
  out->command = MetaCommand::kSet;
  if (MemcachedItemSize(out->key().size(), static_cast<size_t>(length), out->client_flags) >
      limits.max_item_bytes) {
    // Checked last, as memcached's item_alloc comes after every check above. Not an error of the
    // parser's: memcached also deletes the old item, which only the executor can do, and it
    // answers before the data arrives, which is swallowed whatever it holds.
    out->too_large = true;
    return ParsedOk(line.size, data_size);
  }
  const size_t total = line.size + data_size;
  if (input.size() < total) return NeedMore();
  // memcached reads exactly length + 2 bytes and checks only that they end in CRLF.
  if (input[total - 2] != '\r' || input[total - 1] != '\n')
    return ClientErrorWith(total, kBadDataChunk);
  out->value = input.substr(line.size, static_cast<size_t>(length));
  return ParsedOk(total);
}

}  // namespace

bool MetaRequestParser::ParseSetHeader(std::string_view input, MetaRequest* out, size_t* line_bytes,
                                       size_t* value_bytes) const {
  const size_t window = std::min(input.size(), limits_.max_line_length + 1);
  const size_t newline = input.substr(0, window).find('\n');
  if (newline == std::string_view::npos) return false;
  const size_t line_size = newline + 1;
  // Given its command line alone, an ms that would be kept asks for its data block; anything
  // else is answered (or refused) from its line.
  const ParseResult result = Parse(input.substr(0, line_size), out);
  if (result.status != ParseStatus::kNeedMore || out->command != MetaCommand::kSet) return false;
  Line line;
  line.tokens.Tokenize(CommandLine(input, newline));
  int32_t length = 0;
  if (!SafeStrtol(line.tokens[2], &length)) return false;  // Parse has checked it already
  if (input.size() >= line_size + static_cast<size_t>(length) + 2) return false;
  *line_bytes = line_size;
  *value_bytes = static_cast<size_t>(length);
  return true;
}

ParseResult MetaRequestParser::EndDataBlock(size_t line_bytes, size_t value_bytes,
                                            std::string_view trailer) {
  const size_t total = line_bytes + value_bytes + 2;
  if (trailer != "\r\n") return ClientErrorWith(total, kBadDataChunk);
  return ParsedOk(total);
}

ParseResult MetaRequestParser::Parse(std::string_view input, MetaRequest* out) const {
  // memcached closes a connection whose buffer holds more than 2048 bytes without a newline;
  // looking only at the first max_line_length + 1 bytes makes that independent of how the
  // bytes arrived.
  const size_t window = std::min(input.size(), limits_.max_line_length + 1);
  const size_t newline = input.substr(0, window).find('\n');
  if (newline == std::string_view::npos) {
    return input.size() > limits_.max_line_length ? MustCloseSilently() : NeedMore();
  }
  Line line;
  line.size = newline + 1;
  line.tokens.Tokenize(CommandLine(input, newline));
  out->Clear();

  const Tokens& t = line.tokens;
  const bool meta = t.size() > 0 && t[0].size() == 2 && t[0][0] == 'm';
  switch (meta ? t[0][1] : 0) {
    case 'n':
      out->command = MetaCommand::kNoop;
      return ParsedOk(line.size);
    case 'g':
      return ParseGet(line, limits_, out);
    case 's':
      return ParseSet(input, line, limits_, out);
    case 'd':
      return ParseDelete(line, limits_, out);
    case 'a':
      return ParseArithmetic(line, limits_, out);
    case 'e':
      return ParseDebug(line, limits_, out);
  }
  // Not a meta command after all (a caller that did not ask LooksLikeMetaCommand, or "mg\r\r\n").
  // memcached drops a connection whose unknown command line ends in an HTTP version.
  if (t.size() > 0 && t.back().substr(0, 5) == "HTTP/") return MustCloseSilently();
  return ClientErrorWith(line.size, kError);
}

}  // namespace memkv::protocol
