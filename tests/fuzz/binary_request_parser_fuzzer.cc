// Fuzz target: the memcached binary request parser (protocol/memcache/binary_request_parser.h).
//
// As the text and meta targets: the stream parsed whole and in the fuzzer's pieces must keep the
// ParseResult contract and agree, and every parsed request must point into the bytes it
// consumed, its value ending them. Option 1 selects a small item limit.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "protocol/memcache/binary_request.h"
#include "protocol/memcache/binary_request_parser.h"
#include "tests/fuzz/fuzz_input.h"
#include "tests/fuzz/parser_stream.h"

namespace memkv::fuzz {
namespace {

using protocol::BinaryRequest;

// Every field, and the promise that the request's views lie inside the consumed bytes.
std::string Describe(const BinaryRequest& r, std::string_view consumed) {
  const auto at = [&consumed] { return Printable(consumed); };  // only when a check fails
  MEMKV_FUZZ_CHECK(Within(r.key, consumed) && Within(r.value, consumed), at());
  if (!r.value.empty()) {
    MEMKV_FUZZ_CHECK(r.value.data() + r.value.size() == consumed.data() + consumed.size(), at());
  }
  return Cat("op=", int{r.opcode}, " cmd=", int{r.command}, " q=", r.quiet,
             " problem=", static_cast<int>(r.problem), " body=", r.body_length,
             " opaque=", r.opaque, " cas=", r.cas, " key=", r.key, " value=", r.value,
             " flags=", r.flags, " exp=", r.expiration, " delta=", r.delta, " initial=", r.initial,
             " has_exp=", r.has_expiration);
}

// One input: see the file comment.
void Run(const uint8_t* data, size_t size) {
  const FuzzInput input = SplitFuzzInput(data, size);
  protocol::BinaryRequestParserLimits limits;
  if (input.option1()) limits.max_item_bytes = 300;
  const protocol::BinaryRequestParser parser(limits);
  CheckParser<BinaryRequest>(
      input, [&parser] { return parser; }, Describe);
}

}  // namespace
}  // namespace memkv::fuzz

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  memkv::fuzz::Run(data, size);
  return 0;
}
