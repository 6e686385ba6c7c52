#include "protocol/memcache/auth_request_parser.h"

#include <cstdint>
#include <cstring>

#include "protocol/memcache/numbers.h"
#include "protocol/memcache/tokenizer.h"

namespace memkv::protocol {
namespace {

using memcache_internal::NextToken;

// memcached gives up on a line with no newline after this many bytes (try_read_command_*).
constexpr size_t kMaxLineBytes = 2048;

constexpr std::string_view kUnauthenticated = "CLIENT_ERROR unauthenticated";
constexpr std::string_view kBadTermination = "CLIENT_ERROR bad command line termination";
constexpr std::string_view kBadFormat = "CLIENT_ERROR bad authentication token format";

// The data length of an authentication `set` line, or false when the line is not one. The line
// keeps its '\r' (memcached's auth path does not strip it: safe_strtoul stops at it).
bool AuthSetLength(std::string_view line, uint32_t* length) {
  if (const void* nul = std::memchr(line.data(), '\0', line.size())) {
    line = line.substr(0, static_cast<const char*>(nul) - line.data());  // read as a C string
  }
  std::string_view tokens[5];
  for (std::string_view& token : tokens) {
    token = NextToken(&line);
    if (token.empty()) return false;
  }
  return tokens[0] == "set" && memcache_internal::SafeStrtoul(tokens[4], length);
}

}  // namespace

ParseResult ParseAuthRequest(std::string_view input, AuthRequest* request) {
  // No request is shorter than two bytes; memcached waits for a second one.
  if (input.size() < 2) return NeedMore();
  const size_t newline = input.find('\n');
  if (newline == std::string_view::npos) {
    return input.size() > kMaxLineBytes ? MustCloseSilently() : NeedMore();
  }
  const size_t line_bytes = newline + 1;
  uint32_t length = 0;
  if (!AuthSetLength(input.substr(0, newline), &length)) {
    return ClientErrorWith(line_bytes, kUnauthenticated);
  }
  if (length > kMaxAuthValueBytes) return MustCloseSilently();
  const size_t total = line_bytes + length + 2;
  if (input.size() < total) return NeedMore();
  if (input.substr(line_bytes + length, 2) != "\r\n") {
    return ClientErrorWith(total, kBadTermination);
  }
  std::string_view value = input.substr(line_bytes, length);
  if (const void* nul = std::memchr(value.data(), '\0', value.size())) {
    value = value.substr(0, static_cast<const char*>(nul) - value.data());
  }
  request->user = NextToken(&value);
  request->password = NextToken(&value);
  if (request->password.empty()) return ClientErrorWith(total, kBadFormat);
  return ParsedOk(total);
}

}  // namespace memkv::protocol
