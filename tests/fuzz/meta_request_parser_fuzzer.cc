// Fuzz target: the memcached meta request parser (protocol/memcache/meta_request_parser.h).
//
// As the text target (text_request_parser_fuzzer.cc): the stream parsed whole and in the
// fuzzer's pieces must keep the ParseResult contract and agree, and every parsed request must
// point into the bytes it consumed (a base64 key into the request itself). Option 1 selects
// small limits. LooksLikeMetaCommand is called on every input too, as the connection calls it
// before choosing this parser.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "protocol/memcache/meta_request.h"
#include "protocol/memcache/meta_request_parser.h"
#include "tests/fuzz/fuzz_input.h"
#include "tests/fuzz/parser_stream.h"

namespace memkv::fuzz {
namespace {

using protocol::MetaRequest;

protocol::MetaRequestParserLimits SmallLimits() {
  protocol::MetaRequestParserLimits limits;
  limits.max_item_bytes = 300;
  limits.max_key_length = 16;
  limits.max_line_length = 96;
  return limits;
}

// Every field, and the promise that the request's views lie inside the consumed bytes.
std::string Describe(const MetaRequest& r, std::string_view consumed) {
  const auto at = [&consumed] { return Printable(consumed); };  // only when a check fails
  MEMKV_FUZZ_CHECK(Within(r.raw_key, consumed) && Within(r.value, consumed) &&
                       Within(r.opaque, consumed) && r.flag_count <= protocol::kMaxMetaFlags,
                   at());
  if (r.command != protocol::MetaCommand::kNoop) MEMKV_FUZZ_CHECK(!r.raw_key.empty(), at());
  if (r.base64_key) {
    MEMKV_FUZZ_CHECK(!r.key().empty() && r.key().size() <= protocol::kMaxDecodedKeyBytes, at());
  } else {
    MEMKV_FUZZ_CHECK(r.key() == r.raw_key, at());
  }
  std::string flags;
  for (size_t i = 0; i < r.flag_count; ++i) {
    const protocol::MetaFlag& flag = r.flags[i];
    MEMKV_FUZZ_CHECK(
        Within(flag.token, consumed) && !flag.token.empty() && flag.token[0] == flag.letter, at());
    Append(&flags, flag.token, ",");
  }
  if (r.command == protocol::MetaCommand::kSet && !r.too_large) {
    MEMKV_FUZZ_CHECK(r.value.data() + r.value.size() + 2 == consumed.data() + consumed.size(),
                     at());
  }
  return Cat(protocol::MetaCommandName(r.command), " key=", r.key(), " b64=", r.base64_key,
             " flags=", flags, " ret=", r.return_value, r.return_key, r.return_client_flags,
             r.return_ttl, r.return_cas, r.return_size, r.return_hit, r.return_last_access,
             " q=", r.quiet, " u=", r.no_bump, " I=", r.invalidate, " O=", r.opaque,
             " T=", r.has_ttl, "/", r.ttl, " N=", r.has_vivify, "/", r.vivify_ttl,
             " R=", r.has_recache, "/", r.recache_ttl, " F=", r.has_client_flags, "/",
             r.client_flags, " C=", r.has_compare_cas, "/", r.compare_cas, " E=", r.has_new_cas,
             "/", r.new_cas, " M=", static_cast<int>(r.mode),
             " set_mode=", static_cast<int>(r.set_mode), " value=", r.value,
             " too_large=", r.too_large, " decr=", r.decrement, " D=", r.delta, " J=", r.initial);
}

// One input: see the file comment.
void Run(const uint8_t* data, size_t size) {
  const FuzzInput input = SplitFuzzInput(data, size);
  (void)protocol::LooksLikeMetaCommand(input.stream);
  const protocol::MetaRequestParser parser(input.option1() ? SmallLimits()
                                                           : protocol::MetaRequestParserLimits());
  CheckParser<MetaRequest>(
      input, [&parser] { return parser; }, Describe);
}

}  // namespace
}  // namespace memkv::fuzz

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  memkv::fuzz::Run(data, size);
  return 0;
}
