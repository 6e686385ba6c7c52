// ParseAuthRequest: memcached 1.6.18's unauthenticated phase (-Y), case by case as memcached was
// seen to answer (tests/server/auth_oracle_test.py compares the running servers), and every case
// again cut into fragments of every size.
#include "protocol/memcache/auth_request_parser.h"

#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "gtest/gtest.h"

namespace memkv::protocol {
namespace {

// One result as text: "status consumed error user/password".
std::string Describe(const ParseResult& r, const AuthRequest& request) {
  std::string text = absl::StrCat(std::string(ParseStatusName(r.status)), " ", r.consumed);
  if (!r.error.empty()) absl::StrAppend(&text, " ", std::string(r.error));
  if (r.status == ParseStatus::kOk) {
    absl::StrAppend(&text, " ", std::string(request.user), "/", std::string(request.password));
  }
  return text;
}

// Feeds `input` `step` bytes at a time, taking every request as soon as it is whole; returns the
// results, one per line, and what was left unparsed.
std::string ParseInSteps(std::string_view input, size_t step) {
  std::string buffer, transcript;
  for (size_t pos = 0; pos < input.size();) {
    const size_t n = std::min(step, input.size() - pos);
    buffer.append(input.substr(pos, n));
    pos += n;
    for (;;) {
      AuthRequest request;
      const ParseResult r = ParseAuthRequest(buffer, &request);
      if (r.status == ParseStatus::kNeedMore) break;
      absl::StrAppend(&transcript, Describe(r, request), "\n");
      if (r.status == ParseStatus::kMustClose) return transcript + "closed";
      buffer.erase(0, r.consumed);
    }
  }
  return absl::StrCat(transcript, "left ", buffer.size());
}

struct Case {
  std::string input;
  std::string expected;  // ParseInSteps(input, whole)
};

std::vector<Case> Cases() {
  return {
      {"set x 0 0 12\r\nalice secret\r\n", "ok 28 alice/secret\nleft 0"},
      {"get a\r\n", "client_error 7 CLIENT_ERROR unauthenticated\nleft 0"},
      {"mg a v\r\nquit\r\n",
       "client_error 8 CLIENT_ERROR unauthenticated\n"
       "client_error 6 CLIENT_ERROR unauthenticated\nleft 0"},
      {"\r\n", "client_error 2 CLIENT_ERROR unauthenticated\nleft 0"},
      {"\n", "left 1"},  // memcached waits for a second byte
      {"SET x 0 0 3\r\na b\r\n",
       "client_error 13 CLIENT_ERROR unauthenticated\n"
       "client_error 5 CLIENT_ERROR unauthenticated\nleft 0"},
      {"set x 0 0\r\n", "client_error 11 CLIENT_ERROR unauthenticated\nleft 0"},
      {"set x 0 0 12abc\r\n", "client_error 17 CLIENT_ERROR unauthenticated\nleft 0"},
      {"set x 0 0 -1\r\n", "client_error 14 CLIENT_ERROR unauthenticated\nleft 0"},
      // Flags, exptime, extra tokens and noreply do not matter; +N and 0N are numbers.
      {"set x a b +3 noreply 7\r\na b\r\n", "ok 29 a/b\nleft 0"},
      {"set x 0 0 03\r\na b\r\n", "ok 19 a/b\nleft 0"},
      {"set  x 0 0 3\na b\r\n", "ok 18 a/b\nleft 0"},
      // The data block: extra spaces and tokens, a bad end, too few tokens.
      {"set x 0 0 13\r\nalice  secret\r\n", "ok 29 alice/secret\nleft 0"},
      {"set x 0 0 14\r\nalice secret x\r\n", "ok 30 alice/secret\nleft 0"},
      {"set x 0 0 9\r\nalicebadd\r\n",
       "client_error 24 CLIENT_ERROR bad authentication token format\nleft 0"},
      {"set x 0 0 7\r\n secret\r\n",
       "client_error 22 CLIENT_ERROR bad authentication token format\nleft 0"},
      {"set x 0 0 12\r\nalice\tsecret\r\n",
       "client_error 28 CLIENT_ERROR bad authentication token format\nleft 0"},
      {"set x 0 0 12\r\nalice secretXYversion\r\n",
       "client_error 28 CLIENT_ERROR bad command line termination\n"
       "client_error 9 CLIENT_ERROR unauthenticated\nleft 0"},
      {"set x 0 0 12\r\nalice secret\n", "left 27"},  // waits for 12 + 2 bytes
      // Lines: no newline after 2048 bytes closes; a data block above the bound closes.
      {std::string(2049, 'x'), "must_close 0\nclosed"},
      {std::string(2048, 'x'), "left 2048"},
      {absl::StrCat("set x 0 0 ", kMaxAuthValueBytes + 1, "\r\n"), "must_close 0\nclosed"},
  };
}

TEST(AuthRequestParserTest, EveryCaseAsMemcachedAnswersIt) {
  for (const Case& c : Cases()) {
    SCOPED_TRACE(c.input.substr(0, 60));
    EXPECT_EQ(ParseInSteps(c.input, c.input.size() + 1), c.expected);
  }
}

TEST(AuthRequestParserTest, EveryCaseParsesTheSameAtEveryFragmentSize) {
  for (const Case& c : Cases()) {
    for (size_t step : {1, 2, 3, 5, 7, 10, 100}) {
      SCOPED_TRACE(absl::StrCat(c.input.substr(0, 60), " step ", step));
      EXPECT_EQ(ParseInSteps(c.input, step), c.expected);
    }
  }
}

TEST(AuthRequestParserTest, TakesOneRequestAtATime) {
  AuthRequest request;
  const ParseResult r = ParseAuthRequest("set k 0 0 3\r\nu p\r\nget k\r\n", &request);
  EXPECT_EQ(r.status, ParseStatus::kOk);
  EXPECT_EQ(r.consumed, 18u);
  EXPECT_EQ(request.user, "u");
  EXPECT_EQ(request.password, "p");
}

}  // namespace
}  // namespace memkv::protocol
