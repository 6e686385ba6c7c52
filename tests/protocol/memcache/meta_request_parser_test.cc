// Tests of MetaRequestParser: every meta command and flag, every error memcached 1.6.18 answers
// (each expected text below was checked against a running memcached 1.6.18), base64 keys, "\n" and
// "\r\n" line ends, and every case re-parsed when cut into fragments of 1, 2, 3, 5, 7, 10 and
// 100 bytes fed cumulatively, as a connection feeds them.
#include "protocol/memcache/meta_request_parser.h"

#include <sstream>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "protocol/memcache/base64.h"

namespace memkv::protocol {
namespace {

// Everything a parse produced, flattened so that two parses compare with ==.
std::string Describe(const ParseResult& r, const MetaRequest& m) {
  std::ostringstream s;
  s << ParseStatusName(r.status) << " consumed=" << r.consumed << " error='" << r.error
    << "' swallow=" << r.swallow;
  if (r.status != ParseStatus::kOk) return s.str();
  s << " cmd=" << MetaCommandName(m.command) << " key='" << m.key() << "' raw='" << m.raw_key
    << "' b=" << m.base64_key << " flags=[";
  for (size_t i = 0; i < m.flag_count; ++i) s << m.flags[i].token << ",";
  s << "] vkftcshl=" << m.return_value << m.return_key << m.return_client_flags << m.return_ttl
    << m.return_cas << m.return_size << m.return_hit << m.return_last_access;
  s << " q=" << m.quiet << " u=" << m.no_bump << " I=" << m.invalidate << " O='" << m.opaque << "'";
  if (m.has_ttl) s << " T=" << m.ttl;
  if (m.has_vivify) s << " N=" << m.vivify_ttl;
  if (m.has_recache) s << " R=" << m.recache_ttl;
  if (m.has_client_flags) s << " F=" << m.client_flags;
  if (m.has_compare_cas) s << " C=" << m.compare_cas;
  if (m.has_new_cas) s << " E=" << m.new_cas;
  s << " mode=" << static_cast<int>(m.mode) << " set_mode=" << static_cast<int>(m.set_mode)
    << " decr=" << m.decrement << " D=" << m.delta << " J=" << m.initial << " value='" << m.value
    << "' too_large=" << m.too_large;
  return s.str();
}

std::string ParseWhole(const MetaRequestParser& parser, std::string_view input) {
  MetaRequest request;
  return Describe(parser.Parse(input, &request), request);
}

// Feeds `input` `step` bytes at a time into a growing buffer, as a connection would, until the
// parser answers something other than kNeedMore (or the input runs out).
std::string ParseInSteps(const MetaRequestParser& parser, std::string_view input, size_t step) {
  MetaRequest request;
  ParseResult result;
  for (size_t have = std::min(step, input.size());; have = std::min(have + step, input.size())) {
    result = parser.Parse(input.substr(0, have), &request);
    if (result.status != ParseStatus::kNeedMore || have == input.size()) break;
    EXPECT_EQ(result.consumed, 0u);
  }
  return Describe(result, request);
}

struct Case {
  std::string input;
  ParseStatus status;
  std::string error = "";  // expected error text (kClientError / kMustClose)
  size_t swallow = 0;
  size_t consumed = 0;
};

// A whole request: all of the input is consumed.
Case Ok(std::string input) {
  const size_t size = input.size();
  return {std::move(input), ParseStatus::kOk, "", 0, size};
}
// A refused request: its first line is consumed, unless `consumed` says otherwise.
Case Err(std::string input, std::string error, size_t swallow = 0, size_t consumed = 0) {
  if (consumed == 0) consumed = input.find('\n') + 1;
  return {std::move(input), ParseStatus::kClientError, std::move(error), swallow, consumed};
}
Case Close(std::string input) { return {std::move(input), ParseStatus::kMustClose}; }
// An ms too large to store: taken with its line alone, its data (plus CRLF) to be swallowed.
Case TooLarge(std::string input, size_t swallow) {
  const size_t line = input.find('\n') + 1;
  return {std::move(input), ParseStatus::kOk, "", swallow, line};
}

const std::string kBadFormat = "CLIENT_ERROR bad command line format";
const std::string kBadToken = "CLIENT_ERROR bad token in command line format";
const std::string kInvalidOrDuplicate = "CLIENT_ERROR invalid or duplicate flag";

const std::string kKey250(250, 'k');
const std::string kKey251(251, 'k');
const std::string kFlags17 = " c f h k l q s t u v O P L I MS E1 C1";
const std::string kFlags18 = kFlags17 + " F1";

// Requests memcached accepts.
std::vector<Case> AcceptedCases() {
  return {
      Ok("mn\r\n"),
      Ok("mn\n"),
      Ok("mn foo bar\r\n"),
      Ok("mg foo\r\n"),
      Ok("mg foo v\n"),
      Ok("mg foo s v t c f l h O123 k q u\r\n"),
      Ok("mg  foo   v  k  \r\n"),
      Ok("mg foo T30 N-1 R0 E77 P/path Lx\r\n"),
      Ok("mg foo T4294967396\r\n"),  // strtol into a long, then truncated to 32 bits: T100
      Ok("mg foo T+7 C18446744073709551615 F4294967297\r\n"),
      Ok("mg foo ME\r\n"),  // mg takes and ignores a mode
      Ok("mg YWJj b k v\r\n"),
      Ok("mg YW!Jj b\r\n"),  // memcached's decoder skips bytes outside the alphabet
      Ok("mg " + kKey250 + " v\r\n"),
      Ok("mg foo" + kFlags17 + "\r\n"),
      Ok("mg foo O1234567890123456789012345678901\r\n"),  // 32 bytes with the O
      Ok("ms foo 2\r\nhi\r\n"),
      Ok("ms foo 2\nhi\r\n"),
      Ok("ms foo 0\r\n\r\n"),
      Ok("ms Zm9v 5 T-1 F5 C99 E100 I q k c O9 b\r\nhello\r\n"),
      Ok("ms foo 2 MS\r\nhi\r\n"),
      Ok("ms foo 2 ME\r\nhi\r\n"),
      Ok("ms foo 2 MA\r\nhi\r\n"),
      Ok("ms foo 2 MP\r\nhi\r\n"),
      Ok("ms foo 2 MR\r\nhi\r\n"),
      Ok("ms foo 4 v\r\n\r\n\r\n\r\n"),  // the data may hold CRLF
      Ok("md foo\r\n"),
      Ok("md Zm9v q I T30 C5 k O1 E9 b\r\n"),
      Ok("ma foo\r\n"),
      Ok("ma foo N0 J10 D5 T60 MD q t c v k O2\r\n"),
      Ok("ma foo MI\r\n"),
      Ok("ma foo M+\r\n"),
      Ok("ma foo M-\r\n"),
      Ok("ma foo D18446744073709551615\r\n"),
      Ok("me foo\r\n"),
      Ok("me YWJj b\r\n"),
      Ok("me foo zz yy\r\n"),  // me ignores everything after its key but a lone b
      Ok("mg foo v\rx\r\n"),   // a CR inside a token is part of it
      Ok(std::string("mg foo v\0garbage\r\n", 18)),  // memcached reads the line as a C string
  };
}

// Refused for their command or key.
std::vector<Case> KeyCases() {
  return {
      // Missing key.
      Err("mg\r\n", "ERROR"),
      Err("ms\r\n", "ERROR"),
      Err("md\r\n", "ERROR"),
      Err("ma\r\n", "ERROR"),
      Err("me\r\n", kBadFormat),
      Err("mg \r\n", "ERROR"),
      // Not a meta command after all.
      Err("mg\r\r\n", "ERROR"),
      Close("mg\r HTTP/1.1\r\n"),
      // Keys.
      Err("mg " + kKey251 + " v\r\n", kBadFormat),
      Err("md " + kKey251 + "\r\n", kBadFormat),
      Err("ma " + kKey251 + "\r\n", kBadFormat),
      Err("me " + kKey251 + "\r\n", kBadFormat),
      Err("ms " + kKey251 + " 2\r\nhi\r\n", kBadFormat),  // no swallow: memcached reads "hi"
      Err("mg a b\r\n", "CLIENT_ERROR error decoding key"),
      Err("mg YWJ b\r\n", "CLIENT_ERROR error decoding key"),
      Err("mg Y=== b\r\n", "CLIENT_ERROR error decoding key"),
      Err("md a b\r\n", kInvalidOrDuplicate),
      Err("me a b\r\n", kBadFormat),
  };
}

// Refused for their flags.
std::vector<Case> FlagCases() {
  return {
      // Flags.
      Err("mg foo zz\r\n", "CLIENT_ERROR invalid flag"),
      Err("mg foo v v\r\n", "CLIENT_ERROR duplicate flag"),
      Err("mg foo v vx\r\n", "CLIENT_ERROR duplicate flag"),
      Err("mg foo \xff\r\n", "CLIENT_ERROR duplicate flag"),
      Err("mg foo Tx\r\n", kBadToken),
      Err("mg foo T\r\n", kBadToken),
      Err("mg foo T5x\r\n", kBadToken),
      Err("mg foo T99999999999999999999\r\n", kBadToken),
      Err("mg foo Nx\r\n", kBadToken),
      Err("mg foo Rx\r\n", kBadToken),
      Err("mg foo Cx\r\n", kBadToken),
      Err("mg foo C-1\r\n", kBadToken),
      Err("mg foo Ex\r\n", kBadToken),
      Err("mg foo Fx\r\n", kBadFormat),
      Err("mg foo F-1\r\n", kBadFormat),
      Err("mg foo Jx Fx\r\n", "CLIENT_ERROR invalid numeric initial value"),
      Err("mg foo MEE\r\n", "CLIENT_ERROR incorrect length for M token"),
      Err("mg foo M\r\n", "CLIENT_ERROR incorrect length for M token"),
      Err("mg foo Jx\r\n", "CLIENT_ERROR invalid numeric initial value"),
      Err("mg foo Dx\r\n", "CLIENT_ERROR invalid numeric delta value"),
      Err("mg foo Jx Dx\r\n", "CLIENT_ERROR invalid numeric delta value"),
      Err("mg foo Dx Jx\r\n", "CLIENT_ERROR invalid numeric initial value"),
      Err("mg foo Tx zz\r\n", "CLIENT_ERROR invalid flag"),
      Err("mg foo O12345678901234567890123456789012\r\n", "CLIENT_ERROR opaque token too long"),
      Err("mg foo" + kFlags18 + "\r\n", "CLIENT_ERROR options flags are too long"),
      Err("md foo zz\r\n", kInvalidOrDuplicate),
      Err("md foo k k\r\n", kInvalidOrDuplicate),
      Err("md foo Tx\r\n", kInvalidOrDuplicate),
      Err("md foo O12345678901234567890123456789012\r\n", "CLIENT_ERROR opaque token too long"),
      Err("md foo" + kFlags18 + "\r\n", "CLIENT_ERROR options flags too long"),
      Err("ma foo zz\r\n", kInvalidOrDuplicate),
      Err("ma foo Dx\r\n", kInvalidOrDuplicate),
      Err("ma foo MII\r\n", kInvalidOrDuplicate),
      Err("ma foo Mx\r\n", "CLIENT_ERROR invalid mode for ma M token"),
      Err("ma foo ME\r\n", "CLIENT_ERROR invalid mode for ma M token"),
      Err("ma foo O12345678901234567890123456789012\r\n", "CLIENT_ERROR opaque token too long"),
      Err("ma foo" + kFlags18 + "\r\n", "CLIENT_ERROR options flags too long"),
  };
}

// ms: refusals, items at and over the size limit, bad data chunks; and a line too long.
std::vector<Case> SetCases() {
  return {
      // ms: errors before the data length is known leave the data to be read as commands;
      // later ones swallow it.
      Err("ms foo\r\n", kBadFormat),
      Err("ms foo x\r\nhi\r\n", kBadFormat),
      Err("ms foo -1\r\n", kBadFormat),
      Err("ms foo 2147483646\r\n", kBadFormat),
      Err("ms foo" + std::string(" 2") + kFlags18 + "\r\nhi\r\n",
          "CLIENT_ERROR options flags too long"),
      Err("ms foo 2 zz\r\nhi\r\n", "CLIENT_ERROR invalid flag", 4),
      Err("ms foo 2 q q\r\nhi\r\n", "CLIENT_ERROR duplicate flag", 4),
      Err("ms foo 2 Fx\r\nhi\r\n", kBadFormat, 4),
      Err("ms foo 2 Tx\r\nhi\r\n", kBadToken, 4),
      Err("ms foo 2 MX\r\nhi\r\n", "CLIENT_ERROR invalid mode for ms M token", 4),
      Err("ms foo 2 Ma\r\nhi\r\n", "CLIENT_ERROR invalid mode for ms M token", 4),
      Err("ms foo 2 MEE\r\nhi\r\n", "CLIENT_ERROR incorrect length for M token", 4),
      Err("ms foo 2 O12345678901234567890123456789012\r\nhi\r\n",
          "CLIENT_ERROR opaque token too long", 4),
      Err("ms foo 2 MX O12345678901234567890123456789012\r\nhi\r\n",
          "CLIENT_ERROR invalid mode for ms M token", 4),
      // Too large: the line is taken, the data swallowed whatever it holds, in every mode.
      TooLarge("ms a 2000000 T0\r\n", 2000002),
      TooLarge("ms a 1048517\r\n", 1048519),
      TooLarge("ms a 1048513 F1\r\n", 1048515),
      TooLarge("ms a 1048517 ME q O1 k c C5 I\r\n", 1048519),
      TooLarge("ms a 1048517 MA\r\n", 1048519),
      TooLarge("ms YQ== 1048517 b\r\n", 1048519),  // sized by the decoded key
      TooLarge("ms a 1048517\r\nnot the data\r\n", 1048519),
      Ok("ms a 1048516\r\n" + std::string(1048516, 'v') + "\r\n"),
      Ok("ms YQ== 1048516 b\r\n" + std::string(1048516, 'v') + "\r\n"),
      // Errors memcached finds before it sizes the item still win.
      Err("ms a 1048517 MX\r\n", "CLIENT_ERROR invalid mode for ms M token", 1048519),
      Err("ms a 1048517 zz\r\n", "CLIENT_ERROR invalid flag", 1048519),
      Err("ms foo 2\r\nhix\r\n", "CLIENT_ERROR bad data chunk", 0, 14),
      Err("ms foo 2\nhi\nmn\n", "CLIENT_ERROR bad data chunk", 0, 13),
      Err("ms foo 2 q\r\nhixx", "CLIENT_ERROR bad data chunk", 0, 16),  // q never silences errors
      // No newline within 2048 bytes.
      Close("mg foo v" + std::string(2041, ' ')),
  };
}

std::vector<Case> AllCases() {
  std::vector<Case> cases;
  for (auto part : {AcceptedCases, KeyCases, FlagCases, SetCases}) {
    for (Case& c : part()) cases.push_back(std::move(c));
  }
  return cases;
}

class MetaRequestParserTest : public ::testing::Test {
 protected:
  MetaRequestParser parser_;
};

TEST_F(MetaRequestParserTest, EveryCaseAnswersAsMemcached) {
  for (const Case& c : AllCases()) {
    SCOPED_TRACE(c.input.substr(0, 80));
    MetaRequest request;
    const ParseResult r = parser_.Parse(c.input, &request);
    EXPECT_EQ(ParseStatusName(r.status), ParseStatusName(c.status));
    EXPECT_EQ(r.error, c.error);
    EXPECT_EQ(r.swallow, c.swallow);
    EXPECT_EQ(r.consumed, c.consumed);
  }
}

TEST_F(MetaRequestParserTest, EveryCaseParsesTheSameAtEveryFragmentSize) {
  for (const Case& c : AllCases()) {
    const std::string whole = ParseWhole(parser_, c.input);
    for (size_t step : {1, 2, 3, 5, 7, 10, 100}) {
      SCOPED_TRACE(absl::StrCat(c.input.substr(0, 60), " step ", step));
      EXPECT_EQ(ParseInSteps(parser_, c.input, step), whole);
    }
  }
}

TEST_F(MetaRequestParserTest, NoopTakesOnlyItsLine) {
  MetaRequest r;
  const ParseResult result = parser_.Parse("mn\r\nmg foo v\r\n", &r);
  EXPECT_EQ(result.status, ParseStatus::kOk);
  EXPECT_EQ(result.consumed, 4u);
  EXPECT_EQ(r.command, MetaCommand::kNoop);
}

TEST_F(MetaRequestParserTest, GetKeepsFlagsInRequestOrder) {
  MetaRequest r;
  const std::string input = "mg foo t T30 s v O9 k\r\n";
  ASSERT_EQ(parser_.Parse(input, &r).status, ParseStatus::kOk);
  EXPECT_EQ(r.command, MetaCommand::kGet);
  EXPECT_EQ(r.key(), "foo");
  std::string letters;
  for (size_t i = 0; i < r.flag_count; ++i) letters.push_back(r.flags[i].letter);
  EXPECT_EQ(letters, "tTsvOk");
  EXPECT_TRUE(r.has_ttl);
  EXPECT_EQ(r.ttl, 30);
  EXPECT_EQ(r.opaque, "O9");
  EXPECT_TRUE(r.return_ttl && r.return_size && r.return_value && r.return_key);
  EXPECT_FALSE(r.return_cas || r.quiet);
}

TEST_F(MetaRequestParserTest, NumericTokensFollowMemcachedsStrtol) {
  MetaRequest r;
  ASSERT_EQ(parser_.Parse("mg foo T4294967396 N-5 R+7 F4294967297\r\n", &r).status,
            ParseStatus::kOk);
  EXPECT_EQ(r.ttl, 100);  // truncated to 32 bits, as memcached does
  EXPECT_EQ(r.vivify_ttl, -5);
  EXPECT_EQ(r.recache_ttl, 7);
  EXPECT_EQ(r.client_flags, 1u);
  ASSERT_EQ(parser_.Parse("ma foo D-0 J18446744073709551615 C0\r\n", &r).status, ParseStatus::kOk);
  EXPECT_EQ(r.delta, 0u);
  EXPECT_EQ(r.initial, 18446744073709551615u);
  EXPECT_TRUE(r.has_compare_cas);
  EXPECT_EQ(r.compare_cas, 0u);
}

TEST_F(MetaRequestParserTest, SetValueIsAViewIntoTheInput) {
  MetaRequest r;
  const std::string input = "ms foo 5 T60 F3 MA c\r\nhello\r\nmn\r\n";
  const ParseResult result = parser_.Parse(input, &r);
  ASSERT_EQ(result.status, ParseStatus::kOk);
  EXPECT_EQ(result.consumed, input.size() - 4);
  EXPECT_EQ(r.value, "hello");
  EXPECT_EQ(r.value.data(), input.data() + 22);
  EXPECT_EQ(r.set_mode, MetaSetMode::kAppend);
  EXPECT_EQ(r.ttl, 60);
  EXPECT_EQ(r.client_flags, 3u);
  EXPECT_TRUE(r.return_cas);
}

TEST_F(MetaRequestParserTest, SetModes) {
  const std::pair<const char*, MetaSetMode> modes[] = {{"S", MetaSetMode::kSet},
                                                       {"E", MetaSetMode::kAdd},
                                                       {"A", MetaSetMode::kAppend},
                                                       {"P", MetaSetMode::kPrepend},
                                                       {"R", MetaSetMode::kReplace}};
  for (const auto& [letter, mode] : modes) {
    MetaRequest r;
    ASSERT_EQ(parser_.Parse(absl::StrCat("ms k 1 M", letter, "\r\nx\r\n"), &r).status,
              ParseStatus::kOk);
    EXPECT_EQ(r.set_mode, mode) << letter;
  }
}

TEST_F(MetaRequestParserTest, ArithmeticModesAndDefaults) {
  MetaRequest r;
  ASSERT_EQ(parser_.Parse("ma foo\r\n", &r).status, ParseStatus::kOk);
  EXPECT_FALSE(r.decrement);
  EXPECT_EQ(r.delta, 1u);
  EXPECT_EQ(r.initial, 0u);
  for (const char* mode : {"MD", "M-"}) {
    ASSERT_EQ(parser_.Parse(absl::StrCat("ma foo ", mode, "\r\n"), &r).status, ParseStatus::kOk);
    EXPECT_TRUE(r.decrement) << mode;
  }
  for (const char* mode : {"MI", "M+"}) {
    ASSERT_EQ(parser_.Parse(absl::StrCat("ma foo ", mode, "\r\n"), &r).status, ParseStatus::kOk);
    EXPECT_FALSE(r.decrement) << mode;
  }
}

TEST_F(MetaRequestParserTest, Base64KeysAreDecodedIntoTheRequest) {
  MetaRequest r;
  const std::string binary("\x00\x01\xfe\xff key", 8);
  std::string encoded;
  AppendBase64(binary, &encoded);
  const std::string input = "mg " + encoded + " b v\r\n";
  ASSERT_EQ(parser_.Parse(input, &r).status, ParseStatus::kOk);
  EXPECT_TRUE(r.base64_key);
  EXPECT_EQ(r.raw_key, encoded);
  EXPECT_EQ(r.key(), binary);
  MetaRequest copy = r;  // the decoded key lives in the request: copies stay valid
  r.Clear();
  EXPECT_EQ(copy.key(), binary);
  ASSERT_EQ(parser_.Parse("me " + encoded + " b\r\n", &r).status, ParseStatus::kOk);
  EXPECT_EQ(r.key(), binary);
}

TEST_F(MetaRequestParserTest, LongestBase64KeyFits) {
  MetaRequest r;
  // 250 bytes, of which 248 are in the alphabet: 186 zero bytes, the most a key can hold.
  const std::string input = "mg " + std::string(248, 'A') + "!! b\r\n";
  ASSERT_EQ(parser_.Parse(input, &r).status, ParseStatus::kOk);
  EXPECT_EQ(r.key(), std::string(186, '\0'));
}

TEST_F(MetaRequestParserTest, LimitsComeFromTheConstructor) {
  MetaRequestParserLimits limits;
  limits.max_item_bytes = 100;
  limits.max_key_length = 4;
  limits.max_line_length = 30;
  MetaRequestParser small(limits);
  MetaRequest r;
  EXPECT_EQ(small.Parse("mg abcde v\r\n", &r).error, kBadFormat);
  EXPECT_EQ(small.Parse("mg abcd v\r\n", &r).status, ParseStatus::kOk);
  // 59 bytes of overhead + key 1 + value 40 = 100: fits; 41 does not.
  EXPECT_EQ(small.Parse("ms a 40\r\n", &r).status, ParseStatus::kNeedMore);
  const ParseResult too_large = small.Parse("ms a 41 MR\r\n", &r);
  EXPECT_EQ(too_large.status, ParseStatus::kOk);
  EXPECT_EQ(too_large.consumed, 12u);
  EXPECT_EQ(too_large.swallow, 43u);
  EXPECT_TRUE(too_large.error.empty());
  EXPECT_EQ(r.command, MetaCommand::kSet);
  EXPECT_EQ(r.key(), "a");
  EXPECT_EQ(r.set_mode, MetaSetMode::kReplace);
  EXPECT_TRUE(r.too_large);
  EXPECT_TRUE(r.value.empty());
  ASSERT_EQ(small.Parse("ms a 1\r\nx\r\n", &r).status, ParseStatus::kOk);
  EXPECT_FALSE(r.too_large);  // Clear() resets it
  EXPECT_EQ(small.Parse(std::string(30, 'm'), &r).status, ParseStatus::kNeedMore);
  EXPECT_EQ(small.Parse(std::string(31, 'm'), &r).status, ParseStatus::kMustClose);
}

TEST_F(MetaRequestParserTest, LineOfExactlyTheLimitIsAccepted) {
  // memcached closes only when more than 2048 bytes hold no newline: a newline at offset 2048
  // is still found.
  const std::string line = "mg foo v" + std::string(2040, ' ') + "\n";
  ASSERT_EQ(line.size(), 2049u);
  MetaRequest r;
  EXPECT_EQ(parser_.Parse(line, &r).status, ParseStatus::kOk);
  EXPECT_EQ(ParseInSteps(parser_, line, 7), ParseWhole(parser_, line));
}

TEST_F(MetaRequestParserTest, PartialInputConsumesNothing) {
  MetaRequest r;
  for (const char* partial : {"", "m", "mg", "mg foo v", "mg foo v\r", "ms foo 5\r\n",
                              "ms foo 5\r\nhel", "ms foo 5\r\nhello", "ms foo 5\r\nhello\r"}) {
    const ParseResult result = parser_.Parse(partial, &r);
    EXPECT_EQ(result.status, ParseStatus::kNeedMore) << partial;
    EXPECT_EQ(result.consumed, 0u) << partial;
  }
}

TEST(LooksLikeMetaCommandTest, RecognisesMetaTokensOnly) {
  for (const char* yes : {"mn\r\n", "mn\n", "mg foo", "ms ", "md\r", "ma x", "me foo"}) {
    EXPECT_TRUE(LooksLikeMetaCommand(yes)) << yes;
  }
  for (const char* no : {"", "m", "mg", "mx foo", "mgx", "get foo", "mg\tfoo", "MG foo", "meta"}) {
    EXPECT_FALSE(LooksLikeMetaCommand(no)) << no;
  }
}

TEST(LooksLikeMetaCommandTest, SkipsLeadingSpacesAsMemcachedsTokenizerDoes) {
  // memcached 1.6.18 answers "  mn" with MN and " mg k v" with the value.
  for (const char* yes : {" mg foo", "  mn\r\n", "   ms k 2\r\n", " md\r", "    me k"}) {
    EXPECT_TRUE(LooksLikeMetaCommand(yes)) << yes;
  }
  // Tabs are not separators ("\tmg k v" is ERROR); too short a prefix waits for more bytes.
  for (const char* no : {"\tmg foo", " \tmg foo", "   ", "  m", "  mg", "  get foo"}) {
    EXPECT_FALSE(LooksLikeMetaCommand(no)) << no;
  }
  MetaRequestParser parser;
  MetaRequest r;
  const ParseResult result = parser.Parse("  mg foo v\r\n", &r);
  EXPECT_EQ(result.status, ParseStatus::kOk);
  EXPECT_EQ(r.command, MetaCommand::kGet);
  EXPECT_EQ(r.key(), "foo");
}

TEST(Base64Test, RoundTripsAndMatchesMemcachedsQuirks) {
  for (std::string_view bytes : {"", "a", "ab", "abc", "abcd", "\xff\x00\x10"}) {
    std::string encoded;
    AppendBase64(bytes, &encoded);
    EXPECT_EQ(encoded.size(), Base64EncodedSize(bytes.size()));
    char out[16];
    if (bytes.empty()) {
      EXPECT_EQ(DecodeBase64(encoded, out, sizeof(out)), 0u);  // nothing to decode is a failure
      continue;
    }
    ASSERT_EQ(DecodeBase64(encoded, out, sizeof(out)), bytes.size()) << encoded;
    EXPECT_EQ(std::string_view(out, bytes.size()), bytes);
  }
  std::string encoded;
  AppendBase64("abc", &encoded);
  EXPECT_EQ(encoded, "YWJj");
  char out[16];
  EXPECT_EQ(DecodeBase64("YW!J.j", out, sizeof(out)), 3u);    // foreign bytes skipped
  EXPECT_EQ(DecodeBase64("YQ==YWJj", out, sizeof(out)), 1u);  // stops after padding
  EXPECT_EQ(DecodeBase64("Y===", out, sizeof(out)), 0u);
  EXPECT_EQ(DecodeBase64("YWJ", out, sizeof(out)), 0u);
  EXPECT_EQ(DecodeBase64("YWJjYWJj", out, 3), 0u);  // no room
}

// As TextRequestParserTest.StorageHeaderWithoutItsValue, for ms.
TEST(MetaRequestParserHeaderTest, SetHeaderWithoutItsValue) {
  MetaRequestParser parser;
  MetaRequest request;
  size_t line = 0;
  size_t value = 0;
  const std::string header = "ms k 100 T30 F7 c\r\n";
  const std::string input = header + "ab";  // the request points into it
  ASSERT_TRUE(parser.ParseSetHeader(input, &request, &line, &value));
  EXPECT_EQ(line, header.size());
  EXPECT_EQ(value, 100u);
  EXPECT_EQ(request.command, MetaCommand::kSet);
  EXPECT_EQ(request.key(), "k");
  EXPECT_EQ(request.client_flags, 7u);
  EXPECT_FALSE(parser.ParseSetHeader("ms k 1\r\na\r\n", &request, &line, &value));
  EXPECT_FALSE(parser.ParseSetHeader("ms k 100 MX\r\n", &request, &line, &value));
  EXPECT_FALSE(parser.ParseSetHeader("mg k v\r\n", &request, &line, &value));
  EXPECT_FALSE(parser.ParseSetHeader("ms k 100", &request, &line, &value));
  EXPECT_EQ(MetaRequestParser::EndDataBlock(line, 100, "\r\n").status, ParseStatus::kOk);
  const ParseResult bad = MetaRequestParser::EndDataBlock(line, 100, "XY");
  EXPECT_EQ(bad.status, ParseStatus::kClientError);
  EXPECT_EQ(bad.error, "CLIENT_ERROR bad data chunk");
  EXPECT_EQ(bad.consumed, line + 102);
}

}  // namespace
}  // namespace memkv::protocol
