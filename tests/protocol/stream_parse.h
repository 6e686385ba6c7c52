// Test helper for the client-side reply parsers of every dialect: feeds a byte stream to a parser
// whole, in fragments of many sizes and cut at every byte, and checks that every way yields the
// same replies. Each reply is turned into a string by the test's Describe function so that the
// expectations read as text.
#ifndef MEMKV_TESTS_PROTOCOL_STREAM_PARSE_H_
#define MEMKV_TESTS_PROTOCOL_STREAM_PARSE_H_

#include <string>
#include <string_view>
#include <vector>

#include "gtest/gtest.h"
#include "protocol/parse_result.h"

namespace memkv::protocol_testing {

// Parses `stream` arriving in pieces of `chunk` bytes, taking all it can after each piece.
// "MUST_CLOSE <error>" ends the list when the parser refuses the stream; "LEFT <bytes>" ends it
// when bytes remain that form no whole reply.
template <typename Reply, typename Parser, typename DescribeFn>
std::vector<std::string> ParseStream(const Parser& parser, std::string_view stream, size_t chunk,
                                     DescribeFn describe) {
  std::vector<std::string> replies;
  std::string buffer;
  for (size_t at = 0; at < stream.size(); at += chunk) {
    buffer.append(stream.substr(at, chunk));
    while (true) {
      Reply reply;
      const protocol::ParseResult result = parser.Parse(buffer, &reply);
      if (result.status == protocol::ParseStatus::kNeedMore) {
        EXPECT_EQ(result.consumed, 0u);
        break;
      }
      if (result.status != protocol::ParseStatus::kOk) {
        replies.push_back("MUST_CLOSE " + std::string(result.error));
        return replies;
      }
      EXPECT_GT(result.consumed, 0u);
      replies.push_back(describe(reply));
      buffer.erase(0, result.consumed);
    }
  }
  if (!buffer.empty()) replies.push_back("LEFT " + buffer);
  return replies;
}

// Parses `stream` whole, at fragment sizes 1, 2, 3, 5, 7, 10 and 64, and cut in two at every
// byte (each prefix must yield a prefix of the replies, or the same refusal); returns the
// replies of the whole stream.
template <typename Reply, typename Parser, typename DescribeFn>
std::vector<std::string> ParseEveryWay(const Parser& parser, std::string_view stream,
                                       DescribeFn describe) {
  const std::vector<std::string> whole =
      ParseStream<Reply>(parser, stream, stream.size() + 1, describe);
  for (size_t chunk : {1, 2, 3, 5, 7, 10, 64}) {
    EXPECT_EQ(ParseStream<Reply>(parser, stream, chunk, describe), whole) << "chunk " << chunk;
  }
  for (size_t cut = 1; cut < stream.size(); ++cut) {
    std::vector<std::string> replies =
        ParseStream<Reply>(parser, stream.substr(0, cut), cut + 1, describe);
    if (!replies.empty() && replies.back().rfind("LEFT ", 0) == 0) replies.pop_back();
    if (!replies.empty() && replies.back().rfind("MUST_CLOSE", 0) == 0) {
      EXPECT_EQ(replies, whole) << "cut at " << cut;
      continue;
    }
    EXPECT_LE(replies.size(), whole.size()) << "cut at " << cut;
    for (size_t i = 0; i < replies.size() && i < whole.size(); ++i) {
      EXPECT_EQ(replies[i], whole[i]) << "cut at " << cut;
    }
  }
  return whole;
}

}  // namespace memkv::protocol_testing

#endif  // MEMKV_TESTS_PROTOCOL_STREAM_PARSE_H_
