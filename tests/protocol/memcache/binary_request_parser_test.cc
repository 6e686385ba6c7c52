// Tests of BinaryRequestParser: framing as memcached 1.6.18 frames (what is consumed and what is
// swallowed for each command), every refusal it flags, the item limit on a value that must not be
// buffered, and every case re-parsed at every fragment size, fed cumulatively as a connection
// feeds them. The answers these framings lead to are compared with a real memcached by
// tests/server/binary_oracle_test.py.
#include "protocol/memcache/binary_request_parser.h"

#include <cstdint>
#include <sstream>
#include <string>
#include <string_view>
#include <vector>

#include "gtest/gtest.h"
#include "protocol/memcache/binary_protocol.h"

namespace memkv::protocol {
namespace {

namespace bin = binary;

void PutBigEndian(uint64_t value, size_t width, std::string* out) {
  for (size_t i = width; i-- > 0;) out->push_back(static_cast<char>(value >> (8 * i)));
}

// One request packet; `body_length` overrides the true body length when not ~0.
std::string Packet(uint8_t opcode, std::string_view key = {}, std::string_view extras = {},
                   std::string_view value = {}, uint32_t opaque = 0, uint64_t cas = 0,
                   uint32_t body_length = ~0u) {
  std::string out;
  out.push_back(static_cast<char>(bin::kRequestMagic));
  out.push_back(static_cast<char>(opcode));
  PutBigEndian(key.size(), 2, &out);
  out.push_back(static_cast<char>(extras.size()));
  out.push_back('\0');
  PutBigEndian(0, 2, &out);
  const size_t body = key.size() + extras.size() + value.size();
  PutBigEndian(body_length == ~0u ? body : body_length, 4, &out);
  PutBigEndian(opaque, 4, &out);
  PutBigEndian(cas, 8, &out);
  out.append(extras);
  out.append(key);
  out.append(value);
  return out;
}

std::string SetExtras(uint32_t flags, uint32_t expiration) {
  std::string out;
  PutBigEndian(flags, 4, &out);
  PutBigEndian(expiration, 4, &out);
  return out;
}

std::string IncrExtras(uint64_t delta, uint64_t initial, uint32_t expiration) {
  std::string out;
  PutBigEndian(delta, 8, &out);
  PutBigEndian(initial, 8, &out);
  PutBigEndian(expiration, 4, &out);
  return out;
}

// Everything a parse produced, flattened so that two parses compare with ==.
std::string Describe(const ParseResult& r, const BinaryRequest& q) {
  std::ostringstream s;
  s << ParseStatusName(r.status) << " consumed=" << r.consumed << " swallow=" << r.swallow;
  if (r.status != ParseStatus::kOk) return s.str();
  s << " op=" << int{q.opcode} << " cmd=" << int{q.command} << " quiet=" << q.quiet
    << " problem=" << static_cast<int>(q.problem) << " body=" << q.body_length
    << " opaque=" << q.opaque << " cas=" << q.cas << " key='" << q.key << "' value='" << q.value
    << "' flags=" << q.flags << " exp=" << q.expiration << " delta=" << q.delta
    << " initial=" << q.initial << " has_exp=" << q.has_expiration;
  return s.str();
}

class BinaryRequestParserTest : public ::testing::Test {
 protected:
  std::string Parse(std::string_view input) {
    BinaryRequest request;
    return Describe(parser_.Parse(input, &request), request);
  }
  // The request's key and value point into the input, so the input is kept (until the next
  // call) for the checks that read them after a temporary packet has gone.
  ParseResult ParseResultOf(std::string input, BinaryRequest* request) {
    input_ = std::move(input);
    return parser_.Parse(input_, request);
  }

