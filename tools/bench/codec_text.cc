// The memcached text dialect: "get k1 k2 ...", "set k 0 0 n". A get's answer is VALUE blocks for
// the keys found, in the order asked, then END.
#include <string>
#include <vector>

#include "protocol/memcache/text_reply_parser.h"
#include "protocol/memcache/text_request_encoder.h"
#include "tools/bench/codec.h"
#include "tools/bench/strings.h"

namespace memkv::bench {
namespace {

using protocol::ParseStatus;
using protocol::TextReply;
using protocol::TextReplyKind;

class TextCodec : public RequestCodec {
 public:
  explicit TextCodec(const CodecContext& context)
      : context_(context),
        parser_({.max_line_bytes = 2048, .max_value_bytes = ParserValueLimit(context)}) {}

  void EncodeGet(absl::Span<const uint64_t> keys, std::string* out) override {
    const size_t length = context_.keys->length();
    names_.resize(keys.size() * length);
    views_.resize(keys.size());
    for (size_t i = 0; i < keys.size(); ++i) {
      views_[i] = context_.keys->Format(keys[i], names_.data() + i * length);
    }
    protocol::AppendTextGetRequest(views_, /*with_cas=*/false, out);
  }

  void EncodeSet(uint64_t key, std::string_view value, std::string* out) override {
    char name[256];
    protocol::AppendTextStoreRequest("set", context_.keys->Format(key, name), 0, 0, value,
                                     /*noreply=*/false, out);
  }

  ReplyStep Consume(std::string_view in, const PendingRequest& request,
                    ReplyProgress* progress) override {
    ReplyStep step;
    while (true) {
      TextReply reply;
      const protocol::ParseResult parsed = parser_.Parse(in.substr(step.consumed), &reply);
      if (parsed.status == ParseStatus::kNeedMore) return step;
      if (parsed.status != ParseStatus::kOk) {
        step.status = ReplyStatus::kBroken;
        step.error = Cat("garbage from the server: ", parsed.error);
        return step;
      }
      step.consumed += parsed.consumed;
      if (request.is_set) {
        if (reply.kind == TextReplyKind::kValue) return Broken(step, "a VALUE answering a set");
        if (reply.kind != TextReplyKind::kStored) Unexpected("set", reply, progress);
        step.status = ReplyStatus::kDone;
        return step;
      }
      if (reply.kind == TextReplyKind::kValue) {
        CheckValue(context_, request, reply.key, reply.data, progress);
        continue;
      }
      if (reply.kind != TextReplyKind::kEnd) Unexpected("get", reply, progress);
      step.status = ReplyStatus::kDone;
      return step;
    }
  }

 private:
  static ReplyStep Broken(ReplyStep step, std::string_view why) {
    step.status = ReplyStatus::kBroken;
    step.error = std::string(why);
    return step;
  }

  static void Unexpected(std::string_view what, const TextReply& reply, ReplyProgress* progress) {
    if (!progress->error.empty()) return;
    progress->error = Cat(what, " answered ", protocol::TextReplyKindName(reply.kind));
    if (!reply.message.empty()) progress->error += Cat(" ", QuoteServerText(reply.message));
  }

  const CodecContext& context_;
  protocol::TextReplyParser parser_;
  std::string names_;
  std::vector<std::string_view> views_;
};

}  // namespace

std::unique_ptr<RequestCodec> MakeTextCodec(const CodecContext& context) {
  return std::make_unique<TextCodec>(context);
}

}  // namespace memkv::bench
