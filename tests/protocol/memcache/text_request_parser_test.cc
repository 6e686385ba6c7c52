// Tests of TextRequestParser: every command, every error memcached 1.6.18 answers (each expected
// reply below was checked against a running memcached 1.6.18, except where a comment says memkv
// differs), every noreply form, "\n" and "\r\n" line ends, pipelines, and every request
// re-parsed when cut into fragments of many sizes.
#include "protocol/memcache/text_request_parser.h"

#include <algorithm>
#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace memkv::protocol {
namespace {

using ::testing::ElementsAre;
using ::testing::ElementsAreArray;

std::string Str(std::string_view v) { return std::string(v.data(), v.size()); }

// One line per parsed request, with only the fields that differ from a fresh TextRequest.
std::string Describe(const TextRequest& r) {
  std::string s = Str(TextCommandName(r.command));
  if (!r.keys.empty()) {
    std::vector<std::string> keys;
    for (std::string_view k : r.keys) keys.push_back(Str(k));
    s += " keys=" + absl::StrJoin(keys, ",");
  }
  if (!r.key.empty()) s += " key=" + Str(r.key);
  if (IsStorageCommand(r.command)) {
    absl::StrAppend(&s, " flags=", r.client_flags, " exptime=", r.exptime, " bytes=", r.bytes,
                    " value=", Str(r.value));
  } else if (r.exptime != 0) {
    absl::StrAppend(&s, " exptime=", r.exptime);
  }
  if (r.cas_unique != 0) absl::StrAppend(&s, " cas=", r.cas_unique);
  if (r.delta != 0) absl::StrAppend(&s, " delta=", r.delta);
  if (r.noreply) s += " noreply";
  if (r.too_large) s += " too_large";
  if (!r.stats_argument.empty()) s += " arg=" + Str(r.stats_argument);
  if (r.has_flush_delay) absl::StrAppend(&s, " delay=", r.flush_delay);
  if (r.verbosity != 0) absl::StrAppend(&s, " level=", r.verbosity);
  if (r.graceful) s += " graceful";
  if (r.command != TextCommand::kStats && r.admin_arg_count != 0) {
    std::vector<std::string> args;
    for (size_t i = 0; i < r.admin_args.size() && i < r.admin_arg_count; ++i) {
      args.push_back(Str(r.admin_args[i]));
    }
    absl::StrAppend(&s, " args(", r.admin_arg_count, ")=", absl::StrJoin(args, ","));
  }
  return s;
}

// What a connection does with the parser: keeps unconsumed bytes, appends what arrives, parses
// until kNeedMore, drops refused data as told, stops at kMustClose. Records one event per result.
class FakeConnection {
 public:
  explicit FakeConnection(const TextRequestParser& parser) : parser_(parser) {}

  void Feed(std::string_view bytes) {
    if (closed_) return;
    buffer_.append(bytes.data(), bytes.size());
    for (;;) {
      const size_t dropped = std::min(swallow_, buffer_.size());
      buffer_.erase(0, dropped);
      swallow_ -= dropped;
      if (swallow_ > 0) return;
      const ParseResult r = parser_.Parse(buffer_, &request_);
      switch (r.status) {
        case ParseStatus::kNeedMore:
          EXPECT_EQ(r.consumed, 0u);
          return;
        case ParseStatus::kOk:
          ASSERT_GT(r.consumed, 0u);
          ASSERT_LE(r.consumed, buffer_.size());
          Record(Describe(request_), r.consumed);
          if (r.swallow != 0) events_.back() += absl::StrCat(" +swallow ", r.swallow);
          swallow_ = r.swallow;
          break;
        case ParseStatus::kClientError:
          ASSERT_GT(r.consumed, 0u);
          ASSERT_LE(r.consumed, buffer_.size());
          Record(r.error.empty() ? std::string("<silent>") : Str(r.error), r.consumed);
          if (r.swallow != 0) events_.back() += absl::StrCat(" +swallow ", r.swallow);
          swallow_ = r.swallow;
          break;
        case ParseStatus::kMustClose:
          Record(r.error.empty() ? "<close>" : "<close> " + std::string(r.error), 0);
          closed_ = true;
          return;
      }
      buffer_.erase(0, r.consumed);
    }
  }

  const std::vector<std::string>& events() const { return events_; }
  // Every event with the bytes it consumed, for comparing two ways of feeding the same input.
  const std::vector<std::string>& detailed() const { return detailed_; }
  const std::string& leftover() const { return buffer_; }
  size_t swallow_pending() const { return swallow_; }
  bool closed() const { return closed_; }

 private:
  void Record(std::string event, size_t consumed) {
    detailed_.push_back(absl::StrCat(event, " @", consumed));
    events_.push_back(std::move(event));
  }

