// The memcached meta protocol, client side: the request encoders, byte for byte.
#include "protocol/memcache/meta_request_encoder.h"

#include <string>
#include <string_view>

#include "gtest/gtest.h"

namespace memkv::protocol {
namespace {

TEST(MetaRequestEncoderTest, Commands) {
  std::string out;
  AppendMetaGetRequest("foo", "k v", &out);
  AppendMetaGetRequest("bar", "", &out);
  AppendMetaSetRequest("foo", "hello", "T60 F5", &out);
  AppendMetaSetRequest("e", "", "", &out);
  AppendMetaDeleteRequest("foo", "q", &out);
  AppendMetaArithmeticRequest("n", "MI D2", &out);
  AppendMetaNoopRequest(&out);
  EXPECT_EQ(out,
            "mg foo k v\r\n"
            "mg bar\r\n"
            "ms foo 5 T60 F5\r\nhello\r\n"
            "ms e 0\r\n\r\n"
            "md foo q\r\n"
            "ma n MI D2\r\n"
            "mn\r\n");
}

}  // namespace
}  // namespace memkv::protocol
