// The memcached binary dialect: GETK for one key (its key comes back, so the answer is checked
// against the key asked for); for several, one GETKQ per key and a NOOP whose answer ends the
// request (misses stay silent, as with meta's quiet mg + mn); SET with flags 0 and expiration 0.
// Status 0 is a hit, 1 ("Not found") a miss; any other status is an error reply. Answers are
// framed by the 24-byte header's body length alone, so a wrong magic, an unexpected opcode or an
// absurd length means the stream can no longer be trusted.
#include <cstdint>
#include <string>

#include "absl/strings/str_format.h"
#include "protocol/memcache/binary_protocol.h"
#include "protocol/memcache/binary_reply_encoder.h"
#include "tools/bench/codec.h"
#include "tools/bench/strings.h"

namespace memkv::bench {
namespace {

namespace binary = protocol::binary;

// Where a response has its status; a request has its vbucket there.
constexpr size_t kStatusOffset = 6;

uint32_t ReadBigEndian(std::string_view bytes, size_t offset, size_t width) {
  uint32_t value = 0;
  for (size_t i = 0; i < width; ++i) {
    value = (value << 8) | static_cast<uint8_t>(bytes[offset + i]);
  }
  return value;
}

// A request header: magic, opcode, key length, extras length, data type 0, vbucket 0, body
// length, opaque 0, CAS 0.
void AppendRequestHeader(uint8_t opcode, size_t key_length, size_t extras_length,
                         size_t body_length, std::string* out) {
  out->push_back(static_cast<char>(binary::kRequestMagic));
  out->push_back(static_cast<char>(opcode));
  out->push_back(static_cast<char>(key_length >> 8));
  out->push_back(static_cast<char>(key_length));
  out->push_back(static_cast<char>(extras_length));
  out->append(3, '\0');  // data type, vbucket
  protocol::AppendBigEndian32(static_cast<uint32_t>(body_length), out);
  protocol::AppendBigEndian32(0, out);  // opaque: answers come back in order, so unused
  protocol::AppendBigEndian64(0, out);  // CAS
}

void AppendKeyRequest(uint8_t opcode, std::string_view key, std::string* out) {
  AppendRequestHeader(opcode, key.size(), 0, key.size(), out);
  out->append(key);
}

// One response packet, split into its parts (views into the input).
struct Response {
  uint8_t opcode = 0;
  uint16_t status = 0;
  std::string_view key;
  std::string_view value;
};

class BinaryCodec : public RequestCodec {
 public:
  explicit BinaryCodec(const CodecContext& context)
      : context_(context), max_body_(ParserValueLimit(context) + 512) {}

  void EncodeGet(absl::Span<const uint64_t> keys, std::string* out) override {
    char name[256];
    if (keys.size() == 1) {
      AppendKeyRequest(binary::kGetK, context_.keys->Format(keys[0], name), out);
      return;
    }
    for (uint64_t key : keys) {
      AppendKeyRequest(binary::kGetKQ, context_.keys->Format(key, name), out);
    }
    AppendRequestHeader(binary::kNoop, 0, 0, 0, out);
  }

  void EncodeSet(uint64_t key, std::string_view value, std::string* out) override {
    char name[256];
    const std::string_view key_name = context_.keys->Format(key, name);
    constexpr size_t kExtras = 8;  // flags, expiration
    AppendRequestHeader(binary::kSet, key_name.size(), kExtras,
                        kExtras + key_name.size() + value.size(), out);
    protocol::AppendBigEndian32(0, out);
    protocol::AppendBigEndian32(0, out);
    out->append(key_name);
    out->append(value);
  }