  const TextRequestParser& parser_;
  TextRequest request_;
  std::string buffer_;
  size_t swallow_ = 0;
  bool closed_ = false;
  std::vector<std::string> events_;
  std::vector<std::string> detailed_;
};

TextRequestParserLimits SmallLimits() {
  TextRequestParserLimits limits;
  limits.max_item_bytes = 1024;
  limits.max_multiget_line = 64 * 1024;
  return limits;
}

// Parses `input` whole, then again cut into pieces of every size in kFragmentSizes fed one by one,
// and checks that both give the same events, consuming the same bytes, with the same leftover.
std::vector<std::string> ParseEverySplit(std::string_view input,
                                         TextRequestParserLimits limits = SmallLimits()) {
  const TextRequestParser parser(limits);
  FakeConnection whole(parser);
  whole.Feed(input);
  for (size_t size : {1, 2, 3, 5, 7, 10, 100}) {
    FakeConnection pieces(parser);
    for (size_t pos = 0; pos < input.size(); pos += size) pieces.Feed(input.substr(pos, size));
    EXPECT_EQ(pieces.detailed(), whole.detailed()) << "fragment size " << size;
    // After a close nothing more is read, so what is left depends on the cuts.
    if (!whole.closed()) {
      EXPECT_EQ(pieces.leftover(), whole.leftover()) << "fragment size " << size;
    }
    EXPECT_EQ(pieces.swallow_pending(), whole.swallow_pending()) << "fragment size " << size;
  }
  return whole.events();
}

struct Case {
  std::string input;
  std::vector<std::string> events;
};

void ExpectCases(const std::vector<Case>& cases, TextRequestParserLimits limits = SmallLimits()) {
  for (const Case& c : cases) {
    SCOPED_TRACE(testing::Message() << "input: " << testing::PrintToString(c.input));
    EXPECT_THAT(ParseEverySplit(c.input, limits), ElementsAreArray(c.events));
  }
}

std::string Keys(int n, const std::string& prefix = "k") {
  std::vector<std::string> keys;
  for (int i = 0; i < n; ++i) keys.push_back(absl::StrCat(prefix, i));
  return absl::StrJoin(keys, " ");
}

// "get keys=k0,k1,..." for the keys Keys() joined.
std::string GetOf(std::string keys, const std::string& command = "get") {
  std::replace(keys.begin(), keys.end(), ' ', ',');
  return command + " keys=" + keys;
}

const std::string kKey250(250, 'k');
const std::string kKey251(251, 'k');

TEST(TextRequestParserTest, Retrieval) {
  ExpectCases({
      {"get a\r\n", {"get keys=a"}},
      {"get a\n", {"get keys=a"}},
      {"get a b c\r\n", {"get keys=a,b,c"}},
      {"gets a b\r\n", {"gets keys=a,b"}},
      {"gat 100 a b\r\n", {"gat keys=a,b exptime=100"}},
      {"gats -1 a\r\n", {"gats keys=a exptime=-1"}},
      {"gat 10\r\n", {"gat exptime=10"}},  // memcached answers a bare END
      {"  get   a  b \r\n", {"get keys=a,b"}},
      {"get a a\r\n", {"get keys=a,a"}},
      {"bget a\r\n", {"get keys=a"}},
      {"get " + kKey250 + "\r\n", {"get keys=" + kKey250}},
      // memcached's text protocol checks key length only: control bytes are key bytes.
      {"get a\x01"
       "b\tc\r\n",
       {"get keys=a\x01"
        "b\tc"}},
      {"get a\r\r\n", {"get keys=a\r"}},
      // A NUL ends the line as memcached reads it.
      {std::string("get a\0b c\r\n", 11), {"get keys=a"}},
      {"get a HTTP/1.1\r\n", {"get keys=a,HTTP/1.1"}},
  });
}

TEST(TextRequestParserTest, RetrievalErrors) {
  ExpectCases({
      {"get\r\n", {"ERROR"}},
      {"get \r\n", {"ERROR"}},
      {"gets\r\n", {"ERROR"}},
      {"gat\r\n", {"ERROR"}},
      {"gats\n", {"ERROR"}},
      {"getx a\r\n", {"ERROR"}},
      {"getx\r\n", {"ERROR"}},
      {"GET a\r\n", {"ERROR"}},
      {"gat x a\r\n", {"CLIENT_ERROR invalid exptime argument"}},
      {"gats 1x a\r\n", {"CLIENT_ERROR invalid exptime argument"}},
      {"get " + kKey251 + "\r\n", {"CLIENT_ERROR bad command line format"}},
      {"get a " + kKey251 + " b\r\n", {"CLIENT_ERROR bad command line format"}},
  });
}

TEST(TextRequestParserTest, MultiGetBeyondMemcachedTokenLimit) {
  // memcached splits 23 tokens at a time; the keys after them are keys all the same.
  const std::string keys = Keys(60);
  const std::string expected = GetOf(keys);
  ExpectCases({
      {"get " + keys + "\r\n", {expected}},
      {"get " + keys + "  \r\n", {expected}},
      {"get " + Keys(40) + " " + kKey251 + "\r\n", {"CLIENT_ERROR bad command line format"}},
  });
  // Exactly 22 keys fill memcached's token array; the terminal token is empty.
  ExpectCases({{"get " + Keys(22) + " \r\n", {GetOf(Keys(22))}}});
}

TEST(TextRequestParserTest, LongMultiGetLineIsAccepted) {
  const std::string keys = Keys(1000, "key");  // about 6 KB, more than the 2048-byte line limit
  const std::string expected = GetOf(keys);
  ExpectCases({
      {"get " + keys + "\r\n", {expected}},
      {"   get " + keys + "\n", {expected}},
      {"gets " + keys + "\r\n", {GetOf(keys, "gets")}},
      // Only get and gets, after at most 100 spaces, may be that long.
      {"gat 0 " + keys + "\r\n", {"<close>"}},
      {std::string(101, ' ') + "get " + keys + "\r\n", {"<close>"}},
      {"get\t" + keys + "\r\n", {"<close>"}},
  });
}

TEST(TextRequestParserTest, MultiGetLineBeyondMemkvBoundCloses) {
  // memcached 1.6 answers this when its read buffer cannot grow for a request, then closes.
  TextRequestParserLimits limits = SmallLimits();
  limits.max_multiget_line = 4096;
  const std::string line = "get " + Keys(1000, "key") + "\r\n";
  const std::string closed = "<close> SERVER_ERROR out of memory reading request";
  ExpectCases({{line, {closed}}, {line.substr(0, 5000), {closed}}}, limits);
}

TEST(TextRequestParserTest, LongLines) {
  // memcached closes, without a word, a connection whose line runs past 2048 bytes (unless it
  // is a get or gets); a line of 2048 bytes plus its line end is still parsed. memkv differs in
  // one case: memcached decides on what one read() returned, so it parses a long line that
  // arrives whole (the 3000-byte set below gets CLIENT_ERROR from it); memkv judges the line's
  // length, so that the answer does not depend on how TCP cut the bytes.
  ExpectCases({
      {std::string(2048, 'x') + "\r\n", {"ERROR"}},
      {std::string(2048, 'x') + "\n", {"ERROR"}},
      {std::string(2047, 'x') + "\r\n", {"ERROR"}},
      {std::string(2049, 'x') + "\n", {"<close>"}},
      {std::string(2049, 'x') + "\r\n", {"<close>"}},
      {std::string(2049, 'x'), {"<close>"}},
      {std::string(3000, 'x'), {"<close>"}},
      {"set " + std::string(3000, 'k') + " 0 0 1\r\nx\r\n", {"<close>"}},
      {"version\r\n" + std::string(2049, 'x'), {"version", "<close>"}},
      {std::string(2048, 'x'), {}},
      {std::string(2048, 'x') + "\r", {}},
  });
}

TEST(TextRequestParserTest, IncompleteRequestsNeedMore) {
  ExpectCases({
      {"", {}},
      {"get a", {}},
      {"get a\r", {}},
      {"set a 0 0 5\r\nabc", {}},
      {"set a 0 0 5\r\nabcde", {}},
      {"set a 0 0 5\r\nabcde\r", {}},
      {"set a 0 0 5", {}},
  });
}

TEST(TextRequestParserTest, Storage) {
  ExpectCases({
      {"set a 0 0 1\r\nx\r\n", {"set key=a flags=0 exptime=0 bytes=1 value=x"}},
      {"set a 0 0 1\nx\r\n", {"set key=a flags=0 exptime=0 bytes=1 value=x"}},
      {"set a 5 100 3 noreply\r\nabc\r\n",
       {"set key=a flags=5 exptime=100 bytes=3 value=abc noreply"}},
      {"add a 1 2 1\r\nx\r\n", {"add key=a flags=1 exptime=2 bytes=1 value=x"}},
      {"replace a 0 -1 1\r\nx\r\n", {"replace key=a flags=0 exptime=-1 bytes=1 value=x"}},
      {"append a 0 0 1 noreply\r\nx\r\n",
       {"append key=a flags=0 exptime=0 bytes=1 value=x noreply"}},
      {"prepend a 0 0 1\r\nx\r\n", {"prepend key=a flags=0 exptime=0 bytes=1 value=x"}},
      {"cas a 0 0 1 99\r\nx\r\n", {"cas key=a flags=0 exptime=0 bytes=1 value=x cas=99"}},
      {"cas a 0 0 1 18446744073709551615 noreply\r\nx\r\n",
       {"cas key=a flags=0 exptime=0 bytes=1 value=x cas=18446744073709551615 noreply"}},
      {"set a 0 0 0\r\n\r\n", {"set key=a flags=0 exptime=0 bytes=0 value="}},
      // The data block is taken by length: CR, LF and spaces inside it are data.
      {"set a 0 0 5\r\n\r\n \r\n\r\n", {"set key=a flags=0 exptime=0 bytes=5 value=\r\n \r\n"}},
      {"set " + kKey250 + " 0 0 1\r\nx\r\n",
       {"set key=" + kKey250 + " flags=0 exptime=0 bytes=1 value=x"}},
      {"set a\x01"
       "b 0 0 1\r\nx\r\n",
       {"set key=a\x01"
        "b flags=0 exptime=0 bytes=1 value=x"}},
      // A sixth token that is not "noreply" is ignored, as memcached does.
      {"set a 0 0 1 extra\r\nx\r\n", {"set key=a flags=0 exptime=0 bytes=1 value=x"}},
      {"  set  a 0  0 1 \r\nx\r\n", {"set key=a flags=0 exptime=0 bytes=1 value=x"}},
  });
}

TEST(TextRequestParserTest, StorageNumbersReadAsMemcachedReadsThem) {
  ExpectCases({
      {"set a -0 0 1\r\nx\r\n", {"set key=a flags=0 exptime=0 bytes=1 value=x"}},
      {"set a +5 0 1\r\nx\r\n", {"set key=a flags=5 exptime=0 bytes=1 value=x"}},
      {"set a 4294967295 0 1\r\nx\r\n", {"set key=a flags=4294967295 exptime=0 bytes=1 value=x"}},
      // 64-bit strtoul/strtol stored into 32 bits.
      {"set a 4294967297 0 1\r\nx\r\n", {"set key=a flags=1 exptime=0 bytes=1 value=x"}},
      {"set a 0 4294967296 1\r\nx\r\n", {"set key=a flags=0 exptime=0 bytes=1 value=x"}},
      {"set a 0 0 4294967297\r\nx\r\n", {"set key=a flags=0 exptime=0 bytes=1 value=x"}},
      {"set a 0 -2147483648 1\r\nx\r\n", {"set key=a flags=0 exptime=-2147483648 bytes=1 value=x"}},
      // strtol stops at white space other than a blank, and memcached accepts what precedes it.
      {"set a 0 5\tjunk 1\r\nx\r\n", {"set key=a flags=0 exptime=5 bytes=1 value=x"}},
      {"set a 0 \t7 1\r\nx\r\n", {"set key=a flags=0 exptime=7 bytes=1 value=x"}},
  });
}

TEST(TextRequestParserTest, StorageErrors) {
  const std::string bad = "CLIENT_ERROR bad command line format";
  ExpectCases({
      // Wrong token counts are ERROR; the data line is then read as a command.
      {"set a 0 0\r\n", {"ERROR"}},
      {"set a 0 0 1 2 3\r\nx\r\n", {"ERROR", "ERROR"}},
      // Five tokens: "noreply" is then both the length and the flag, so the error is silent.
      {"set a 0 0 noreply\r\n", {"<silent>"}},
      {"cas z 0 0 1\r\ny\r\n", {"ERROR", "ERROR"}},
      {"sets a\r\n", {"ERROR"}},
      // Bad fields: CLIENT_ERROR, and the data line is read as a command.
      {"set a x 0 1\r\nx\r\n", {bad, "ERROR"}},
      {"set a 0 x 1\r\nx\r\n", {bad, "ERROR"}},
      {"set a 0 0 x\r\nx\r\n", {bad, "ERROR"}},
      {"set a 0 0 -1\r\nx\r\n", {bad, "ERROR"}},
      {"set a -1 0 1\r\nx\r\n", {bad, "ERROR"}},
      {"set a 18446744073709551616 0 1\r\nx\r\n", {bad, "ERROR"}},
      {"set a 0 9223372036854775808 1\r\nx\r\n", {bad, "ERROR"}},
      {"set a 0 0 2147483646\r\n", {bad}},
      {"set a 0 0 1x\r\nx\r\n", {bad, "ERROR"}},
      {"set a 0 0 +\r\nx\r\n", {bad, "ERROR"}},
      {"cas z 0 0 1 x\r\ny\r\n", {bad, "ERROR"}},
      {"cas z 0 0 1 -1\r\ny\r\n", {bad, "ERROR"}},
      {"set " + kKey251 + " 0 0 1\r\nx\r\n", {bad, "ERROR"}},
      // noreply silences the error, not the ERROR for the data line after it.
      {"set " + kKey251 + " 0 0 1 noreply\r\nx\r\n", {"<silent>", "ERROR"}},
      {"set a x 0 1 noreply\r\nx\r\n", {"<silent>", "ERROR"}},
  });
}

TEST(TextRequestParserTest, BadDataChunk) {
  // memcached reads exactly <bytes> + 2 and refuses them unless they end in CRLF; what follows is
  // parsed as the next command.
  ExpectCases({
      {"set b 0 0 1\r\nxyz\r\nget b\r\n", {"CLIENT_ERROR bad data chunk", "ERROR", "get keys=b"}},
      {"set b 0 0 1 noreply\r\nxyz\r\nget b\r\n", {"<silent>", "ERROR", "get keys=b"}},
      {"set b 0 0 3\r\nab\r\n\r\nget b\r\n",
       {"CLIENT_ERROR bad data chunk", "ERROR", "get keys=b"}},
      {"set b 0 0 1\nx\nget b\n", {"CLIENT_ERROR bad data chunk", "ERROR"}},
      {"set b 0 0 1\r\nx\n\r\n", {"CLIENT_ERROR bad data chunk", "ERROR"}},
      {"set b 0 0 1\r\nx\rx", {"CLIENT_ERROR bad data chunk"}},
  });
}

TEST(TextRequestParserTest, TooLargeValueIsParsedFromItsLineAndSwallowed) {
  // SmallLimits(): -I 1024. memcached's item: key + value + 59 (+ 4 with nonzero flags). Such a
  // request is taken as soon as its line is whole, marked too_large (the executor answers and,
  // for set, deletes the old item), and its data swallowed whatever it holds.
  const std::string big(2000, 'y');
  const std::string set_a = "set key=a flags=0 exptime=0 bytes=2000 value= too_large";
  ExpectCases({
      {"set a 0 0 2000\r\n" + big + "\r\nget a\r\n", {set_a + " +swallow 2002", "get keys=a"}},
      {"set a 0 0 2000 noreply\r\n" + big + "\r\nget a\r\n",
       {"set key=a flags=0 exptime=0 bytes=2000 value= noreply too_large +swallow 2002",
        "get keys=a"}},
      {"set a 0 0 2000\r\n" + std::string(2002, '\n') + "get a\r\n",
       {set_a + " +swallow 2002", "get keys=a"}},
      // Not even the data block's CRLF is checked.
      {"set a 0 0 2000\r\n" + big + "xxget a\r\n", {set_a + " +swallow 2002", "get keys=a"}},
      {"cas a 0 0 2000 5\r\n",
       {"cas key=a flags=0 exptime=0 bytes=2000 value= cas=5 too_large +swallow 2002"}},
      {"add a 7 -1 2000\r\n",
       {"add key=a flags=7 exptime=-1 bytes=2000 value= too_large +swallow 2002"}},
      {"replace a 0 0 2000\r\n",
       {"replace key=a flags=0 exptime=0 bytes=2000 value= too_large +swallow 2002"}},
      {"append a 0 0 2000\r\n",
       {"append key=a flags=0 exptime=0 bytes=2000 value= too_large +swallow 2002"}},
      {"prepend a 0 0 2000\r\n",
       {"prepend key=a flags=0 exptime=0 bytes=2000 value= too_large +swallow 2002"}},
      // The boundary.
      {"set a 0 0 964\r\n" + std::string(964, 'v') + "\r\n",
       {"set key=a flags=0 exptime=0 bytes=964 value=" + std::string(964, 'v')}},
      {"set a 0 0 965\r\n",
       {"set key=a flags=0 exptime=0 bytes=965 value= too_large +swallow 967"}},
      {"set a 1 0 961\r\n",
       {"set key=a flags=1 exptime=0 bytes=961 value= too_large +swallow 963"}},
      {"set ab 0 0 964\r\n",
       {"set key=ab flags=0 exptime=0 bytes=964 value= too_large +swallow 966"}},
      // Line errors still come first, and a too large request leaves nothing behind.
      {"set a x 0 2000\r\n", {"CLIENT_ERROR bad command line format"}},
      {"set a 0 0 2000\r\n" + big + "\r\nset b 0 0 1\r\nx\r\n",
       {set_a + " +swallow 2002", "set key=b flags=0 exptime=0 bytes=1 value=x"}},
  });
}

TEST(TextRequestParserTest, DefaultItemLimitIsMemcachedsOneMegabyte) {
  const TextRequestParser parser;  // -I 1m
  TextRequest request;
  // Measured on memcached 1.6.18: 1048516 bytes under a 1-byte key are stored, one more is not.
  const std::string fits = "set a 0 0 1048516\r\n" + std::string(1048516, 'v') + "\r\n";
  EXPECT_EQ(parser.Parse(fits, &request).status, ParseStatus::kOk);
  EXPECT_FALSE(request.too_large);
  const ParseResult r = parser.Parse("set a 0 0 1048517\r\n", &request);
  EXPECT_EQ(r.status, ParseStatus::kOk);
  EXPECT_EQ(r.consumed, 19u);
  EXPECT_TRUE(r.error.empty());
  EXPECT_EQ(r.swallow, 1048519u);
  EXPECT_TRUE(request.too_large);
  EXPECT_EQ(request.key, "a");
  EXPECT_TRUE(request.value.empty());
}

TEST(TextRequestParserTest, Touch) {
  ExpectCases({
      {"touch a 10\r\n", {"touch key=a exptime=10"}},
      {"touch a -1 noreply\r\n", {"touch key=a exptime=-1 noreply"}},
      {"touch a 10 junk\r\n", {"touch key=a exptime=10"}},
      {"touch a\r\n", {"ERROR"}},
      {"touch a 1 2 3\r\n", {"ERROR"}},
      {"touch a x\r\n", {"CLIENT_ERROR invalid exptime argument"}},
      {"touch a x noreply\r\n", {"<silent>"}},
      {"touch " + kKey251 + " 1\r\n", {"CLIENT_ERROR bad command line format"}},
      {"touchy a 1\r\n", {"ERROR"}},
  });
}

TEST(TextRequestParserTest, IncrDecr) {
  const std::string bad_delta = "CLIENT_ERROR invalid numeric delta argument";
  ExpectCases({
      {"incr a 5\r\n", {"incr key=a delta=5"}},
      {"decr a 18446744073709551615\r\n", {"decr key=a delta=18446744073709551615"}},
      {"incr a 1 noreply\r\n", {"incr key=a delta=1 noreply"}},
      {"incr a +5\r\n", {"incr key=a delta=5"}},
      {"incr a -0\r\n", {"incr key=a"}},
      {"incr a 0\r\n", {"incr key=a"}},
      {"incr a 1 2\r\n", {"incr key=a delta=1"}},
      {"incr a 18446744073709551616\r\n", {bad_delta}},
      {"incr a -1\r\n", {bad_delta}},
      {"incr a x\r\n", {bad_delta}},
      {"decr a 1x\r\n", {bad_delta}},
      {"incr a x noreply\r\n", {"<silent>"}},
      {"incr a\r\n", {"ERROR"}},
      {"decr\r\n", {"ERROR"}},
      {"incr a 1 2 3\r\n", {"ERROR"}},
      {"incr " + kKey251 + " 1\r\n", {"CLIENT_ERROR bad command line format"}},
      {"incr " + kKey251 + " 1 noreply\r\n", {"<silent>"}},
  });
}

TEST(TextRequestParserTest, Delete) {
  const std::string usage = "CLIENT_ERROR bad command line format.  Usage: delete <key> [noreply]";
  ExpectCases({
      {"delete a\r\n", {"delete key=a"}},
      {"delete a 0\r\n", {"delete key=a"}},
      {"delete a noreply\r\n", {"delete key=a noreply"}},
      {"delete a 0 noreply\r\n", {"delete key=a noreply"}},
      {"delete a 1\r\n", {usage}},
      {"delete a x y\r\n", {usage}},
      {"delete a 1 noreply\r\n", {"<silent>"}},
      {"delete\r\n", {"ERROR"}},
      {"delete a b c d\r\n", {"ERROR"}},
      {"delete a b c d e\r\n", {"ERROR"}},
      {"delete " + kKey251 + "\r\n", {"CLIENT_ERROR bad command line format"}},
      {"delete " + kKey251 + " noreply\r\n", {"<silent>"}},
  });
}

TEST(TextRequestParserTest, FlushAll) {
  const std::string bad = "CLIENT_ERROR invalid exptime argument";
  ExpectCases({
      {"flush_all\r\n", {"flush_all"}},
      {"flush_all 0\r\n", {"flush_all delay=0"}},
      {"flush_all 10\r\n", {"flush_all delay=10"}},
      {"flush_all -1\r\n", {"flush_all delay=-1"}},
      {"flush_all noreply\r\n", {"flush_all noreply"}},
      {"flush_all 10 noreply\r\n", {"flush_all noreply delay=10"}},
      {"flush_all 1 2\r\n", {"flush_all delay=1"}},
      {"flush_all x\r\n", {bad}},
      {"flush_all noreply noreply\r\n", {"<silent>"}},
      {"flush_all noreply 5\r\n", {bad}},
      {"flush_all 1 2 3\r\n", {"ERROR"}},
  });
}

TEST(TextRequestParserTest, VersionVerbosityQuitStatsShutdown) {
  const std::string bad = "CLIENT_ERROR bad command line format";
  ExpectCases({
      {"version\r\n", {"version"}},
      {"version x y\r\n", {"version"}},
      {"version noreply\r\n", {"version"}},
      {"verbosity 1\r\n", {"verbosity level=1"}},
      {"verbosity 1 noreply\r\n", {"verbosity noreply level=1"}},
      {"verbosity 1 2\r\n", {"verbosity level=1"}},
      {"verbosity\r\n", {"ERROR"}},
      {"verbosity 1 2 3\r\n", {"ERROR"}},
      {"verbosity foo bar my\r\n", {"ERROR"}},
      {"verbosity x\r\n", {bad}},
      {"verbosity noreply\r\n", {"<silent>"}},
      {"quit\r\n", {"quit"}},
      {"quit x\r\n", {"quit"}},
      {"stats\r\n", {"stats"}},
      {"stats items\r\n", {"stats arg=items"}},
      {"stats detail dump\r\n", {"stats arg=detail"}},
      {"stats noreply\r\n", {"stats arg=noreply"}},
      {"shutdown\r\n", {"shutdown"}},
      {"shutdown graceful\r\n", {"shutdown graceful"}},
  });
}

// The administrative commands keep their arguments for the executor, which answers as memcached
// (tests/server/admin_oracle_test.py compares the answers); the parser decides only noreply and
// cache_memlimit's token count, as memcached's dispatcher does.
TEST(TextRequestParserTest, AdministrativeCommands) {
  ExpectCases({
      {"slabs\r\n", {"slabs"}},
      {"slabs reassign 1 2\r\n", {"slabs args(3)=reassign,1,2"}},
      {"slabs automove 1 noreply\r\n", {"slabs noreply args(3)=automove,1,noreply"}},
      {"slabs reassign 1 noreply\r\n", {"slabs args(3)=reassign,1,noreply"}},
      {"lru_crawler metadump all\r\n", {"lru_crawler args(2)=metadump,all"}},
      {"lru_crawler a b c d e\r\n", {"lru_crawler args(5)=a,b,c,d"}},
      {"cache_memlimit 64\r\n", {"cache_memlimit args(1)=64"}},
      {"cache_memlimit 64 noreply\r\n", {"cache_memlimit noreply args(2)=64,noreply"}},
      {"cache_memlimit\r\n", {"ERROR"}},
      {"cache_memlimit 1 2 3\r\n", {"ERROR"}},
      {"stats cachedump 1 2\r\n", {"stats arg=cachedump"}},
  });
}

TEST(TextRequestParserTest, UnknownCommands) {
  ExpectCases({
      {"\r\n", {"ERROR"}},
      {"\n", {"ERROR"}},
      {"\r\r\n", {"ERROR"}},
      {"   \r\n", {"ERROR"}},
      {"x\r\n", {"ERROR"}},
      {"foo\r\n", {"ERROR"}},
      {"foo bar HTTP/1.0 baz\r\n", {"ERROR"}},
      {"mx\r\n", {"ERROR"}},
      {"mn\r\n", {"ERROR"}},  // the connection hands meta commands to MetaRequestParser
      {std::string("\0get a\r\n", 8), {"ERROR"}},
      // A web client: memcached closes without a word.
      {"GET / HTTP/1.1\r\nHost: x\r\n\r\n", {"<close>"}},
      {"POST /x HTTP/1.0\r\n", {"<close>"}},
      {"foo HTTP/1.1\r\n", {"<close>"}},
      {"version\r\nfoo HTTP/1.1\r\nversion\r\n", {"version", "<close>"}},
  });
}

TEST(TextRequestParserTest, Pipelines) {
  std::string input;
  std::vector<std::string> expected;
  for (int i = 0; i < 50; ++i) {
    absl::StrAppend(&input, "set k", i, " ", i, " 0 2\r\nv", i % 10, "\r\n");
    expected.push_back(
        absl::StrCat("set key=k", i, " flags=", i, " exptime=0 bytes=2 value=v", i % 10));
    absl::StrAppend(&input, "get k", i, " k", i + 1, "\n");
    expected.push_back(absl::StrCat("get keys=k", i, ",k", i + 1));
    absl::StrAppend(&input, "incr n", i, " 1 noreply\r\n");
    expected.push_back(absl::StrCat("incr key=n", i, " delta=1 noreply"));
    absl::StrAppend(&input, "bogus\r\n");
    expected.push_back("ERROR");
    absl::StrAppend(&input, "set big 0 0 2000\r\n", std::string(2000, 'b'), "\r\n");
    expected.push_back("set key=big flags=0 exptime=0 bytes=2000 value= too_large +swallow 2002");
    absl::StrAppend(&input, "delete k", i, " noreply\r\n");
    expected.push_back(absl::StrCat("delete key=k", i, " noreply"));
  }
  input += "quit\r\n";
  expected.push_back("quit");
  EXPECT_THAT(ParseEverySplit(input), ElementsAreArray(expected));
}

TEST(TextRequestParserTest, ConsumedCountsTheWholeRequest) {
  const TextRequestParser parser;
  TextRequest request;
  const std::string input = "set a 0 0 3\r\nabc\r\nget a\r\n";
  ParseResult r = parser.Parse(input, &request);
  ASSERT_EQ(r.status, ParseStatus::kOk);
  EXPECT_EQ(r.consumed, 18u);
  // The value is a view into the input: no copy.
  EXPECT_EQ(request.value.data(), input.data() + 13);
  EXPECT_EQ(request.key.data(), input.data() + 4);
  r = parser.Parse(std::string_view(input).substr(18), &request);
  ASSERT_EQ(r.status, ParseStatus::kOk);
  EXPECT_EQ(r.consumed, 7u);
  EXPECT_THAT(request.keys, ElementsAre("a"));
  EXPECT_TRUE(request.value.empty());
}

TEST(TextRequestParserTest, RequestIsResetBetweenParses) {
  const TextRequestParser parser;
  TextRequest request;
  ASSERT_EQ(parser.Parse("cas a 1 2 1 7 noreply\r\nx\r\n", &request).status, ParseStatus::kOk);
  ASSERT_EQ(parser.Parse("get b\r\n", &request).status, ParseStatus::kOk);
  EXPECT_EQ(Describe(request), "get keys=b");
  ASSERT_EQ(parser.Parse("get " + Keys(40) + "\r\n", &request).status, ParseStatus::kOk);
  ASSERT_EQ(parser.Parse("get c\r\n", &request).status, ParseStatus::kOk);
  EXPECT_EQ(Describe(request), "get keys=c");
}

// The server receives a large value into memory of its own once the command line is parsed
// (ParseStorageHeader), then ends the request with the two bytes after the value (EndDataBlock).
TEST(TextRequestParserTest, StorageHeaderWithoutItsValue) {
  TextRequestParser parser;
  TextRequest request;
  size_t line = 0;
  const std::string header = "cas k 5 0 100 77 noreply\r\n";
  const std::string input = header + "abc";  // the request points into it
  ASSERT_TRUE(parser.ParseStorageHeader(input, &request, &line));
  EXPECT_EQ(line, header.size());
  EXPECT_EQ(request.command, TextCommand::kCas);
  EXPECT_EQ(request.key, "k");
  EXPECT_EQ(request.client_flags, 5u);
  EXPECT_EQ(request.bytes, 100u);
  EXPECT_EQ(request.cas_unique, 77u);
  EXPECT_TRUE(request.noreply);
  // Whole requests, partial lines, other commands, refused and too-large stores go to Parse.
  EXPECT_FALSE(parser.ParseStorageHeader("set k 0 0 1\r\na\r\n", &request, &line));
  EXPECT_FALSE(parser.ParseStorageHeader("set k 0 0 100", &request, &line));
  EXPECT_FALSE(parser.ParseStorageHeader("get k\r\n", &request, &line));
  EXPECT_FALSE(parser.ParseStorageHeader("set k x 0 100\r\n", &request, &line));
  EXPECT_FALSE(parser.ParseStorageHeader("set k 0 0 2000000\r\n", &request, &line));

  ASSERT_TRUE(parser.ParseStorageHeader("set k 0 0 100\r\n", &request, &line));
  const ParseResult ok = TextRequestParser::EndDataBlock(request, line, "\r\n");
  EXPECT_EQ(ok.status, ParseStatus::kOk);
  EXPECT_EQ(ok.consumed, line + 100 + 2);
  const ParseResult bad = TextRequestParser::EndDataBlock(request, line, "\rX");
  EXPECT_EQ(bad.status, ParseStatus::kClientError);
  EXPECT_EQ(bad.error, "CLIENT_ERROR bad data chunk");
  EXPECT_EQ(bad.consumed, line + 100 + 2);
  request.noreply = true;
  EXPECT_EQ(TextRequestParser::EndDataBlock(request, line, "XY").error, "");
}

}  // namespace
}  // namespace memkv::protocol
