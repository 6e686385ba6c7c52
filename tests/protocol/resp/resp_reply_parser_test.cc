// RESP2, client side: the reply tokenizer, with every token type fed whole, at every fragment
// size and cut at every byte.
#include "protocol/resp/resp_reply_parser.h"

#include <string>
#include <string_view>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/protocol/stream_parse.h"

namespace memkv::protocol {
namespace {

using ::testing::ElementsAre;

std::string Describe(const RespReplyToken& t) {
  std::string out(RespReplyTokenTypeName(t.type));
  switch (t.type) {
    case RespReplyTokenType::kSimpleString:
    case RespReplyTokenType::kError:
    case RespReplyTokenType::kBulk:
      return out + " '" + std::string(t.text) + "'";
    case RespReplyTokenType::kInteger:
    case RespReplyTokenType::kArray:
      return out + " " + std::to_string(t.integer);
    default:
      return out;
  }
}

std::vector<std::string> ParseEveryWay(std::string_view stream, RespReplyParserLimits limits = {}) {
  return protocol_testing::ParseEveryWay<RespReplyToken>(RespReplyParser(limits), stream, Describe);
}

TEST(RespReplyParserTest, EveryTokenType) {
  EXPECT_THAT(ParseEveryWay("+OK\r\n-ERR unknown command 'FOO'\r\n:42\r\n:-7\r\n:0\r\n"
                            "$5\r\nhello\r\n$0\r\n\r\n$-1\r\n*3\r\n*0\r\n*-1\r\n+\r\n"),
              ElementsAre("simple string 'OK'", "error 'ERR unknown command 'FOO''", "integer 42",
                          "integer -7", "integer 0", "bulk 'hello'", "bulk ''", "null bulk",
                          "array 3", "array 0", "null array", "simple string ''"));
}

TEST(RespReplyParserTest, BulkDataMayHoldCrlf) {
  EXPECT_THAT(ParseEveryWay("$5\r\n+OK\r\n\r\n*2\r\n$1\r\n$\r\n:1\r\n"),
              ElementsAre("bulk '+OK\r\n'", "array 2", "bulk '$'", "integer 1"));
}

TEST(RespReplyParserTest, GarbageMustClose) {
  EXPECT_THAT(ParseEveryWay("!oops\r\n"), ElementsAre("MUST_CLOSE unexpected RESP type byte"));
  EXPECT_THAT(ParseEveryWay("+OK\r\nHTTP/1.1 200 OK\r\n"),
              ElementsAre("simple string 'OK'", "MUST_CLOSE unexpected RESP type byte"));
  for (std::string_view bad : {":\r\n", ":12a\r\n", ":+5\r\n", ":99999999999999999999\r\n", "$\r\n",
                               "$abc\r\n", "*x\r\n", ":-\r\n"}) {
    EXPECT_THAT(ParseEveryWay(bad), ElementsAre("MUST_CLOSE bad RESP number")) << bad;
  }
  EXPECT_THAT(ParseEveryWay("$-2\r\n"), ElementsAre("MUST_CLOSE bad bulk length"));
  EXPECT_THAT(ParseEveryWay("*-2\r\n"), ElementsAre("MUST_CLOSE bad array length"));
  EXPECT_THAT(ParseEveryWay("$3\r\nfooXY"), ElementsAre("MUST_CLOSE bulk data not ended by CRLF"));
  EXPECT_THAT(ParseEveryWay("+OK\n"), ElementsAre("MUST_CLOSE reply line not ended by CRLF"));
}

TEST(RespReplyParserTest, LimitsAreGarbage) {
  const RespReplyParserLimits limits{
      .max_line_bytes = 64, .max_bulk_bytes = 4, .max_array_elements = 2};
  EXPECT_THAT(ParseEveryWay("$5\r\nhello\r\n", limits), ElementsAre("MUST_CLOSE bad bulk length"));
  EXPECT_THAT(ParseEveryWay("$1073741824\r\n", limits), ElementsAre("MUST_CLOSE bad bulk length"));
  EXPECT_THAT(ParseEveryWay("*3\r\n", limits), ElementsAre("MUST_CLOSE bad array length"));
  EXPECT_THAT(ParseEveryWay("*2\r\n$4\r\nabcd\r\n$-1\r\n", limits),
              ElementsAre("array 2", "bulk 'abcd'", "null bulk"));
  EXPECT_THAT(protocol_testing::ParseStream<RespReplyToken>(
                  RespReplyParser(limits), "+" + std::string(80, 'x'), 1, Describe),
              ElementsAre("MUST_CLOSE reply line too long"));
}

}  // namespace
}  // namespace memkv::protocol