  ReplyStep Consume(std::string_view in, const PendingRequest& request,
                    ReplyProgress* progress) override {
    ReplyStep step;
    const bool quiet = !request.is_set && request.keys.size() > 1;
    while (true) {
      Response response;
      size_t length = 0;
      if (!Frame(in.substr(step.consumed), &response, &length, &step)) return step;
      step.consumed += length;
      if (request.is_set) {
        if (!Expect(response, binary::kSet, &step)) return step;
        if (response.status != binary::kSuccess) Unexpected("SET", response, progress);
        step.status = ReplyStatus::kDone;
        return step;
      }
      if (!quiet) {
        if (!Expect(response, binary::kGetK, &step)) return step;
        CheckGet("GETK", response, request, progress);
        step.status = ReplyStatus::kDone;
        return step;
      }
      if (response.opcode == binary::kNoop) {
        if (response.status != binary::kSuccess) Unexpected("NOOP", response, progress);
        step.status = ReplyStatus::kDone;
        return step;
      }
      if (!Expect(response, binary::kGetKQ, &step)) return step;
      // A quiet get answers a miss with silence; "Not found" here is still a miss.
      CheckGet("GETKQ", response, request, progress);
    }
  }

 private:
  // Cuts one packet off the front of `in`. False with step->status kNeedMore (more bytes needed)
  // or kBroken (not a response packet).
  bool Frame(std::string_view in, Response* response, size_t* length, ReplyStep* step) const {
    if (!in.empty() && static_cast<uint8_t>(in[0]) != binary::kResponseMagic) {
      step->status = ReplyStatus::kBroken;
      step->error = Cat("garbage from the server: magic byte ",
                        absl::StrFormat("0x%02x", static_cast<uint8_t>(in[0])),
                        " where a binary response (0x81) was expected");
      return false;
    }
    if (in.size() < binary::kHeaderBytes) return false;
    const size_t key_length = ReadBigEndian(in, binary::kKeyLengthOffset, 2);
    const size_t extras_length = ReadBigEndian(in, binary::kExtrasLengthOffset, 1);
    const size_t body_length = ReadBigEndian(in, binary::kBodyLengthOffset, 4);
    if (body_length > max_body_ || key_length + extras_length > body_length) {
      step->status = ReplyStatus::kBroken;
      step->error = Cat("garbage from the server: a response with a body of ", body_length,
                        " bytes, extras ", extras_length, " and key ", key_length);
      return false;
    }
    if (in.size() < binary::kHeaderBytes + body_length) return false;
    response->opcode = static_cast<uint8_t>(in[binary::kOpcodeOffset]);
    response->status = static_cast<uint16_t>(ReadBigEndian(in, kStatusOffset, 2));
    const std::string_view body = in.substr(binary::kHeaderBytes, body_length);
    response->key = body.substr(extras_length, key_length);
    response->value = body.substr(extras_length + key_length);
    *length = binary::kHeaderBytes + body_length;
    return true;
  }

  // An answer to another command than the one sent: the pairing of requests and answers is lost.
  static bool Expect(const Response& response, uint8_t opcode, ReplyStep* step) {
    if (response.opcode == opcode) return true;
    step->status = ReplyStatus::kBroken;
    step->error = absl::StrFormat("an answer to opcode 0x%02x where 0x%02x was expected",
                                  response.opcode, opcode);
    return false;
  }

  void CheckGet(std::string_view what, const Response& response, const PendingRequest& request,
                ReplyProgress* progress) const {
    if (response.status == binary::kKeyNotFound) return;
    if (response.status != binary::kSuccess) {
      Unexpected(what, response, progress);
    } else if (response.key.empty()) {
      if (progress->error.empty()) progress->error = Cat(what, " hit without its key");
    } else {
      CheckValue(context_, request, response.key, response.value, progress);
    }
  }

  static void Unexpected(std::string_view what, const Response& response, ReplyProgress* progress) {
    if (!progress->error.empty()) return;
    progress->error = Cat(what, " answered status ", absl::StrFormat("0x%04x", response.status));
    if (!response.value.empty()) progress->error += Cat(" ", QuoteServerText(response.value));
  }

  const CodecContext& context_;
  const size_t max_body_;
};

}  // namespace

std::unique_ptr<RequestCodec> MakeBinaryCodec(const CodecContext& context) {
  return std::make_unique<BinaryCodec>(context);
}

}  // namespace memkv::bench
