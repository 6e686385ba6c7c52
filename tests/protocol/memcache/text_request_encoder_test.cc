// The memcached text protocol, client side: the request encoders, byte for byte.
#include "protocol/memcache/text_request_encoder.h"

#include <string>
#include <string_view>
#include <vector>

#include "gtest/gtest.h"

namespace memkv::protocol {
namespace {

TEST(TextRequestEncoderTest, Get) {
  std::string out;
  const std::vector<std::string_view> keys = {"a", "bb", "key:001"};
  AppendTextGetRequest(keys, false, &out);
  AppendTextGetRequest(std::vector<std::string_view>{"x"}, true, &out);
  EXPECT_EQ(out, "get a bb key:001\r\ngets x\r\n");
}

TEST(TextRequestEncoderTest, StoreAndDelete) {
  std::string out;
  AppendTextStoreRequest("set", "k", 5, 0, "hello", false, &out);
  AppendTextStoreRequest("add", "k2", 4294967295u, -1, "", true, &out);
  AppendTextDeleteRequest("k", &out);
  EXPECT_EQ(out,
            "set k 5 0 5\r\nhello\r\n"
            "add k2 4294967295 -1 0 noreply\r\n\r\n"
            "delete k\r\n");
}

}  // namespace
}  // namespace memkv::protocol
