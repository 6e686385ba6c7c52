// The server's reply encoder, byte for byte, in RESP2 and RESP3 (the bytes are redis-server
// 7.0.15's: GET of a missing key, HELLO's map, COMMAND INFO's sets, INFO's verbatim string).
#include "protocol/resp/resp_reply_encoder.h"

#include <string>

#include "gtest/gtest.h"

namespace memkv::protocol {
namespace {

TEST(RespReplyEncoderTest, SameInBothVersions) {
  std::string out;
  AppendSimpleString("OK", &out);
  AppendError("ERR bad\r\nline", &out);
  AppendInteger(-42, &out);
  AppendBulk(std::string("a\0b", 3), &out);
  AppendArrayHeader(2, &out);
  AppendNullBulk(&out);
  AppendNullArray(&out);
  EXPECT_EQ(out,
            std::string("+OK\r\n-ERR bad  line\r\n:-42\r\n$3\r\na\0b\r\n*2\r\n$-1\r\n*-1\r\n", 50));
}

TEST(RespReplyEncoderTest, Resp2) {
  std::string out;
  AppendNull(RespVersion::kResp2, &out);
  AppendMapHeader(7, RespVersion::kResp2, &out);
  AppendMapHeader(0, RespVersion::kResp2, &out);
  AppendSetHeader(3, RespVersion::kResp2, &out);
  AppendVerbatim("txt", "# Server\r\n", RespVersion::kResp2, &out);
  EXPECT_EQ(out, "$-1\r\n*14\r\n*0\r\n*3\r\n$10\r\n# Server\r\n\r\n");
}

TEST(RespReplyEncoderTest, Resp3) {
  std::string out;
  AppendNull(RespVersion::kResp3, &out);
  AppendMapHeader(7, RespVersion::kResp3, &out);
  AppendMapHeader(0, RespVersion::kResp3, &out);
  AppendSetHeader(3, RespVersion::kResp3, &out);
  AppendVerbatim("txt", "# Server\r\n", RespVersion::kResp3, &out);
  AppendVerbatim("txt", "", RespVersion::kResp3, &out);
  EXPECT_EQ(out, "_\r\n%7\r\n%0\r\n~3\r\n=14\r\ntxt:# Server\r\n\r\n=4\r\ntxt:\r\n");
}

}  // namespace
}  // namespace memkv::protocol
