// Fuzz target: the RESP2 request parser (protocol/resp/resp_request_parser.h).
//
// The parser keeps state between calls (it resumes a partial multibulk), so each run gets its
// own parser, fed as a connection feeds it. The stream parsed whole and in the fuzzer's pieces
// must keep the ParseResult contract and agree, and every argument must point into the bytes
// consumed or into the request's own storage (inline arguments rewritten by quotes); a refused
// request (a bulk too long to keep, skipped by `swallow`) keeps the contract too. Option 1
// selects small limits (bulk, kept bulk, count, line and request sizes); option 2 allows inline
// commands, as on the --resp-port; both make the client unauthenticated (Redis's smaller limits
// before AUTH, made smaller still).
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "protocol/resp/resp_request.h"
#include "protocol/resp/resp_request_parser.h"
#include "tests/fuzz/fuzz_input.h"
#include "tests/fuzz/parser_stream.h"

namespace memkv::fuzz {
namespace {

using protocol::RespRequest;
using protocol::RespRequestParserLimits;

RespRequestParserLimits LimitsFor(const FuzzInput& input) {
  RespRequestParserLimits limits;
  if (input.option1()) {
    limits.max_bulk_bytes = 200;
    limits.max_kept_bulk_bytes = 50;
    limits.unauthenticated_max_multibulk_count = 6;
    limits.unauthenticated_max_bulk_bytes = 100;
    limits.max_multibulk_count = 12;
    limits.max_inline_bytes = 96;
    limits.max_request_bytes = 600;
  }
  limits.allow_inline = input.option2();
  return limits;
}

std::string Describe(const RespRequest& r, std::string_view consumed) {
  std::string out = r.is_inline ? "inline" : "multibulk";
  for (std::string_view arg : r.args) {
    MEMKV_FUZZ_CHECK(Within(arg, consumed) || (r.is_inline && Within(arg, r.storage)),
                     Printable(consumed));
    Append(&out, " ", arg.size(), ":", arg);
  }
  return out;
}

// One input: see the file comment.
void Run(const uint8_t* data, size_t size) {
  const FuzzInput input = SplitFuzzInput(data, size);
  const RespRequestParserLimits limits = LimitsFor(input);
  // A fresh parser per run: it keeps the state of a partial request between calls.
  const bool authenticated = !(input.option1() && input.option2());
  CheckParser<RespRequest>(
      input,
      [&limits, authenticated] {
        protocol::RespRequestParser parser(limits);
        parser.set_authenticated(authenticated);
        return parser;
      },
      Describe);
}

}  // namespace
}  // namespace memkv::fuzz

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  memkv::fuzz::Run(data, size);
  return 0;
}
