// RespRequestParser: every request form and every protocol error, with Redis 7.0.15's exact error
// text; every case again cut into fragments of 1, 2, 3, 5, 7, 10 and 100 bytes, fed cumulatively as
// a connection feeds them; and hostile lengths and counts, checking that nothing the client merely
// claims is ever allocated.
#include "protocol/resp/resp_request_parser.h"

#include <atomic>
#include <cstdlib>
#include <new>
#include <string>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"

// The largest single allocation made while `g_track` is on: a parser that reserved what a client
// claims (a 512 MB bulk, a million arguments) shows up here.
// The replacement new/delete pair below uses malloc/free on purpose; GCC cannot see that they
// belong together once inlined.
#pragma GCC diagnostic ignored "-Wmismatched-new-delete"
static std::atomic<bool> g_track{false};
static std::atomic<size_t> g_largest{0};

void* operator new(size_t size) {
  if (g_track.load(std::memory_order_relaxed) && size > g_largest.load()) g_largest = size;
  void* p = std::malloc(size == 0 ? 1 : size);
  if (p == nullptr) throw std::bad_alloc();
  return p;
}
void operator delete(void* p) noexcept { std::free(p); }
void operator delete(void* p, size_t) noexcept { std::free(p); }

namespace memkv::protocol {
namespace {

using ::testing::ElementsAre;
using ::testing::IsEmpty;

// What parsing a stream yields: each request's arguments, then how it ended.
struct Outcome {
  std::vector<std::vector<std::string>> requests;
  std::vector<bool> inline_flags;
  ParseStatus last = ParseStatus::kNeedMore;  // kNeedMore: ran out of input
  std::string error;
  size_t leftover = 0;  // bytes received but not consumed at the end

