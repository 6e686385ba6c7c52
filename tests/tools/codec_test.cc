// memkv-bench's codecs: what each dialect sends, and how answers are checked (hits, misses,
// wrong keys, lengths and contents, error replies, garbage), with every answer also fed at every
// fragment size.
#include "tools/bench/codec.h"

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "gtest/gtest.h"
#include "protocol/memcache/binary_protocol.h"
#include "protocol/memcache/binary_reply_encoder.h"
#include "tools/bench/workload.h"

namespace memkv::bench {
namespace {

struct Outcome {
  ReplyStatus status = ReplyStatus::kNeedMore;
  uint32_t hits = 0;
  size_t next_key = 0;
  std::string error;  // the answer's error, or why the stream broke
  std::string left;   // bytes after the answer

  bool operator==(const Outcome&) const = default;
};

std::ostream& operator<<(std::ostream& os, const Outcome& o) {
  return os << "status=" << static_cast<int>(o.status) << " hits=" << o.hits
            << " next_key=" << o.next_key << " error='" << o.error << "' left='" << o.left << "'";
}

class CodecTest : public testing::Test {
 protected:
  CodecTest() : keys_("k:", 2), values_(16) {
    context_ = {.keys = &keys_, .values = &values_, .value_min = 3, .value_max = 8, .verify = true};
  }

  std::unique_ptr<RequestCodec> Codec(Dialect dialect) { return MakeCodec(dialect, context_); }

  std::string Value(uint64_t key, size_t length) {
    return std::string(values_.ValueFor(key, length));
  }

  // Feeds `stream` in `chunk`-byte pieces until the answer is complete or broken.
  Outcome Feed(RequestCodec& codec, const PendingRequest& request, std::string_view stream,
               size_t chunk) {
    ReplyProgress progress;
    std::string buffer;
    for (size_t at = 0; at < stream.size();) {
      buffer.append(stream.substr(at, chunk));
      at += chunk;
      const ReplyStep step = codec.Consume(buffer, request, &progress);
      buffer.erase(0, step.consumed);
      if (step.status == ReplyStatus::kBroken) return {step.status, 0, 0, step.error, ""};
      if (step.status == ReplyStatus::kDone) {
        if (at < stream.size()) buffer.append(stream.substr(at));
        return {step.status, progress.hits, progress.next_key, progress.error, buffer};
      }
    }
    return {ReplyStatus::kNeedMore, progress.hits, progress.next_key, progress.error, buffer};
  }

  // Feeds whole and at several fragment sizes; all must agree.
  Outcome Check(Dialect dialect, const std::vector<uint64_t>& keys, bool is_set,
                std::string_view stream) {
    std::unique_ptr<RequestCodec> codec = Codec(dialect);
    const PendingRequest request{.is_set = is_set, .keys = keys};
    const Outcome whole = Feed(*codec, request, stream, stream.size());
    for (size_t chunk : {1, 2, 3, 7, 16}) {
      std::unique_ptr<RequestCodec> fresh = Codec(dialect);
      EXPECT_EQ(Feed(*fresh, request, stream, chunk), whole) << "chunk " << chunk;
    }
    return whole;
  }

  // As Check, and also split in two at every byte: binary framing reads lengths from a header
  // that may itself arrive in pieces.
  Outcome CheckEverySplit(Dialect dialect, const std::vector<uint64_t>& keys, bool is_set,
                          std::string_view stream) {
    const Outcome whole = Check(dialect, keys, is_set, stream);
    const PendingRequest request{.is_set = is_set, .keys = keys};
    for (size_t split = 1; split < stream.size(); ++split) {
      std::unique_ptr<RequestCodec> codec = Codec(dialect);
      ReplyProgress progress;
      std::string buffer(stream.substr(0, split));
      ReplyStep step = codec->Consume(buffer, request, &progress);
      buffer.erase(0, step.consumed);
      if (step.status == ReplyStatus::kNeedMore) {
        buffer.append(stream.substr(split));
        step = codec->Consume(buffer, request, &progress);
        buffer.erase(0, step.consumed);
      } else {
        buffer.append(stream.substr(split));
      }
      const Outcome outcome =
          step.status == ReplyStatus::kBroken
              ? Outcome{step.status, 0, 0, step.error, ""}
              : Outcome{step.status, progress.hits, progress.next_key, progress.error, buffer};
      EXPECT_EQ(outcome, whole) << "split at " << split;
    }
    return whole;
  }

