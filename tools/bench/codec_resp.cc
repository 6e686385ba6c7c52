// The RESP2 dialect: GET for one key (a bulk, or a null bulk for a miss), MGET for several (an
// array with one bulk or null per key, in order), SET (+OK).
#include <string>
#include <vector>

#include "protocol/resp/resp_reply_parser.h"
#include "protocol/resp/resp_request_encoder.h"
#include "tools/bench/codec.h"
#include "tools/bench/strings.h"

namespace memkv::bench {
namespace {

using protocol::ParseStatus;
using protocol::RespReplyToken;
using protocol::RespReplyTokenType;

class RespCodec : public RequestCodec {
 public:
  explicit RespCodec(const CodecContext& context)
      : context_(context),
        parser_({.max_line_bytes = 4096,
                 .max_bulk_bytes = ParserValueLimit(context),
                 .max_array_elements = 1 << 20}) {}

  void EncodeGet(absl::Span<const uint64_t> keys, std::string* out) override {
    const size_t length = context_.keys->length();
    names_.resize(keys.size() * length);
    args_.clear();
    args_.push_back(keys.size() == 1 ? "GET" : "MGET");
    for (size_t i = 0; i < keys.size(); ++i) {
      args_.push_back(context_.keys->Format(keys[i], names_.data() + i * length));
    }
    protocol::AppendRespRequest(args_, out);
  }

  void EncodeSet(uint64_t key, std::string_view value, std::string* out) override {
    char name[256];
    protocol::AppendRespRequest({"SET", context_.keys->Format(key, name), value}, out);
  }

  ReplyStep Consume(std::string_view in, const PendingRequest& request,
                    ReplyProgress* progress) override {
    ReplyStep step;
    while (true) {
      RespReplyToken token;
      const protocol::ParseResult parsed = parser_.Parse(in.substr(step.consumed), &token);
      if (parsed.status == ParseStatus::kNeedMore) return step;
      if (parsed.status != ParseStatus::kOk) {
        return Broken(step, Cat("garbage from the server: ", parsed.error));
      }
      step.consumed += parsed.consumed;
      const bool array_expected = !request.is_set && request.keys.size() > 1;
      if (array_expected && progress->elements_left < 0) {
        if (token.type == RespReplyTokenType::kArray &&
            static_cast<size_t>(token.integer) == request.keys.size()) {
          progress->elements_left = token.integer;
          continue;
        }
        if (token.type == RespReplyTokenType::kArray ||
            token.type == RespReplyTokenType::kNullArray) {
          return Broken(step, Cat("MGET of ", request.keys.size(), " keys answered an array of ",
                                  token.integer));
        }
      } else if (token.type == RespReplyTokenType::kArray ||
                 token.type == RespReplyTokenType::kNullArray) {
        return Broken(step, "an unexpected array");
      } else if (array_expected) {
        if (token.type == RespReplyTokenType::kBulk) {
          CheckValue(context_, request, {}, token.text, progress);
        } else if (token.type == RespReplyTokenType::kNullBulk) {
          ++progress->next_key;
        } else {
          return Broken(step, "MGET answered an array holding a non-bulk");
        }
        if (--progress->elements_left > 0) continue;
        step.status = ReplyStatus::kDone;
        return step;
      }
      CheckSingle(request, token, progress);
      step.status = ReplyStatus::kDone;
      return step;
    }
  }

 private:
  // A whole answer in one token: SET's +OK, GET's bulk or null, or an error for either.
  void CheckSingle(const PendingRequest& request, const RespReplyToken& token,
                   ReplyProgress* progress) {
    if (request.is_set && token.type == RespReplyTokenType::kSimpleString && token.text == "OK")
      return;
    if (!request.is_set && token.type == RespReplyTokenType::kBulk) {
      CheckValue(context_, request, {}, token.text, progress);
      return;
    }
    if (!request.is_set && token.type == RespReplyTokenType::kNullBulk) return;
    if (!progress->error.empty()) return;
    progress->error = Cat(request.is_set            ? "SET"
                          : request.keys.size() > 1 ? "MGET"
                                                    : "GET",
                          " answered ", protocol::RespReplyTokenTypeName(token.type));
    if (!token.text.empty()) progress->error += Cat(" ", QuoteServerText(token.text));
  }

  static ReplyStep Broken(ReplyStep step, std::string why) {
    step.status = ReplyStatus::kBroken;
    step.error = std::move(why);
    return step;
  }

  const CodecContext& context_;
  protocol::RespReplyParser parser_;
  std::string names_;
  std::vector<std::string_view> args_;
};

}  // namespace

std::unique_ptr<RequestCodec> MakeRespCodec(const CodecContext& context) {
  return std::make_unique<RespCodec>(context);
}

}  // namespace memkv::bench
