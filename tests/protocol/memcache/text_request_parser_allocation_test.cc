// TextRequestParser does not allocate for common requests. A binary of its own, because it
// replaces the global operator new to count allocations, which no other test should run under.
#include <cstddef>
#include <cstdlib>
#include <new>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "protocol/memcache/text_request_parser.h"

namespace memkv::protocol {
namespace {

// "k0 k1 ... k<n-1>".
std::string Keys(int n) {
  std::vector<std::string> keys;
  for (int i = 0; i < n; ++i) keys.push_back(absl::StrCat("k", i));
  return absl::StrJoin(keys, " ");
}

// Counts heap allocations made on this thread while `counting` is set.
thread_local bool counting = false;
thread_local int allocations = 0;

}  // namespace
}  // namespace memkv::protocol

// GCC cannot see that this operator new allocates with malloc, and warns about the free()s.
#pragma GCC diagnostic ignored "-Wmismatched-new-delete"
void* operator new(size_t size) {
  if (memkv::protocol::counting) ++memkv::protocol::allocations;
  if (void* p = std::malloc(size == 0 ? 1 : size)) return p;
  throw std::bad_alloc();
}
void operator delete(void* p) noexcept { std::free(p); }
void operator delete(void* p, size_t) noexcept { std::free(p); }

namespace memkv::protocol {
namespace {

TEST(TextRequestParserTest, CommonRequestsDoNotAllocate) {
  const TextRequestParser parser;
  TextRequest request;
  const std::string inputs[] = {
      "get " + Keys(16) + "\r\n",
      "gets a b\r\n",
      "set key 0 0 5 noreply\r\nhello\r\n",
      "cas key 0 0 5 42\r\nhello\r\n",
      "incr n 1\r\n",
      "delete k\r\n",
      "touch k 10\r\n",
      "bogus\r\n",
  };
  int made = 0;
  for (const std::string& input : inputs) {
    counting = true;
    allocations = 0;
    parser.Parse(input, &request);
    made = allocations;
    counting = false;
    EXPECT_EQ(made, 0) << input;
  }
  // A get of more keys than fit inline allocates, once: the capacity is kept for the next one.
  const std::string many = "get " + Keys(40) + "\r\n";
  parser.Parse(many, &request);
  counting = true;
  allocations = 0;
  parser.Parse(many, &request);
  made = allocations;
  counting = false;
  EXPECT_EQ(made, 0);
  EXPECT_THAT(request.keys, testing::SizeIs(40));
}

}  // namespace
}  // namespace memkv::protocol
