// The memcached text protocol, client side: the reply parser, with every reply form fed whole, at
// every fragment size and cut at every byte.
#include "protocol/memcache/text_reply_parser.h"

#include <string>
#include <string_view>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/protocol/stream_parse.h"

namespace memkv::protocol {
namespace {

using ::testing::ElementsAre;

std::string Describe(const TextReply& r) {
  std::string out(TextReplyKindName(r.kind));
  if (r.kind == TextReplyKind::kValue) {
    out += " key=" + std::string(r.key) + " flags=" + std::to_string(r.flags) +
           (r.has_cas ? " cas=" + std::to_string(r.cas) : "") + " data=" + std::string(r.data);
  }
  if (r.kind == TextReplyKind::kNumber) out += " " + std::to_string(r.number);
  if (!r.message.empty()) out += " msg=" + std::string(r.message);
  return out;
}

std::vector<std::string> ParseStream(std::string_view stream, size_t chunk,
                                     TextReplyParserLimits limits = {}) {
  return protocol_testing::ParseStream<TextReply>(TextReplyParser(limits), stream, chunk, Describe);
}

std::vector<std::string> ParseEveryWay(std::string_view stream, TextReplyParserLimits limits = {}) {
  return protocol_testing::ParseEveryWay<TextReply>(TextReplyParser(limits), stream, Describe);
}

TEST(TextReplyParserTest, EveryStatusLine) {
  EXPECT_THAT(ParseEveryWay("STORED\r\nNOT_STORED\r\nEXISTS\r\nNOT_FOUND\r\nDELETED\r\n"
                            "TOUCHED\r\nOK\r\nEND\r\nERROR\r\n"),
              ElementsAre("STORED", "NOT_STORED", "EXISTS", "NOT_FOUND", "DELETED", "TOUCHED", "OK",
                          "END", "ERROR"));
  EXPECT_THAT(ParseEveryWay("CLIENT_ERROR bad data chunk\r\nSERVER_ERROR out of memory\r\n"
                            "VERSION 1.6.18\r\n42\r\n0\r\n18446744073709551615\r\n"),
              ElementsAre("CLIENT_ERROR msg=bad data chunk", "SERVER_ERROR msg=out of memory",
                          "VERSION msg=1.6.18", "<number> 42", "<number> 0",
                          "<number> 18446744073709551615"));
}

TEST(TextReplyParserTest, ValueBlocks) {
  EXPECT_THAT(ParseEveryWay("VALUE foo 0 3\r\nbar\r\nVALUE k 7 0\r\n\r\n"
                            "VALUE c 4294967295 4 99\r\n\r\n\r\n\r\nEND\r\n"),
              ElementsAre("VALUE key=foo flags=0 data=bar", "VALUE key=k flags=7 data=",
                          "VALUE key=c flags=4294967295 cas=99 data=\r\n\r\n", "END"));
}

TEST(TextReplyParserTest, ValueDataMayHoldAnyBytes) {
  using namespace std::string_literals;
  const std::string stream = "VALUE k 0 6\r\nEND\r\n\0\r\nEND\r\n"s;
  const std::vector<std::string> replies = ParseEveryWay(stream);
  ASSERT_EQ(replies.size(), 2u);
  EXPECT_EQ(replies[0], "VALUE key=k flags=0 data=END\r\n\0"s);
  EXPECT_EQ(replies[1], "END");
}

TEST(TextReplyParserTest, GarbageMustClose) {
  EXPECT_THAT(ParseEveryWay("HELLO\r\n"), ElementsAre("MUST_CLOSE unexpected reply line"));
  EXPECT_THAT(ParseEveryWay("STORED\r\nstored\r\n"),
              ElementsAre("STORED", "MUST_CLOSE unexpected reply line"));
  EXPECT_THAT(ParseEveryWay("STORED\n"), ElementsAre("MUST_CLOSE reply line not ended by CRLF"));
  EXPECT_THAT(ParseEveryWay("VALUE k 0 3\r\nabcXY"),
              ElementsAre("MUST_CLOSE VALUE data not ended by CRLF"));
  for (std::string_view bad : {"VALUE k 0\r\n", "VALUE k x 3\r\n", "VALUE k 0 -3\r\n",
                               "VALUE k 0 3 4 5\r\n", "VALUE  k 0 3\r\n", "VALUE k 0 3 \r\n",
                               "VALUE k 4294967296 3\r\n", "VALUE k 0 3 x\r\n", "VALUE \r\n"}) {
    EXPECT_THAT(ParseEveryWay(bad), ElementsAre("MUST_CLOSE bad VALUE line")) << bad;
  }
  EXPECT_THAT(ParseEveryWay("18446744073709551616\r\n"),
              ElementsAre("MUST_CLOSE unexpected reply line"));
}

TEST(TextReplyParserTest, LimitsAreGarbage) {
  const TextReplyParserLimits limits{.max_line_bytes = 16, .max_value_bytes = 4};
  EXPECT_THAT(ParseEveryWay("VALUE k 0 5\r\nabcde\r\n", limits),
              ElementsAre("MUST_CLOSE VALUE length out of range"));
  EXPECT_THAT(ParseEveryWay("VALUE k 0 4\r\nabcd\r\n", limits),
              ElementsAre("VALUE key=k flags=0 data=abcd"));
  // A line that never ends is refused once it is longer than any reply may be.
  EXPECT_THAT(ParseStream(std::string(18, 'A'), 1, limits),
              ElementsAre("MUST_CLOSE reply line too long"));
  EXPECT_THAT(ParseStream(std::string(17, 'A'), 1, limits), ElementsAre("LEFT AAAAAAAAAAAAAAAAA"));
}

TEST(TextReplyParserTest, IncompleteIsNeedMore) {
  const TextReplyParser parser;
  TextReply reply;
  for (std::string_view partial : {"", "S", "STORED", "STORED\r", "VALUE k 0 3\r\n",
                                   "VALUE k 0 3\r\nab", "VALUE k 0 3\r\nabc\r"}) {
    const ParseResult result = parser.Parse(partial, &reply);
    EXPECT_EQ(result.status, ParseStatus::kNeedMore) << partial;
    EXPECT_EQ(result.consumed, 0u);
  }
}

}  // namespace
}  // namespace memkv::protocol