  BinaryRequestParser parser_;
  std::string input_;
};

TEST_F(BinaryRequestParserTest, GetTakesHeaderAndKey) {
  BinaryRequest r;
  const std::string packet = Packet(bin::kGetKQ, "key", {}, {}, 0xdeadbeef);
  const ParseResult result = ParseResultOf(packet + "next", &r);
  ASSERT_EQ(result.status, ParseStatus::kOk);
  EXPECT_EQ(result.consumed, packet.size());
  EXPECT_EQ(result.swallow, 0u);
  EXPECT_EQ(r.opcode, bin::kGetKQ);
  EXPECT_EQ(r.command, bin::kGetK);
  EXPECT_TRUE(r.quiet);
  EXPECT_EQ(r.key, "key");
  EXPECT_EQ(r.opaque, 0xdeadbeefu);
  EXPECT_EQ(r.problem, BinaryProblem::kNone);
}

TEST_F(BinaryRequestParserTest, SetTakesItsValueAndDecodesExtras) {
  BinaryRequest r;
  const std::string packet = Packet(bin::kSetQ, "k", SetExtras(7, 300), "value", 1, 99);
  const ParseResult result = ParseResultOf(packet, &r);
  ASSERT_EQ(result.status, ParseStatus::kOk);
  EXPECT_EQ(result.consumed, packet.size());
  EXPECT_EQ(r.command, bin::kSet);
  EXPECT_TRUE(r.quiet);
  EXPECT_EQ(r.flags, 7u);
  EXPECT_EQ(r.expiration, 300u);
  EXPECT_EQ(r.cas, 99u);
  EXPECT_EQ(r.value, "value");
}

TEST_F(BinaryRequestParserTest, IncrementDecodesDeltaInitialAndExpiration) {
  BinaryRequest r;
  const std::string packet =
      Packet(bin::kDecrement, "n", IncrExtras(5, uint64_t{1} << 40, bin::kNoInitialValue));
  ASSERT_EQ(ParseResultOf(packet, &r).status, ParseStatus::kOk);
  EXPECT_EQ(r.delta, 5u);
  EXPECT_EQ(r.initial, uint64_t{1} << 40);
  EXPECT_EQ(r.expiration, bin::kNoInitialValue);
}

TEST_F(BinaryRequestParserTest, WaitsForHeaderKeyAndValue) {
  const std::string packet = Packet(bin::kSet, "key", SetExtras(0, 0), "abcdef");
  for (size_t n = 1; n < packet.size(); ++n) {
    EXPECT_EQ(Parse(packet.substr(0, n)), "need_more consumed=0 swallow=0") << n;
  }
}

TEST_F(BinaryRequestParserTest, BadMagicClosesSilently) {
  BinaryRequest r;
  const ParseResult result = ParseResultOf(std::string(24, '\0'), &r);
  EXPECT_EQ(result.status, ParseStatus::kMustClose);
  EXPECT_TRUE(result.error.empty());
  // Decided on the first byte, as soon as it is there.
  EXPECT_EQ(ParseResultOf("\x81", &r).status, ParseStatus::kMustClose);
}

TEST_F(BinaryRequestParserTest, FlagsWhatMemcachedRefuses) {
  BinaryRequest r;
  // Key longer than the body: unknown command, then close.
  ParseResult result = ParseResultOf(Packet(bin::kGet, "abc", {}, {}, 0, 0, 1), &r);
  EXPECT_EQ(result.status, ParseStatus::kOk);
  EXPECT_EQ(r.problem, BinaryProblem::kBadLengths);
  EXPECT_EQ(result.consumed, 27u);
  // Key over 250 bytes: invalid arguments.
  ParseResultOf(Packet(bin::kGet, std::string(251, 'k')), &r);
  EXPECT_EQ(r.problem, BinaryProblem::kInvalid);
  ParseResultOf(Packet(bin::kGet, std::string(250, 'k')), &r);
  EXPECT_EQ(r.problem, BinaryProblem::kNone);
  // Wrong extras for the command.
  ParseResultOf(Packet(bin::kGet, "k", "1234"), &r);
  EXPECT_EQ(r.problem, BinaryProblem::kInvalid);
  ParseResultOf(Packet(bin::kSet, "k", "1234", "v"), &r);
  EXPECT_EQ(r.problem, BinaryProblem::kInvalid);
  ParseResultOf(Packet(bin::kNoop, {}, {}, "x"), &r);
  EXPECT_EQ(r.problem, BinaryProblem::kInvalid);
  ParseResultOf(Packet(bin::kFlush, {}, "12"), &r);
  EXPECT_EQ(r.problem, BinaryProblem::kInvalid);
  ParseResultOf(Packet(bin::kTouch, "k"), &r);
  EXPECT_EQ(r.problem, BinaryProblem::kInvalid);
}

TEST_F(BinaryRequestParserTest, UnknownOpcodeSwallowsTheBodyLengthAfterExtrasAndKey) {
  BinaryRequest r;
  const ParseResult result = ParseResultOf(Packet(0x30, "ab", {}, "cd"), &r);
  ASSERT_EQ(result.status, ParseStatus::kOk);
  EXPECT_EQ(r.problem, BinaryProblem::kUnknownCommand);
  // memcached reads header + key, then skips the whole body length once more.
  EXPECT_EQ(result.consumed, 26u);
  EXPECT_EQ(result.swallow, 4u);
}

TEST_F(BinaryRequestParserTest, TooLargeValueIsSwallowedNotBuffered) {
  BinaryRequestParserLimits limits;
  limits.max_item_bytes = 1024;
  BinaryRequestParser parser(limits);
  BinaryRequest r;
  // Only the header, extras and key have arrived: the answer is known already.
  const std::string value(2000, 'v');
  const std::string packet = Packet(bin::kSet, "key", SetExtras(0, 0), value);
  const ParseResult result = parser.Parse(std::string_view(packet).substr(0, 24 + 8 + 3), &r);
  ASSERT_EQ(result.status, ParseStatus::kOk);
  EXPECT_EQ(r.problem, BinaryProblem::kTooLarge);
  EXPECT_EQ(result.consumed, 35u);
  EXPECT_EQ(result.swallow, 2000u);
  // The largest value that fits: 1024 - 59 bytes of item overhead - key; flags cost 4 more.
  EXPECT_EQ(
      parser.Parse(Packet(bin::kSet, "key", SetExtras(0, 0), std::string(1024 - 59 - 3, 'v')), &r)
          .status,
      ParseStatus::kOk);
  EXPECT_EQ(r.problem, BinaryProblem::kNone);
  parser.Parse(Packet(bin::kSet, "key", SetExtras(1, 0), std::string(1024 - 59 - 3, 'v')), &r);
  EXPECT_EQ(r.problem, BinaryProblem::kTooLarge);
  // A body length of 4 GiB - 2 on a get is never waited for: only header and key are read.
  const ParseResult get = parser.Parse(Packet(bin::kGet, "k", {}, {}, 0, 0, 0xfffffffe), &r);
  EXPECT_EQ(get.status, ParseStatus::kOk);
  EXPECT_EQ(r.problem, BinaryProblem::kInvalid);
  EXPECT_EQ(get.consumed, 25u);
}

TEST_F(BinaryRequestParserTest, SaslMechanismNameLongerThan32IsRefusedAndItsDataSwallowed) {
  BinaryRequest r;
  const ParseResult result =
      ParseResultOf(Packet(bin::kSaslAuth, std::string(33, 'M'), {}, "data"), &r);
  ASSERT_EQ(result.status, ParseStatus::kOk);
  EXPECT_EQ(r.problem, BinaryProblem::kMechanismTooLong);
  EXPECT_EQ(result.consumed, 24u + 33u);
  EXPECT_EQ(result.swallow, 4u);
}

TEST_F(BinaryRequestParserTest, EveryCaseParsesTheSameAtEveryFragmentSize) {
  const std::vector<std::string> cases = {
      Packet(bin::kGet, "key", {}, {}, 7),
      Packet(bin::kSet, "key", SetExtras(3, 10), std::string(300, 'x'), 1, 2),
      Packet(bin::kAppendQ, "key", {}, "tail"),
      Packet(bin::kIncrement, "n", IncrExtras(1, 2, 3)),
      Packet(bin::kFlush, {}, SetExtras(0, 0).substr(0, 4)),
      Packet(bin::kStat, "settings"),
      Packet(bin::kGatK, "key", SetExtras(0, 5).substr(4)),
      Packet(bin::kSaslAuth, "PLAIN", {}, std::string("\0u\0p", 4)),
      Packet(0x30),
      Packet(bin::kGet, "abc", {}, {}, 0, 0, 1),
      Packet(bin::kSet, "big", SetExtras(0, 0), std::string(2 << 20, 'b')),
      std::string(30, '\0'),
  };
  for (const std::string& input : cases) {
    const std::string whole = Parse(input);
    for (size_t size = 1; size <= input.size(); ++size) {
      // Fed cumulatively: the parser sees the first n bytes, n growing by `size`.
      std::string got;
      for (size_t n = size;; n += size) {
        n = std::min(n, input.size());
        got = Parse(std::string_view(input).substr(0, n));
        if (got.rfind("need_more", 0) != 0 || n == input.size()) break;
      }
      ASSERT_EQ(got, whole) << "fragment size " << size << " of a " << input.size() << "-byte case";
      if (input.size() > 4096 && size > 64) size += input.size() / 16;  // keep the big case fast
    }
  }
}

// The server receives a large value into memory of its own once the head is parsed.
TEST_F(BinaryRequestParserTest, StoreHeaderWithoutItsValue) {
  const std::string packet =
      Packet(bin::kSetQ, "k", SetExtras(7, 300), std::string(100, 'v'), 1, 99);
  BinaryRequest request;
  size_t head = 0;
  size_t value = 0;
  ASSERT_TRUE(parser_.ParseStoreHeader(packet.substr(0, 40), &request, &head, &value));
  EXPECT_EQ(head, 24u + 8 + 1);
  EXPECT_EQ(value, 100u);
  EXPECT_EQ(request.command, bin::kSet);
  EXPECT_TRUE(request.quiet);
  EXPECT_EQ(request.flags, 7u);
  EXPECT_EQ(request.cas, 99u);
  EXPECT_FALSE(parser_.ParseStoreHeader(packet, &request, &head, &value));  // whole
  EXPECT_FALSE(parser_.ParseStoreHeader(packet.substr(0, 30), &request, &head, &value));
  const std::string get = Packet(bin::kGet, "k");
  EXPECT_FALSE(parser_.ParseStoreHeader(get, &request, &head, &value));
  const std::string bad = Packet(bin::kSet, "k", "", std::string(10, 'v'));  // no extras
  EXPECT_FALSE(parser_.ParseStoreHeader(bad.substr(0, 26), &request, &head, &value));
}

}  // namespace
}  // namespace memkv::protocol
