// Fuzz target: the memcached text request parser (protocol/memcache/text_request_parser.h).
//
// The input is a request stream plus a tail choosing how it is cut (tests/fuzz/fuzz_input.h).
// The stream is parsed whole and in the fuzzer's pieces, as a connection parses it; both must
// keep the ParseResult contract and agree, and every parsed request must point into the bytes
// it consumed. Option 1 selects small limits (short lines, keys and items) so that every limit
// is within reach of a few hundred bytes; otherwise the server's defaults apply.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "protocol/memcache/text_request.h"
#include "protocol/memcache/text_request_parser.h"
#include "tests/fuzz/fuzz_input.h"
#include "tests/fuzz/parser_stream.h"

namespace memkv::fuzz {
namespace {

using protocol::TextRequest;

protocol::TextRequestParserLimits SmallLimits() {
  protocol::TextRequestParserLimits limits;
  limits.max_item_bytes = 300;
  limits.max_key_length = 16;
  limits.max_line_length = 112;  // the least the parser allows, plus a little (see its REQUIRES)
  limits.max_multiget_line = 600;
  return limits;
}

// Every field, and the promise that the request's views lie inside the consumed bytes.
std::string Describe(const TextRequest& r, std::string_view consumed) {
  MEMKV_FUZZ_CHECK(
      Within(r.key, consumed) && Within(r.value, consumed) && Within(r.stats_argument, consumed),
      Printable(consumed));
  std::string keys;
  for (std::string_view key : r.keys) {
    MEMKV_FUZZ_CHECK(!key.empty() && Within(key, consumed), Printable(consumed));
    Append(&keys, key, ",");
  }
  // A get names a key; "gat 10" alone is a request (memcached answers a bare END).
  if (r.command == protocol::TextCommand::kGet || r.command == protocol::TextCommand::kGets) {
    MEMKV_FUZZ_CHECK(!r.keys.empty(), Printable(consumed));
  }
  if (protocol::IsStorageCommand(r.command) && !r.too_large) {
    // The data block is the last `bytes` bytes before the final CRLF.
    MEMKV_FUZZ_CHECK(r.value.size() == r.bytes &&
                         r.value.data() + r.value.size() + 2 == consumed.data() + consumed.size(),
                     Printable(consumed));
  }
  return Cat(protocol::TextCommandName(r.command), " keys=", keys, " key=", r.key,
             " flags=", r.client_flags, " exptime=", r.exptime, " bytes=", r.bytes,
             " cas=", r.cas_unique, " delta=", r.delta, " noreply=", r.noreply,
             " too_large=", r.too_large, " value=", r.value, " stats=", r.stats_argument,
             " flush=", r.has_flush_delay, "/", r.flush_delay, " verbosity=", r.verbosity,
             " graceful=", r.graceful);
}

// One input: see the file comment.
void Run(const uint8_t* data, size_t size) {
  const FuzzInput input = SplitFuzzInput(data, size);
  const protocol::TextRequestParser parser(input.option1() ? SmallLimits()
                                                           : protocol::TextRequestParserLimits());
  CheckParser<TextRequest>(
      input, [&parser] { return parser; }, Describe);
}

}  // namespace
}  // namespace memkv::fuzz

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  memkv::fuzz::Run(data, size);
  return 0;
}
