// RESP2, client side: the command encoder, byte for byte.
#include "protocol/resp/resp_request_encoder.h"

#include <string>
#include <string_view>
#include <vector>

#include "gtest/gtest.h"

namespace memkv::protocol {
namespace {

TEST(RespRequestEncoderTest, Commands) {
  std::string out;
  AppendRespRequest({"GET", "key:1"}, &out);
  AppendRespRequest({"SET", "k", ""}, &out);
  const std::vector<std::string_view> mget = {"MGET", "a", "bb"};
  AppendRespRequest(mget, &out);
  EXPECT_EQ(out,
            "*2\r\n$3\r\nGET\r\n$5\r\nkey:1\r\n"
            "*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$0\r\n\r\n"
            "*3\r\n$4\r\nMGET\r\n$1\r\na\r\n$2\r\nbb\r\n");
}

}  // namespace
}  // namespace memkv::protocol
