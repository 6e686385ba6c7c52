// RESP2, client side: the command encoder and the reply tokenizer, with every token type fed
// whole, at every fragment size and cut at every byte.
#include "protocol/resp_client.h"

#include <string>
#include <string_view>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/tools/stream_parse.h"

namespace memkv::protocol {
namespace {

using ::testing::ElementsAre;

std::string Describe(const RespToken& t) {
  std::string out(RespTokenTypeName(t.type));
  switch (t.type) {
    case RespTokenType::kSimpleString:
    case RespTokenType::kError:
    case RespTokenType::kBulk:
      return out + " '" + std::string(t.text) + "'";
    case RespTokenType::kInteger:
    case RespTokenType::kArray:
      return out + " " + std::to_string(t.integer);
    default:
      return out;
  }
}

std::vector<std::string> ParseEveryWay(std::string_view stream, RespReplyLimits limits = {}) {
  return testing_tools::ParseEveryWay<RespToken>(RespReplyParser(limits), stream, Describe);
}

TEST(RespClientEncodeTest, Commands) {
  std::string out;
  AppendRespCommand({"GET", "key:1"}, &out);
  AppendRespCommand({"SET", "k", ""}, &out);
  const std::vector<std::string_view> mget = {"MGET", "a", "bb"};
  AppendRespCommand(mget, &out);
  EXPECT_EQ(out,
            "*2\r\n$3\r\nGET\r\n$5\r\nkey:1\r\n"
            "*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$0\r\n\r\n"
            "*3\r\n$4\r\nMGET\r\n$1\r\na\r\n$2\r\nbb\r\n");
}

TEST(RespClientParseTest, EveryTokenType) {
  EXPECT_THAT(ParseEveryWay("+OK\r\n-ERR unknown command 'FOO'\r\n:42\r\n:-7\r\n:0\r\n"
                            "$5\r\nhello\r\n$0\r\n\r\n$-1\r\n*3\r\n*0\r\n*-1\r\n+\r\n"),
              ElementsAre("simple string 'OK'", "error 'ERR unknown command 'FOO''", "integer 42",
                          "integer -7", "integer 0", "bulk 'hello'", "bulk ''", "null bulk",
                          "array 3", "array 0", "null array", "simple string ''"));
}

TEST(RespClientParseTest, BulkDataMayHoldCrlf) {
  EXPECT_THAT(ParseEveryWay("$5\r\n+OK\r\n\r\n*2\r\n$1\r\n$\r\n:1\r\n"),
              ElementsAre("bulk '+OK\r\n'", "array 2", "bulk '$'", "integer 1"));
}

TEST(RespClientParseTest, GarbageMustClose) {
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

TEST(RespClientParseTest, LimitsAreGarbage) {
  const RespReplyLimits limits{.max_line_bytes = 64, .max_bulk_bytes = 4, .max_array_elements = 2};
  EXPECT_THAT(ParseEveryWay("$5\r\nhello\r\n", limits), ElementsAre("MUST_CLOSE bad bulk length"));
  EXPECT_THAT(ParseEveryWay("$1073741824\r\n", limits), ElementsAre("MUST_CLOSE bad bulk length"));
  EXPECT_THAT(ParseEveryWay("*3\r\n", limits), ElementsAre("MUST_CLOSE bad array length"));
  EXPECT_THAT(ParseEveryWay("*2\r\n$4\r\nabcd\r\n$-1\r\n", limits),
              ElementsAre("array 2", "bulk 'abcd'", "null bulk"));
  EXPECT_THAT(testing_tools::ParseStream<RespToken>(RespReplyParser(limits),
                                                    "+" + std::string(80, 'x'), 1, Describe),
              ElementsAre("MUST_CLOSE reply line too long"));
}

}  // namespace
}  // namespace memkv::protocol
