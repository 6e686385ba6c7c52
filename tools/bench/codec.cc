#include "tools/bench/codec.h"

#include <algorithm>

#include "absl/strings/escaping.h"
#include "tools/bench/strings.h"

namespace memkv::bench {
namespace {

void Fail(ReplyProgress* progress, std::string message) {
  if (progress->error.empty()) progress->error = std::move(message);
}

}  // namespace

size_t ParserValueLimit(const CodecContext& context) {
  return std::max<size_t>(context.value_max * 2, size_t{1} << 20);
}

std::string QuoteServerText(std::string_view text) {
  constexpr size_t kMax = 64;
  std::string quoted = absl::CHexEscape(ToAbsl(text.substr(0, kMax)));
  if (text.size() > kMax) quoted.append("...");
  return Cat("'", quoted, "'");
}

std::unique_ptr<RequestCodec> MakeCodec(Dialect dialect, const CodecContext& context) {
  switch (dialect) {
    case Dialect::kText:
      return MakeTextCodec(context);
    case Dialect::kMeta:
      return MakeMetaCodec(context);
    case Dialect::kResp:
      return MakeRespCodec(context);
    case Dialect::kBinary:
      return MakeBinaryCodec(context);
  }
  return nullptr;
}

void CheckValue(const CodecContext& context, const PendingRequest& request,
                std::string_view returned_key, std::string_view data, ReplyProgress* progress) {
  char name[256];
  size_t position = progress->next_key;
  if (returned_key.empty()) {
    if (position >= request.keys.size()) {
      Fail(progress, "more values than keys asked for");
      return;
    }
  } else {
    while (position < request.keys.size() &&
           context.keys->Format(request.keys[position], name) != returned_key) {
      ++position;
    }
    if (position == request.keys.size()) {
      Fail(progress, Cat("a value for key ", QuoteServerText(returned_key),
                         ", which was not asked for (or out of order)"));
      return;
    }
  }
  progress->next_key = position + 1;
  ++progress->hits;
  const uint64_t key = request.keys[position];
  if (data.size() < context.value_min || data.size() > context.value_max) {
    Fail(progress, Cat("key ", context.keys->Format(key, name), ": value of ", data.size(),
                       " bytes, expected ", context.value_min, "..", context.value_max));
  } else if (context.verify && !context.values->Matches(key, data)) {
    Fail(progress, Cat("key ", context.keys->Format(key, name),
                       ": value differs from what was stored: ", QuoteServerText(data)));
  }
}

}  // namespace memkv::bench