  std::string Encode(Dialect dialect, const std::vector<uint64_t>& keys, bool is_set) {
    std::string out;
    std::unique_ptr<RequestCodec> codec = Codec(dialect);
    if (is_set) {
      codec->EncodeSet(keys[0], values_.ValueFor(keys[0], 4), &out);
    } else {
      codec->EncodeGet(keys, &out);
    }
    return out;
  }

  KeyNamer keys_;
  ValuePattern values_;
  CodecContext context_;
};

constexpr ReplyStatus kDone = ReplyStatus::kDone;
constexpr ReplyStatus kBroken = ReplyStatus::kBroken;

TEST_F(CodecTest, EncodesEachDialect) {
  const std::string v = Value(7, 4);
  EXPECT_EQ(Encode(Dialect::kText, {1, 23}, false), "get k:01 k:23\r\n");
  EXPECT_EQ(Encode(Dialect::kText, {7}, true), "set k:07 0 0 4\r\n" + v + "\r\n");
  EXPECT_EQ(Encode(Dialect::kMeta, {1}, false), "mg k:01 k v\r\n");
  EXPECT_EQ(Encode(Dialect::kMeta, {1, 23}, false), "mg k:01 k v q\r\nmg k:23 k v q\r\nmn\r\n");
  EXPECT_EQ(Encode(Dialect::kMeta, {7}, true), "ms k:07 4\r\n" + v + "\r\n");
  EXPECT_EQ(Encode(Dialect::kResp, {1}, false), "*2\r\n$3\r\nGET\r\n$4\r\nk:01\r\n");
  EXPECT_EQ(Encode(Dialect::kResp, {1, 23}, false),
            "*3\r\n$4\r\nMGET\r\n$4\r\nk:01\r\n$4\r\nk:23\r\n");
  EXPECT_EQ(Encode(Dialect::kResp, {7}, true),
            "*3\r\n$3\r\nSET\r\n$4\r\nk:07\r\n$4\r\n" + v + "\r\n");
}

TEST_F(CodecTest, ValuesDependOnTheKey) {
  EXPECT_NE(Value(1, 8), Value(2, 8));
  EXPECT_TRUE(values_.Matches(1, Value(1, 5)));
  EXPECT_FALSE(values_.Matches(2, Value(1, 5)));
}

TEST_F(CodecTest, TextGet) {
  const std::string hit1 = "VALUE k:01 0 5\r\n" + Value(1, 5) + "\r\n";
  const std::string hit3 = "VALUE k:03 0 3\r\n" + Value(3, 3) + "\r\n";
  EXPECT_EQ(Check(Dialect::kText, {1, 2, 3}, false, hit1 + hit3 + "END\r\nSTORED\r\n"),
            (Outcome{kDone, 2, 3, "", "STORED\r\n"}));
  EXPECT_EQ(Check(Dialect::kText, {1, 2, 3}, false, "END\r\n"), (Outcome{kDone, 0, 0, "", ""}));
  // Out of order, or not asked for.
  EXPECT_EQ(Check(Dialect::kText, {1, 2, 3}, false, hit3 + hit1 + "END\r\n").error,
            "a value for key 'k:01', which was not asked for (or out of order)");
  EXPECT_EQ(Check(Dialect::kText, {2}, false, hit1 + "END\r\n").error,
            "a value for key 'k:01', which was not asked for (or out of order)");
  // Wrong length, wrong contents.
  EXPECT_EQ(
      Check(Dialect::kText, {1}, false, "VALUE k:01 0 9\r\n" + Value(1, 9) + "\r\nEND\r\n").error,
      "key k:01: value of 9 bytes, expected 3..8");
  EXPECT_EQ(Check(Dialect::kText, {1}, false, "VALUE k:01 0 3\r\nabc\r\nEND\r\n").error,
            "key k:01: value differs from what was stored: 'abc'");
  // An error line ends the answer; garbage breaks the stream.
  EXPECT_EQ(Check(Dialect::kText, {1}, false, "SERVER_ERROR busy\r\n"),
            (Outcome{kDone, 0, 0, "get answered SERVER_ERROR 'busy'", ""}));
  EXPECT_EQ(Check(Dialect::kText, {1}, false, "VALUES\r\n").status, kBroken);
}

TEST_F(CodecTest, TextGetWithoutVerificationChecksLengthsOnly) {
  context_.verify = false;
  EXPECT_EQ(Check(Dialect::kText, {1}, false, "VALUE k:01 0 3\r\nabc\r\nEND\r\n"),
            (Outcome{kDone, 1, 1, "", ""}));
}

TEST_F(CodecTest, TextSet) {
  EXPECT_EQ(Check(Dialect::kText, {1}, true, "STORED\r\n"), (Outcome{kDone, 0, 0, "", ""}));
  EXPECT_EQ(Check(Dialect::kText, {1}, true, "NOT_STORED\r\n").error, "set answered NOT_STORED");
  EXPECT_EQ(Check(Dialect::kText, {1}, true, "CLIENT_ERROR bad data chunk\r\n").error,
            "set answered CLIENT_ERROR 'bad data chunk'");
  EXPECT_EQ(Check(Dialect::kText, {1}, true, "VALUE k:01 0 3\r\nabc\r\n").status, kBroken);
}

TEST_F(CodecTest, MetaGet) {
  const std::string va1 = "VA 5 kk:01 f0\r\n" + Value(1, 5) + "\r\n";
  const std::string va3 = "VA 4 kk:03\r\n" + Value(3, 4) + "\r\n";
  EXPECT_EQ(Check(Dialect::kMeta, {1}, false, va1), (Outcome{kDone, 1, 1, "", ""}));
  EXPECT_EQ(Check(Dialect::kMeta, {1}, false, "EN\r\n"), (Outcome{kDone, 0, 0, "", ""}));
  EXPECT_EQ(Check(Dialect::kMeta, {1, 2, 3}, false, va1 + va3 + "MN\r\nHD\r\n"),
            (Outcome{kDone, 2, 3, "", "HD\r\n"}));
  EXPECT_EQ(Check(Dialect::kMeta, {1, 2}, false, "MN\r\n"), (Outcome{kDone, 0, 0, "", ""}));
  EXPECT_EQ(Check(Dialect::kMeta, {1}, false, "VA 3\r\nabc\r\n").error,
            "VA without the k flag asked for");
  EXPECT_EQ(Check(Dialect::kMeta, {1, 2}, false, "EN\r\nMN\r\n").error, "mg answered EN");
  EXPECT_EQ(Check(Dialect::kMeta, {1}, false, "CLIENT_ERROR bad\r\n").error,
            "mg answered CLIENT_ERROR 'bad'");
  EXPECT_EQ(Check(Dialect::kMeta, {1}, false, "OK\r\n").status, kBroken);
}

TEST_F(CodecTest, MetaSet) {
  EXPECT_EQ(Check(Dialect::kMeta, {1}, true, "HD\r\n"), (Outcome{kDone, 0, 0, "", ""}));
  EXPECT_EQ(Check(Dialect::kMeta, {1}, true, "NS\r\n").error, "ms answered NS");
}

TEST_F(CodecTest, RespGet) {
  const std::string bulk1 = "$5\r\n" + Value(1, 5) + "\r\n";
  const std::string bulk3 = "$8\r\n" + Value(3, 8) + "\r\n";
  EXPECT_EQ(Check(Dialect::kResp, {1}, false, bulk1), (Outcome{kDone, 1, 1, "", ""}));
  EXPECT_EQ(Check(Dialect::kResp, {1}, false, "$-1\r\n"), (Outcome{kDone, 0, 0, "", ""}));
  EXPECT_EQ(
      Check(Dialect::kResp, {1, 2, 3}, false, "*3\r\n" + bulk1 + "$-1\r\n" + bulk3 + ":1\r\n"),
      (Outcome{kDone, 2, 3, "", ":1\r\n"}));
  // Positions matter in MGET: key 3's value in key 1's place is wrong.
  EXPECT_EQ(Check(Dialect::kResp, {1, 3}, false, "*2\r\n" + bulk3 + bulk1).error,
            "key k:01: value differs from what was stored: '" + Value(3, 8) + "'");
  EXPECT_EQ(Check(Dialect::kResp, {1}, false, "-ERR wrong\r\n").error,
            "GET answered error 'ERR wrong'");
  EXPECT_EQ(Check(Dialect::kResp, {1, 2}, false, "-ERR x\r\n").error,
            "MGET answered error 'ERR x'");
  EXPECT_EQ(Check(Dialect::kResp, {1, 2}, false, "*3\r\n").status, kBroken);
  EXPECT_EQ(Check(Dialect::kResp, {1, 2}, false, "*2\r\n*1\r\n").status, kBroken);
  EXPECT_EQ(Check(Dialect::kResp, {1}, false, "*1\r\n").status, kBroken);
  EXPECT_EQ(Check(Dialect::kResp, {1}, false, "HTTP/1.1 400\r\n").status, kBroken);
}

TEST_F(CodecTest, RespSet) {
  EXPECT_EQ(Check(Dialect::kResp, {1}, true, "+OK\r\n"), (Outcome{kDone, 0, 0, "", ""}));
  EXPECT_EQ(Check(Dialect::kResp, {1}, true, "-OOM command not allowed\r\n").error,
            "SET answered error 'OOM command not allowed'");
  EXPECT_EQ(Check(Dialect::kResp, {1}, true, "$-1\r\n").error, "SET answered null bulk");
}

// Binary packets for the tests, built with the server's own reply encoder.
std::string BinaryReply(uint8_t opcode, uint16_t status, std::string_view key,
                        std::string_view value) {
  std::string out;
  const std::string extras = status == protocol::binary::kSuccess && !value.empty()
                                 ? std::string(4, '\0')  // client flags
                                 : std::string();
  protocol::AppendBinaryReply({.opcode = opcode, .status = status}, extras, key, value, &out);
  return out;
}

std::string BinaryRequestHeader(uint8_t opcode, uint8_t key_length, uint8_t extras_length,
                                uint8_t body_length) {
  std::string header(24, '\0');
  header[0] = '\x80';
  header[1] = static_cast<char>(opcode);
  header[3] = static_cast<char>(key_length);
  header[4] = static_cast<char>(extras_length);
  header[11] = static_cast<char>(body_length);
  return header;
}

TEST_F(CodecTest, EncodesBinary) {
  namespace binary = protocol::binary;
  EXPECT_EQ(Encode(Dialect::kBinary, {1}, false),
            BinaryRequestHeader(binary::kGetK, 4, 0, 4) + "k:01");
  EXPECT_EQ(Encode(Dialect::kBinary, {1, 23}, false),
            BinaryRequestHeader(binary::kGetKQ, 4, 0, 4) + "k:01" +
                BinaryRequestHeader(binary::kGetKQ, 4, 0, 4) + "k:23" +
                BinaryRequestHeader(binary::kNoop, 0, 0, 0));
  EXPECT_EQ(Encode(Dialect::kBinary, {7}, true), BinaryRequestHeader(binary::kSet, 4, 8, 16) +
                                                     std::string(8, '\0') + "k:07" + Value(7, 4));
}

TEST_F(CodecTest, BinaryGet) {
  namespace binary = protocol::binary;
  const std::string hit1 = BinaryReply(binary::kGetK, binary::kSuccess, "k:01", Value(1, 5));
  const std::string miss1 = BinaryReply(binary::kGetK, binary::kKeyNotFound, "k:01", "");
  const std::string set_ok = BinaryReply(binary::kSet, binary::kSuccess, "", "");
  EXPECT_EQ(CheckEverySplit(Dialect::kBinary, {1}, false, hit1 + set_ok),
            (Outcome{kDone, 1, 1, "", set_ok}));
  EXPECT_EQ(CheckEverySplit(Dialect::kBinary, {1}, false, miss1), (Outcome{kDone, 0, 0, "", ""}));
  // A value for another key, of a wrong length, or with wrong contents.
  EXPECT_EQ(CheckEverySplit(Dialect::kBinary, {2}, false, hit1).error,
            "a value for key 'k:01', which was not asked for (or out of order)");
  EXPECT_EQ(Check(Dialect::kBinary, {1}, false,
                  BinaryReply(binary::kGetK, binary::kSuccess, "k:01", Value(1, 9)))
                .error,
            "key k:01: value of 9 bytes, expected 3..8");
  EXPECT_EQ(Check(Dialect::kBinary, {1}, false,
                  BinaryReply(binary::kGetK, binary::kSuccess, "k:01", "abc"))
                .error,
            "key k:01: value differs from what was stored: 'abc'");
  // An error status ends the answer, with memcached's text; garbage breaks the stream.
  std::string busy;
  protocol::AppendBinaryError(binary::kGetK, 0, binary::kOutOfMemory, &busy);
  EXPECT_EQ(CheckEverySplit(Dialect::kBinary, {1}, false, busy),
            (Outcome{kDone, 0, 0, "GETK answered status 0x0082 'Out of memory'", ""}));
  EXPECT_EQ(Check(Dialect::kBinary, {1}, false, "END\r\n").status, kBroken);
  EXPECT_EQ(CheckEverySplit(Dialect::kBinary, {1}, false, set_ok).error,
            "an answer to opcode 0x01 where 0x0c was expected");
}

TEST_F(CodecTest, BinaryMultiGet) {
  namespace binary = protocol::binary;
  const std::string hit1 = BinaryReply(binary::kGetKQ, binary::kSuccess, "k:01", Value(1, 5));
  const std::string hit3 = BinaryReply(binary::kGetKQ, binary::kSuccess, "k:03", Value(3, 4));
  const std::string noop = BinaryReply(binary::kNoop, binary::kSuccess, "", "");
  const std::string set_ok = BinaryReply(binary::kSet, binary::kSuccess, "", "");
  EXPECT_EQ(CheckEverySplit(Dialect::kBinary, {1, 2, 3}, false, hit1 + hit3 + noop + set_ok),
            (Outcome{kDone, 2, 3, "", set_ok}));
  EXPECT_EQ(CheckEverySplit(Dialect::kBinary, {1, 2}, false, noop), (Outcome{kDone, 0, 0, "", ""}));
  EXPECT_EQ(CheckEverySplit(Dialect::kBinary, {1, 3}, false, hit3 + hit1 + noop).error,
            "a value for key 'k:01', which was not asked for (or out of order)");
}

TEST_F(CodecTest, BinarySet) {
  namespace binary = protocol::binary;
  EXPECT_EQ(CheckEverySplit(Dialect::kBinary, {1}, true,
                            BinaryReply(binary::kSet, binary::kSuccess, "", "")),
            (Outcome{kDone, 0, 0, "", ""}));
  std::string too_large;
  protocol::AppendBinaryError(binary::kSet, 0, binary::kTooLarge, &too_large);
  EXPECT_EQ(CheckEverySplit(Dialect::kBinary, {1}, true, too_large).error,
            "SET answered status 0x0003 'Too large.'");
  // A length no value of this run could have: the stream is garbage, not a buffer to grow.
  std::string huge = BinaryReply(binary::kSet, binary::kSuccess, "", "");
  huge[8] = '\x7f';
  EXPECT_EQ(Check(Dialect::kBinary, {1}, true, huge).status, kBroken);
}

}  // namespace
}  // namespace memkv::bench