  bool operator==(const Outcome& other) const {
    return requests == other.requests && inline_flags == other.inline_flags && last == other.last &&
           error == other.error && leftover == other.leftover;
  }
};

std::ostream& operator<<(std::ostream& os, const Outcome& o) {
  os << o.requests.size() << " requests [";
  for (const auto& r : o.requests) {
    os << "(";
    for (const auto& a : r) os << "'" << a << "' ";
    os << ")";
  }
  return os << "] last=" << ParseStatusName(o.last) << " error='" << o.error
            << "' leftover=" << o.leftover;
}

// A request refused with kClientError shows in Outcome::requests as {kRefused, its error}.
constexpr std::string_view kRefused = "<refused>";

// Feeds `input` `fragment` bytes at a time, as a connection appends each read to its buffer and
// parses as many requests as it can, dropping a refused argument's `swallow` bytes as they arrive
// without buffering them. Each call sees a fresh copy of the buffer, so a parser that kept
// pointers into an old buffer across kNeedMore would read freed memory (and fail under ASan).
Outcome Feed(std::string_view input, size_t fragment, RespRequestParserLimits limits = {},
             bool authenticated = true) {
  RespRequestParser parser(limits);
  parser.set_authenticated(authenticated);
  Outcome outcome;
  std::string buffer;
  size_t swallow = 0;
  size_t pos = 0;
  while (pos < input.size()) {
    size_t n = std::min(fragment, input.size() - pos);
    buffer.append(input.substr(pos, n));
    pos += n;
    while (true) {
      const size_t dropped = std::min(swallow, buffer.size());
      buffer.erase(0, dropped);
      swallow -= dropped;
      if (swallow > 0) break;
      std::string copy = buffer;
      RespRequest request;
      ParseResult result = parser.Parse(copy, &request);
      if (result.status == ParseStatus::kOk) {
        EXPECT_GT(result.consumed, 0u);
        std::vector<std::string> args(request.args.begin(), request.args.end());
        outcome.requests.push_back(args);
        outcome.inline_flags.push_back(request.is_inline);
        buffer.erase(0, result.consumed);
        continue;
      }
      if (result.status == ParseStatus::kNeedMore) {
        EXPECT_EQ(result.consumed, 0u);
        break;
      }
      if (result.status == ParseStatus::kClientError) {
        outcome.requests.push_back({std::string(kRefused), std::string(result.error)});
        outcome.inline_flags.push_back(false);
        buffer.erase(0, result.consumed);
        swallow = result.swallow;
        continue;
      }
      outcome.last = result.status;
      outcome.error = std::string(result.error);
      outcome.leftover = 0;
      return outcome;
    }
  }
  outcome.leftover = buffer.size();
  return outcome;
}

Outcome Whole(std::string_view input, RespRequestParserLimits limits = {},
              bool authenticated = true) {
  return Feed(input, input.size() + 1, limits, authenticated);
}

RespRequestParserLimits Inline() {
  RespRequestParserLimits limits;
  limits.allow_inline = true;
  return limits;
}

// Every case, at every fragment size, must parse as the whole buffer does.
void ExpectSameAtEveryFragmentSize(std::string_view input, RespRequestParserLimits limits = {},
                                   bool authenticated = true) {
  Outcome whole = Whole(input, limits, authenticated);
  for (size_t fragment : {1, 2, 3, 5, 7, 10, 100}) {
    EXPECT_EQ(Feed(input, fragment, limits, authenticated), whole) << "fragment " << fragment;
  }
}

std::vector<std::string> Args(std::initializer_list<std::string> args) { return args; }

TEST(RespRequestParserTest, SingleMultibulk) {
  std::string input = "*1\r\n$4\r\nPING\r\n";
  Outcome o = Whole(input);
  EXPECT_THAT(o.requests, ElementsAre(Args({"PING"})));
  EXPECT_EQ(o.last, ParseStatus::kNeedMore);
  EXPECT_EQ(o.leftover, 0u);
  ExpectSameAtEveryFragmentSize(input);
}

TEST(RespRequestParserTest, ConsumedCoversExactlyOneRequest) {
  RespRequestParser parser;
  RespRequest request;
  std::string input = "*2\r\n$3\r\nGET\r\n$1\r\nk\r\n*1\r\n$4\r\nPING\r\n";
  ParseResult result = parser.Parse(input, &request);
  ASSERT_EQ(result.status, ParseStatus::kOk);
  EXPECT_EQ(result.consumed, 20u);
  EXPECT_THAT(request.args, ElementsAre("GET", "k"));
  EXPECT_FALSE(request.is_inline);
  // Arguments are views into the input, not copies.
  EXPECT_EQ(request.args[1].data(), input.data() + 17);
}

TEST(RespRequestParserTest, PipelinedRequestsOfManyShapes) {
  std::string input =
      "*3\r\n$3\r\nSET\r\n$3\r\nkey\r\n$5\r\nvalue\r\n"
      "*2\r\n$3\r\nGET\r\n$3\r\nkey\r\n"
      "*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$0\r\n\r\n"    // empty argument
      "*2\r\n$4\r\nECHO\r\n$8\r\na\r\nb c\r\n\r\n"  // CR, LF inside data
      "*9\r\n$4\r\nMSET\r\n$1\r\na\r\n$1\r\n1\r\n$1\r\nb\r\n$1\r\n2\r\n$1\r\nc\r\n$1\r\n3\r\n"
      "$1\r\nd\r\n$1\r\n4\r\n";
  Outcome o = Whole(input);
  ASSERT_EQ(o.requests.size(), 5u) << o;
  EXPECT_EQ(o.requests[0], Args({"SET", "key", "value"}));
  EXPECT_EQ(o.requests[1], Args({"GET", "key"}));
  EXPECT_EQ(o.requests[2], Args({"SET", "k", ""}));
  EXPECT_EQ(o.requests[3], Args({"ECHO", "a\r\nb c\r\n"}));
  EXPECT_EQ(o.requests[4].size(), 9u);
  ExpectSameAtEveryFragmentSize(input);
}

TEST(RespRequestParserTest, BinarySafeBulk) {
  std::string value("a\r\nb\0c\r\n", 8);
  std::string input = "*2\r\n$4\r\nECHO\r\n$8\r\n" + value + "\r\n";
  Outcome o = Whole(input);
  ASSERT_EQ(o.requests.size(), 1u);
  EXPECT_EQ(o.requests[0][1], value);
  ExpectSameAtEveryFragmentSize(input);
}

TEST(RespRequestParserTest, EmptyAndNullMultibulkAreSkippedAsRedisDoes) {
  // Redis consumes "*0" and "*-1" (any count <= 0) and runs nothing.
  std::string input = "*0\r\n*-1\r\n*-5\r\n*1\r\n$4\r\nPING\r\n";
  Outcome o = Whole(input);
  EXPECT_THAT(o.requests, ElementsAre(IsEmpty(), IsEmpty(), IsEmpty(), Args({"PING"})));
  ExpectSameAtEveryFragmentSize(input);
}

TEST(RespRequestParserTest, LargeBulkArrivingSlowly) {
  std::string value(100000, 'v');
  std::string input = "*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$100000\r\n" + value + "\r\n";
  Outcome o = Whole(input);
  ASSERT_EQ(o.requests.size(), 1u);
  EXPECT_EQ(o.requests[0][2], value);
  for (size_t fragment : {1000, 4096, 65536}) EXPECT_EQ(Feed(input, fragment), o);
}

TEST(RespRequestParserTest, ManyArgumentsArrivingSlowly) {
  std::string input = "*5001\r\n$4\r\nMGET\r\n";
  for (int i = 0; i < 5000; ++i) {
    std::string key = "key:" + std::to_string(i);
    input += "$" + std::to_string(key.size()) + "\r\n" + key + "\r\n";
  }
  Outcome o = Whole(input);
  ASSERT_EQ(o.requests.size(), 1u);
  ASSERT_EQ(o.requests[0].size(), 5001u);
  EXPECT_EQ(o.requests[0][4321], "key:4320");
  for (size_t fragment : {7, 100, 1000}) EXPECT_EQ(Feed(input, fragment), o);
}

TEST(RespRequestParserTest, IncompleteInputNeedsMore) {
  for (const std::string& input : std::vector<std::string>{
           "*", "*1", "*1\r", "*1\r\n", "*1\r\n$", "*1\r\n$4", "*1\r\n$4\r", "*1\r\n$4\r\n",
           "*1\r\n$4\r\nPI", "*1\r\n$4\r\nPING", "*1\r\n$4\r\nPING\r", "*1\r\n$4\r\nPINGx",
           // Redis finds a line's end with strchr: a NUL before it hides it.
           std::string("*\0\r\n", 4), std::string("*1\r\n$\0\r\n", 8),
           std::string("*1\0\r\n$4\r\nPING\r\n", 16)}) {
    RespRequestParser parser;
    RespRequest request;
    ParseResult result = parser.Parse(input, &request);
    EXPECT_EQ(result.status, ParseStatus::kNeedMore) << input;
    EXPECT_EQ(result.consumed, 0u);
  }
}

TEST(RespRequestParserTest, ResetForgetsAPartialRequest) {
  RespRequestParser parser;
  RespRequest request;
  EXPECT_EQ(parser.Parse("*2\r\n$3\r\nGET\r\n", &request).status, ParseStatus::kNeedMore);
  parser.Reset();
  ParseResult result = parser.Parse("*1\r\n$4\r\nPING\r\n", &request);
  ASSERT_EQ(result.status, ParseStatus::kOk);
  EXPECT_THAT(request.args, ElementsAre("PING"));
}

// --- Protocol errors: Redis 7.0.15's exact reply text, then close. ---

struct ErrorCase {
  std::string input;
  std::string error;
};

class RespRequestParserErrorTest : public ::testing::TestWithParam<ErrorCase> {};

TEST_P(RespRequestParserErrorTest, MustCloseWithRedisText) {
  const ErrorCase& c = GetParam();
  Outcome o = Whole(c.input);
  EXPECT_EQ(o.last, ParseStatus::kMustClose) << o;
  EXPECT_EQ(o.error, c.error);
  ExpectSameAtEveryFragmentSize(c.input);
}

INSTANTIATE_TEST_SUITE_P(
    Redis, RespRequestParserErrorTest,
    ::testing::Values(
        // Each reply below is what redis-server 7.0.15 sends before closing.
        ErrorCase{"*abc\r\n", "-ERR Protocol error: invalid multibulk length"},
        ErrorCase{"*01\r\n$4\r\nPING\r\n", "-ERR Protocol error: invalid multibulk length"},
        ErrorCase{"*+1\r\n$4\r\nPING\r\n", "-ERR Protocol error: invalid multibulk length"},
        ErrorCase{"* 1\r\n", "-ERR Protocol error: invalid multibulk length"},
        ErrorCase{"*3000000000\r\n", "-ERR Protocol error: invalid multibulk length"},
        ErrorCase{"*99999999999999999999\r\n", "-ERR Protocol error: invalid multibulk length"},
        ErrorCase{"*1\r\n$-1\r\n", "-ERR Protocol error: invalid bulk length"},
        ErrorCase{"*1\r\n$04\r\nPING\r\n", "-ERR Protocol error: invalid bulk length"},
        ErrorCase{"*1\r\n$ 4\r\nPING\r\n", "-ERR Protocol error: invalid bulk length"},
        ErrorCase{"*1\r\n$4 \r\nPING\r\n", "-ERR Protocol error: invalid bulk length"},
        ErrorCase{"*1\r\n$536870913\r\n", "-ERR Protocol error: invalid bulk length"},
        ErrorCase{"*1\r\nX4\r\n", "-ERR Protocol error: expected '$', got 'X'"},
        ErrorCase{"*2\r\n$4\r\nECHO\r\n:4\r\n", "-ERR Protocol error: expected '$', got ':'"},
        ErrorCase{"PING\r\n", "-ERR Protocol error: expected '*', got 'P'"},  // inline not allowed
        // Redis writes a CR or LF in an error's text as a space (addReplyErrorFormat): the reply
        // must stay one line. Found by tests/fuzz/resp_request_parser_fuzzer.
        ErrorCase{"*1\r\n\r\n", "-ERR Protocol error: expected '$', got ' '"},
        ErrorCase{"*1\r\n\n\r\n", "-ERR Protocol error: expected '$', got ' '"},
        ErrorCase{"\r\n", "-ERR Protocol error: expected '*', got ' '"},
        ErrorCase{"*" + std::string(70000, '1'), "-ERR Protocol error: too big mbulk count string"},
        ErrorCase{"*1\r\n$" + std::string(70000, '1'),
                  "-ERR Protocol error: too big bulk count string"},
        // The byte after a header's CR is skipped whatever it is: here it is the CR of "\r\r\n".
        ErrorCase{"*1\r\r\n$4\r\nPING\r\n", "-ERR Protocol error: expected '$', got ' '"},
        // Over INT_MAX arguments.
        ErrorCase{"*2147483648\r\n", "-ERR Protocol error: invalid multibulk length"},
        ErrorCase{"*-0\r\n", "-ERR Protocol error: invalid multibulk length"},
        ErrorCase{"*\r\n", "-ERR Protocol error: invalid multibulk length"},
        ErrorCase{"*1\r\n$\r\n", "-ERR Protocol error: invalid bulk length"},
        // A NUL hides a line's end until the buffered line is too long.
        ErrorCase{std::string("*\0\r\n", 4) + std::string(70000, 'x'),
                  "-ERR Protocol error: too big mbulk count string"},
        ErrorCase{std::string("*1\r\n$\0\r\n", 8) + std::string(70000, 'x'),
                  "-ERR Protocol error: too big bulk count string"},
        // A 1 GB bulk: over the 512 MB proto-max-bulk-len default.
        ErrorCase{"*1\r\n$1073741824\r\n", "-ERR Protocol error: invalid bulk length"}));

TEST(RespRequestParserTest, ErrorAfterGoodRequests) {
  std::string input = "*1\r\n$4\r\nPING\r\n*1\r\n$-3\r\n*1\r\n$4\r\nPING\r\n";
  Outcome o = Whole(input);
  EXPECT_THAT(o.requests, ElementsAre(Args({"PING"})));
  EXPECT_EQ(o.last, ParseStatus::kMustClose);
  EXPECT_EQ(o.error, "-ERR Protocol error: invalid bulk length");
  ExpectSameAtEveryFragmentSize(input);
}

TEST(RespRequestParserTest, LimitsAreConfigurable) {
  RespRequestParserLimits limits;
  limits.max_bulk_bytes = 10;
  limits.max_multibulk_count = 3;
  EXPECT_EQ(Whole("*1\r\n$10\r\n0123456789\r\n", limits).requests.size(), 1u);
  EXPECT_EQ(Whole("*1\r\n$11\r\n", limits).error, "-ERR Protocol error: invalid bulk length");
  EXPECT_EQ(Whole("*3\r\n$1\r\na\r\n$1\r\nb\r\n$1\r\nc\r\n", limits).requests.size(), 1u);
  EXPECT_EQ(Whole("*4\r\n", limits).error, "-ERR Protocol error: invalid multibulk length");
  limits.max_request_bytes = 30;
  limits.max_bulk_bytes = 100;
  // Over client-query-buffer-limit Redis closes without a reply.
  const auto too_big = Whole("*2\r\n$10\r\n0123456789\r\n$10\r\n", limits);
  EXPECT_EQ(too_big.last, ParseStatus::kMustClose);
  EXPECT_EQ(too_big.error, "");
  ExpectSameAtEveryFragmentSize("*2\r\n$10\r\n0123456789\r\n$10\r\n0123456789\r\n", limits);
}

TEST(RespRequestParserTest, ForMaxItemBytes) {
  RespRequestParserLimits small = RespRequestParserLimits::ForMaxItemBytes(1000, true);
  EXPECT_EQ(small.max_kept_bulk_bytes, size_t{1} << 20);  // never below 1 MB
  EXPECT_EQ(small.max_bulk_bytes, size_t{512} << 20);     // Redis's proto-max-bulk-len
  EXPECT_TRUE(small.allow_inline);
  RespRequestParserLimits big = RespRequestParserLimits::ForMaxItemBytes(size_t{8} << 20, false);
  EXPECT_EQ(big.max_kept_bulk_bytes, size_t{8} << 20);
  EXPECT_FALSE(big.allow_inline);
}

// --- What Redis reads loosely, read the same way. ---

TEST(RespRequestParserTest, BytesAfterCrAndAfterDataAreSkippedUnread) {
  // Redis 7.0.15 answers +PONG to each of these.
  for (std::string input :
       {"*1\r\n$4\r\nPINGXX*1\r\n$4\r\nPING\r\n", "*1\rX$4\rYPINGab*1\r\n$4\r\nPING\r\n"}) {
    Outcome o = Whole(input);
    EXPECT_THAT(o.requests, ElementsAre(Args({"PING"}), Args({"PING"}))) << o;
    EXPECT_EQ(o.last, ParseStatus::kNeedMore);
    ExpectSameAtEveryFragmentSize(input);
  }
}

TEST(RespRequestParserTest, CountsUpToIntMaxAreAccepted) {
  // Redis 7 waits for the arguments of any count up to INT_MAX.
  for (std::string input : {"*1048577\r\n", "*2147483647\r\n$1\r\na\r\n"}) {
    Outcome o = Whole(input);
    EXPECT_EQ(o.last, ParseStatus::kNeedMore) << o;
    EXPECT_TRUE(o.requests.empty());
    ExpectSameAtEveryFragmentSize(input);
  }
}

TEST(RespRequestParserTest, NulBeforeLineEndWaits) {
  // strchr stops at the NUL: Redis waits for more input, then refuses once the line is too long.
  const std::string inline_nul("PI\0NG\r\n", 7);
  Outcome o = Whole(inline_nul, Inline());
  EXPECT_TRUE(o.requests.empty());
  EXPECT_EQ(o.last, ParseStatus::kNeedMore);
  EXPECT_EQ(o.leftover, inline_nul.size());
  ExpectSameAtEveryFragmentSize(inline_nul, Inline());
  const std::string long_nul = inline_nul + std::string(70000, 'x');
  EXPECT_EQ(Whole(long_nul, Inline()).error, "-ERR Protocol error: too big inline request");
  ExpectSameAtEveryFragmentSize(long_nul, Inline());
}

TEST(RespRequestParserTest, UnauthenticatedLimits) {
  // Redis 7 (authRequired): at most 10 arguments and 16 KB bulks before AUTH.
  const std::string ten = "*10\r\n";
  EXPECT_EQ(Whole(ten, {}, false).last, ParseStatus::kNeedMore);
  EXPECT_EQ(Whole("*11\r\n", {}, false).error,
            "-ERR Protocol error: unauthenticated multibulk length");
  EXPECT_EQ(Whole("*11\r\n").last, ParseStatus::kNeedMore);
  EXPECT_EQ(Whole("*1\r\n$16384\r\n", {}, false).last, ParseStatus::kNeedMore);
  EXPECT_EQ(Whole("*1\r\n$16385\r\n", {}, false).error,
            "-ERR Protocol error: unauthenticated bulk length");
  // proto-max-bulk-len is checked first, as Redis does.
  EXPECT_EQ(Whole("*1\r\n$536870913\r\n", {}, false).error,
            "-ERR Protocol error: invalid bulk length");
  EXPECT_EQ(Whole("*2147483648\r\n", {}, false).error,
            "-ERR Protocol error: invalid multibulk length");
  // Empty and null multibulks pass.
  EXPECT_THAT(Whole("*-20\r\n*0\r\n", {}, false).requests, ElementsAre(IsEmpty(), IsEmpty()));
  ExpectSameAtEveryFragmentSize("*1\r\n$4\r\nPING\r\n*11\r\n", {}, false);
}

// --- A bulk too long to keep is skipped, not buffered, and its request refused. ---

RespRequestParserLimits KeepAtMost(size_t bytes) {
  RespRequestParserLimits limits;
  limits.max_kept_bulk_bytes = bytes;
  return limits;
}

const std::string kTooLarge(kTooLargeArgument);

TEST(RespRequestParserTest, TooLargeLastArgumentIsSkipped) {
  const std::string big(20, 'v');
  const std::string input = "*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$20\r\n" + big +
                            "\r\n*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$10\r\n0123456789\r\n";
  Outcome o = Whole(input, KeepAtMost(10));
  // The skip (no reply yet), then the step that reads the request's last two bytes (the reply).
  EXPECT_THAT(o.requests, ElementsAre(Args({std::string(kRefused), ""}),
                                      Args({std::string(kRefused), kTooLarge}),
                                      Args({"SET", "k", "0123456789"})))
      << o;
  EXPECT_EQ(o.last, ParseStatus::kNeedMore);
  EXPECT_EQ(o.leftover, 0u);
  ExpectSameAtEveryFragmentSize(input, KeepAtMost(10));
}

TEST(RespRequestParserTest, TooLargeArgumentsAnywhereRefuseTheRequestOnce) {
  const std::string big(30, 'v');
  const std::string input = "*5\r\n$3\r\nSET\r\n$30\r\n" + big + "\r\n$30\r\n" + big +
                            "\r\n$2\r\nEX\r\n$2\r\n10\r\n*1\r\n$4\r\nPING\r\n";
  Outcome o = Whole(input, KeepAtMost(10));
  // One step per skipped bulk; only the request's last step carries the reply.
  EXPECT_THAT(o.requests,
              ElementsAre(Args({std::string(kRefused), ""}), Args({std::string(kRefused), ""}),
                          Args({std::string(kRefused), kTooLarge}), Args({"PING"})))
      << o;
  ExpectSameAtEveryFragmentSize(input, KeepAtMost(10));
}

TEST(RespRequestParserTest, ProtocolErrorAfterASkippedBulkStillCloses) {
  const std::string input = "*3\r\n$3\r\nSET\r\n$20\r\n" + std::string(20, 'v') + "\r\n$-5\r\n";
  Outcome o = Whole(input, KeepAtMost(10));
  EXPECT_THAT(o.requests, ElementsAre(Args({std::string(kRefused), ""})));
  EXPECT_EQ(o.last, ParseStatus::kMustClose);
  EXPECT_EQ(o.error, "-ERR Protocol error: invalid bulk length");
  ExpectSameAtEveryFragmentSize(input, KeepAtMost(10));
}

TEST(RespRequestParserTest, SkippedBulkIsNeitherBufferedNorAllocated) {
  // 4 MB announced with 1 MB kept: the header is consumed and the data left to swallow, so the
  // caller never holds more than what one read brought.
  RespRequestParser parser(KeepAtMost(size_t{1} << 20));
  RespRequest request;
  const std::string head = "*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$4000000\r\n";
  const std::string input = head + std::string(1000, 'v');
  g_largest = 0;
  g_track = true;
  ParseResult result = parser.Parse(input, &request);
  g_track = false;
  EXPECT_EQ(result.status, ParseStatus::kClientError);
  EXPECT_EQ(result.consumed, head.size());
  EXPECT_EQ(result.swallow, 4000000u);
  EXPECT_EQ(result.error, "");  // answered once the rest of the request is in
  EXPECT_LT(g_largest.load(), 4096u);
  // The two bytes after the data end the request: now the reply.
  result = parser.Parse("\r\n", &request);
  EXPECT_EQ(result.status, ParseStatus::kClientError);
  EXPECT_EQ(result.consumed, 2u);
  EXPECT_EQ(result.error, kTooLargeArgument);
  // Until they are in, nothing.
  EXPECT_EQ(parser.Parse(head, &request).status, ParseStatus::kClientError);
  EXPECT_EQ(parser.Parse("x", &request).status, ParseStatus::kNeedMore);
  // Past proto-max-bulk-len it is still the protocol error.
  RespRequestParserLimits limits = KeepAtMost(10);
  limits.max_bulk_bytes = 100;
  EXPECT_EQ(Whole("*1\r\n$101\r\n", limits).error, "-ERR Protocol error: invalid bulk length");
}

// --- Nothing a client claims is allocated before it arrives. ---

size_t LargestAllocationWhileParsing(const std::string& input) {
  RespRequestParser parser;
  RespRequest request;
  g_largest = 0;
  g_track = true;
  ParseResult result = parser.Parse(input, &request);
  g_track = false;
  EXPECT_NE(result.status, ParseStatus::kOk);
  return g_largest.load();
}

TEST(RespRequestParserTest, ClaimedSizesAreNotAllocated) {
  // A 512 MB bulk (allowed) announced, a few bytes sent.
  EXPECT_LT(LargestAllocationWhileParsing("*1\r\n$536870912\r\nabc"), 4096u);
  // A million arguments (allowed) announced, one sent.
  EXPECT_LT(LargestAllocationWhileParsing("*1048576\r\n$1\r\na\r\n"), 4096u);
  EXPECT_LT(LargestAllocationWhileParsing("*2147483647\r\n$1\r\na\r\n"), 4096u);
  // Refused claims.
  EXPECT_LT(LargestAllocationWhileParsing("*3000000000\r\n$1\r\na\r\n"), 4096u);
  EXPECT_LT(LargestAllocationWhileParsing("*1\r\n$1073741824\r\n"), 4096u);
}

// --- Inline commands (the dedicated RESP port). ---

struct InlineCase {
  std::string input;
  std::vector<std::string> args;
};

class RespInlineTest : public ::testing::TestWithParam<InlineCase> {};

TEST_P(RespInlineTest, SplitsAsSdssplitargs) {
  const InlineCase& c = GetParam();
  Outcome o = Whole(c.input, Inline());
  ASSERT_EQ(o.requests.size(), 1u) << o;
  EXPECT_EQ(o.requests[0], c.args);
  EXPECT_TRUE(o.inline_flags[0]);
  EXPECT_EQ(o.leftover, 0u);
  ExpectSameAtEveryFragmentSize(c.input, Inline());
}

INSTANTIATE_TEST_SUITE_P(
    Redis, RespInlineTest,
    ::testing::Values(InlineCase{"PING\r\n", {"PING"}}, InlineCase{"PING\n", {"PING"}},
                      InlineCase{"  set   k \t v  \r\n", {"set", "k", "v"}}, InlineCase{"\r\n", {}},
                      InlineCase{"   \n", {}},
                      InlineCase{"SET \"a b\" 'c d'\r\n", {"SET", "a b", "c d"}},
                      InlineCase{"ECHO \"a\\x41\\n\\t\\\\\\\"\"\r\n", {"ECHO", "aA\n\t\\\""}},
                      InlineCase{"ECHO \"\\xZZ\"\r\n", {"ECHO", "xZZ"}},
                      InlineCase{"ECHO 'it\\'s' ''\r\n", {"ECHO", "it's", ""}},
                      InlineCase{"ECHO 'a\\nb'\r\n", {"ECHO", "a\\nb"}},
                      InlineCase{"ECHO a\"b c\"\r\n", {"ECHO", "ab c"}},
                      InlineCase{"ECHO \"\"\r\n", {"ECHO", ""}},
                      InlineCase{"ECHO a\vb\r\n", {"ECHO", "a\vb"}},
                      InlineCase{"ECHO a\rb\r\n", {"ECHO", "a", "b"}}));

TEST(RespRequestParserTest, InlineAndMultibulkMix) {
  std::string input = "PING\r\n*1\r\n$4\r\nPING\r\nECHO hi\n";
  Outcome o = Whole(input, Inline());
  EXPECT_THAT(o.requests, ElementsAre(Args({"PING"}), Args({"PING"}), Args({"ECHO", "hi"})));
  EXPECT_THAT(o.inline_flags, ElementsAre(true, false, true));
  ExpectSameAtEveryFragmentSize(input, Inline());
}

TEST(RespRequestParserTest, InlineErrors) {
  for (const ErrorCase& c : {
           ErrorCase{"ECHO \"abc\r\n", "-ERR Protocol error: unbalanced quotes in request"},
           ErrorCase{"ECHO 'abc\r\n", "-ERR Protocol error: unbalanced quotes in request"},
           ErrorCase{"ECHO \"a\"b\r\n", "-ERR Protocol error: unbalanced quotes in request"},
           ErrorCase{"ECHO 'a'b\r\n", "-ERR Protocol error: unbalanced quotes in request"},
           ErrorCase{std::string(70000, 'A'), "-ERR Protocol error: too big inline request"},
       }) {
    Outcome o = Whole(c.input, Inline());
    EXPECT_EQ(o.last, ParseStatus::kMustClose) << c.input.substr(0, 20);
    EXPECT_EQ(o.error, c.error);
    ExpectSameAtEveryFragmentSize(c.input, Inline());
  }
}

TEST(RespRequestParserTest, LongLinesAreRefusedHoweverTheyArrive) {
  // Redis refuses a line over 64 KB only when no line end has arrived yet, so the same line is
  // refused when it trickles in and accepted when it arrives in one read. memkv judges by the
  // line's length, so that a request cut at any byte parses the same as whole. Found by
  // tests/fuzz/resp_request_parser_fuzzer.
  const std::string x(100000, 'x');
  const std::string digits(70000, '1');
  for (const ErrorCase& c : {
           ErrorCase{"ECHO " + x + "\r\n", "-ERR Protocol error: too big inline request"},
           ErrorCase{"*" + digits + "\r\n", "-ERR Protocol error: too big mbulk count string"},
           ErrorCase{"*1\r\n$" + digits + "\r\n", "-ERR Protocol error: too big bulk count string"},
       }) {
    Outcome o = Whole(c.input, Inline());
    EXPECT_EQ(o.last, ParseStatus::kMustClose) << c.input.substr(0, 20);
    EXPECT_EQ(o.error, c.error);
    ExpectSameAtEveryFragmentSize(c.input, Inline());
  }
}

TEST(RespRequestParserTest, LineLimitsCountTheCarriageReturn) {
  // As Redis counts the buffered bytes: an inline line of max_inline_bytes with its CR (the
  // bytes before its LF) is the longest accepted, and so is a header line of max_inline_bytes
  // before its CR.
  RespRequestParserLimits limits = Inline();
  limits.max_inline_bytes = 10;
  EXPECT_EQ(Whole("ECHO 1234\r\n", limits).requests.size(), 1u);
  EXPECT_EQ(Whole("ECHO 12345\r\n", limits).error, "-ERR Protocol error: too big inline request");
  EXPECT_EQ(Whole("*1\r\n$000000004\r\n", limits).error,
            "-ERR Protocol error: invalid bulk length");
  EXPECT_EQ(Whole("*1\r\n$0000000004\r\n", limits).error,
            "-ERR Protocol error: too big bulk count string");
  for (std::string_view input : {"ECHO 1234\r\n", "ECHO 12345\r\n", "*1\r\n$000000004\r\n",
                                 "*1\r\n$0000000004\r\n", "*0000000001\r\n"}) {
    ExpectSameAtEveryFragmentSize(input, limits);
  }
}

// --- RedisStringToInt64 is Redis's string2ll. ---

TEST(RedisStringToInt64Test, AcceptsWhatString2llAccepts) {
  int64_t v = 0;
  EXPECT_TRUE(RedisStringToInt64("0", &v));
  EXPECT_EQ(v, 0);
  EXPECT_TRUE(RedisStringToInt64("-1", &v));
  EXPECT_EQ(v, -1);
  EXPECT_TRUE(RedisStringToInt64("9223372036854775807", &v));
  EXPECT_EQ(v, INT64_MAX);
  EXPECT_TRUE(RedisStringToInt64("-9223372036854775808", &v));
  EXPECT_EQ(v, INT64_MIN);
  for (std::string_view bad :
       {"", "-", "-0", "01", "+1", " 1", "1 ", "1a", "9223372036854775808", "-9223372036854775809",
        "18446744073709551616", "000000000000000000001"}) {
    EXPECT_FALSE(RedisStringToInt64(bad, &v)) << bad;
  }
}

// After kNeedMore, the parser says when only the last argument's data is missing (the server
// then receives it into memory of its own).
TEST(RespRequestParserTest, PendingLastArgument) {
  RespRequestParser parser;
  RespRequest request;
  const std::string header = "*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$100\r\n";
  const std::string input = header + "abc";
  size_t start = 0;
  size_t length = 0;
  ASSERT_EQ(parser.Parse(input, &request).status, ParseStatus::kNeedMore);
  ASSERT_TRUE(parser.PendingLastArgument(input, &request, &start, &length));
  EXPECT_EQ(start, header.size());
  EXPECT_EQ(length, 100u);
  EXPECT_THAT(request.args, ElementsAre("SET", "k"));
  parser.Reset();
  // Not yet at the last argument, its `$N` line not whole, or the whole request here.
  const std::string early = "*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$10";
  ASSERT_EQ(parser.Parse(early, &request).status, ParseStatus::kNeedMore);
  EXPECT_FALSE(parser.PendingLastArgument(early, &request, &start, &length));
  parser.Reset();
  const std::string middle = "*4\r\n$3\r\nSET\r\n$1\r\nk\r\n$100\r\nabc";
  ASSERT_EQ(parser.Parse(middle, &request).status, ParseStatus::kNeedMore);
  EXPECT_FALSE(parser.PendingLastArgument(middle, &request, &start, &length));
  parser.Reset();
  // A bulk too long to keep is skipped, not received.
  RespRequestParserLimits limits;
  limits.max_kept_bulk_bytes = 50;
  RespRequestParser small(limits);
  EXPECT_EQ(small.Parse(input, &request).status, ParseStatus::kClientError);
  EXPECT_FALSE(small.PendingLastArgument(input, &request, &start, &length));
}

}  // namespace
}  // namespace memkv::protocol
