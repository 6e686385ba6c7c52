// The memcached meta dialect: "mg <key> k v" for one key; for several, one quiet "mg <key> k v q"
// per key and an "mn" whose MN ends the answer (misses stay silent); "ms <key> <bytes>" for sets.
#include <string>

#include "protocol/memcache/meta_reply_parser.h"
#include "protocol/memcache/meta_request_encoder.h"
#include "tools/bench/codec.h"
#include "tools/bench/strings.h"

namespace memkv::bench {
namespace {

using protocol::MetaReply;
using protocol::MetaReplyCode;
using protocol::ParseStatus;

class MetaCodec : public RequestCodec {
 public:
  explicit MetaCodec(const CodecContext& context)
      : context_(context),
        parser_({.max_line_bytes = 2048, .max_value_bytes = ParserValueLimit(context)}) {}

  void EncodeGet(absl::Span<const uint64_t> keys, std::string* out) override {
    char name[256];
    if (keys.size() == 1) {
      protocol::AppendMetaGetRequest(context_.keys->Format(keys[0], name), "k v", out);
      return;
    }
    for (uint64_t key : keys) {
      protocol::AppendMetaGetRequest(context_.keys->Format(key, name), "k v q", out);
    }
    protocol::AppendMetaNoopRequest(out);
  }

  void EncodeSet(uint64_t key, std::string_view value, std::string* out) override {
    char name[256];
    protocol::AppendMetaSetRequest(context_.keys->Format(key, name), value, "", out);
  }

  ReplyStep Consume(std::string_view in, const PendingRequest& request,
                    ReplyProgress* progress) override {
    ReplyStep step;
    const bool quiet = !request.is_set && request.keys.size() > 1;
    while (true) {
      MetaReply reply;
      const protocol::ParseResult parsed = parser_.Parse(in.substr(step.consumed), &reply);
      if (parsed.status == ParseStatus::kNeedMore) return step;
      if (parsed.status != ParseStatus::kOk) {
        step.status = ReplyStatus::kBroken;
        step.error = Cat("garbage from the server: ", parsed.error);
        return step;
      }
      step.consumed += parsed.consumed;
      if (request.is_set) {
        if (reply.code != MetaReplyCode::kHd) Unexpected("ms", reply, progress);
        step.status = ReplyStatus::kDone;
        return step;
      }
      if (reply.code == MetaReplyCode::kVa) {
        std::string_view key;
        if (!protocol::FindMetaReplyFlag(reply.flags, 'k', &key) || key.empty()) {
          if (progress->error.empty()) progress->error = "VA without the k flag asked for";
        } else {
          CheckValue(context_, request, key, reply.data, progress);
        }
      } else if (quiet ? reply.code != MetaReplyCode::kMn : reply.code != MetaReplyCode::kEn) {
        Unexpected("mg", reply, progress);
      }
      if (!quiet || reply.code == MetaReplyCode::kMn) {
        step.status = ReplyStatus::kDone;
        return step;
      }
    }
  }

 private:
  static void Unexpected(std::string_view what, const MetaReply& reply, ReplyProgress* progress) {
    if (!progress->error.empty()) return;
    progress->error = Cat(what, " answered ", protocol::MetaReplyCodeName(reply.code));
    if (!reply.message.empty()) progress->error += Cat(" ", QuoteServerText(reply.message));
  }

  const CodecContext& context_;
  protocol::MetaReplyParser parser_;
};

}  // namespace

std::unique_ptr<RequestCodec> MakeMetaCodec(const CodecContext& context) {
  return std::make_unique<MetaCodec>(context);
}

}  // namespace memkv::bench
