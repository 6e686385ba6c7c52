// The memcached meta protocol, client side: return-flag lookup and the reply parser, with every
// reply form fed whole, at every fragment size and cut at every byte.
#include "protocol/memcache/meta_reply_parser.h"

#include <string>
#include <string_view>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/protocol/stream_parse.h"

namespace memkv::protocol {
namespace {

using ::testing::ElementsAre;

std::string Describe(const MetaReply& r) {
  std::string out(MetaReplyCodeName(r.code));
  if (!r.flags.empty()) out += " flags=" + std::string(r.flags);
  if (r.code == MetaReplyCode::kVa) out += " data=" + std::string(r.data);
  if (!r.message.empty()) out += " msg=" + std::string(r.message);
  return out;
}

std::vector<std::string> ParseEveryWay(std::string_view stream, MetaReplyParserLimits limits = {}) {
  return protocol_testing::ParseEveryWay<MetaReply>(MetaReplyParser(limits), stream, Describe);
}

TEST(MetaReplyParserTest, StatusCodes) {
  EXPECT_THAT(ParseEveryWay("HD\r\nEN\r\nNS\r\nEX\r\nNF\r\nMN\r\nERROR\r\n"),
              ElementsAre("HD", "EN", "NS", "EX", "NF", "MN", "ERROR"));
  EXPECT_THAT(ParseEveryWay("HD c5 O123 kfoo\r\nEN Oabc\r\nNF q\r\n"),
              ElementsAre("HD flags=c5 O123 kfoo", "EN flags=Oabc", "NF flags=q"));
  EXPECT_THAT(ParseEveryWay("CLIENT_ERROR bad command line format\r\nSERVER_ERROR oom\r\n"),
              ElementsAre("CLIENT_ERROR msg=bad command line format", "SERVER_ERROR msg=oom"));
  EXPECT_THAT(ParseEveryWay("ME foo exp=-1 la=3 cas=2 fetch=no cls=1 size=63\r\n"),
              ElementsAre("ME flags=foo exp=-1 la=3 cas=2 fetch=no cls=1 size=63"));
}

TEST(MetaReplyParserTest, ValueReplies) {
  EXPECT_THAT(ParseEveryWay("VA 5 kfoo f0 c12 t-1 s5 W\r\nhello\r\nVA 0\r\n\r\n"
                            "VA 4 Z X\r\n\r\n\r\n\r\nMN\r\n"),
              ElementsAre("VA flags=kfoo f0 c12 t-1 s5 W data=hello",
                          "VA data=", "VA flags=Z X data=\r\n\r\n", "MN"));
}

TEST(MetaReplyParserTest, FindFlag) {
  std::string_view token;
  EXPECT_TRUE(FindMetaReplyFlag("kfoo c12 W", 'k', &token));
  EXPECT_EQ(token, "foo");
  EXPECT_TRUE(FindMetaReplyFlag("kfoo c12 W", 'c', &token));
  EXPECT_EQ(token, "12");
  EXPECT_TRUE(FindMetaReplyFlag("kfoo c12 W", 'W', &token));
  EXPECT_EQ(token, "");
  EXPECT_FALSE(FindMetaReplyFlag("kfoo c12 W", 'Z', &token));
  EXPECT_FALSE(FindMetaReplyFlag("", 'k', &token));
}

TEST(MetaReplyParserTest, GarbageMustClose) {
  for (std::string_view bad :
       {"XX\r\n", "HDX\r\n", "H\r\n", "hello world\r\n", "VALUE k 0 1\r\n"}) {
    EXPECT_THAT(ParseEveryWay(bad), ElementsAre("MUST_CLOSE unexpected reply line")) << bad;
  }
  for (std::string_view bad : {"HD \r\n", "HD  c1\r\n", "HD c1 \r\n", "HD 5\r\n", "VA 1 \r\n"}) {
    EXPECT_THAT(ParseEveryWay(bad), ElementsAre("MUST_CLOSE bad return flags")) << bad;
  }
  for (std::string_view bad : {"VA\r\n", "VA x\r\n", "VA -1\r\n", "VA  1\r\n"}) {
    EXPECT_THAT(ParseEveryWay(bad), ElementsAre("MUST_CLOSE bad VA line")) << bad;
  }
  EXPECT_THAT(ParseEveryWay("VA 2 kx\r\nabc\r\n"),
              ElementsAre("MUST_CLOSE VA data not ended by CRLF"));
  EXPECT_THAT(ParseEveryWay("ME\r\n"), ElementsAre("MUST_CLOSE bad ME line"));
  EXPECT_THAT(ParseEveryWay("HD\n"), ElementsAre("MUST_CLOSE reply line not ended by CRLF"));
}

TEST(MetaReplyParserTest, LimitsAreGarbage) {
  const MetaReplyParserLimits limits{.max_line_bytes = 2048, .max_value_bytes = 3};
  EXPECT_THAT(ParseEveryWay("VA 4\r\nabcd\r\n", limits),
              ElementsAre("MUST_CLOSE VA size out of range"));
  EXPECT_THAT(ParseEveryWay("VA 3\r\nabc\r\n", limits), ElementsAre("VA data=abc"));
}

}  // namespace
}  // namespace memkv::protocol
