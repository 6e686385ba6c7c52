// RequestCodec: one dialect's side of the conversation for memkv-bench. It encodes a get (of one
// or more keys) or a set with protocol/'s client encoders, and checks the answer, element by
// element, with protocol/'s client reply parsers: every key a get returns must be one it asked
// for, in order, and its value must have an allowed length and (with verification) the contents
// derived from its key; a set must be acknowledged (STORED, HD, +OK, status 0).
//
// Four implementations: text (get/set), meta (mg/ms, multigets as quiet mg + mn), RESP
// (GET/SET/MGET) and binary (GETK/SET, multigets as GETKQ + NOOP). A codec keeps scratch space: one
// per worker thread, never shared.
#ifndef MEMKV_TOOLS_BENCH_CODEC_H_
#define MEMKV_TOOLS_BENCH_CODEC_H_

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "absl/types/span.h"
#include "tools/bench/options.h"
#include "tools/bench/workload.h"

namespace memkv::bench {

// What a codec needs to know about the workload. Outlives the codecs made from it.
struct CodecContext {
  const KeyNamer* keys = nullptr;
  const ValuePattern* values = nullptr;
  size_t value_min = 0;
  size_t value_max = 0;
  bool verify = true;
};

// A request in flight, as the reply checker sees it.
struct PendingRequest {
  bool is_set = false;
  absl::Span<const uint64_t> keys;  // key numbers; one for a set
};

// How far the answer to the request at the front has been checked; reset for every request.
struct ReplyProgress {
  size_t next_key = 0;         // keys before this one were answered or passed over
  int64_t elements_left = -1;  // RESP arrays: elements still to come; -1 before the header
  uint32_t hits = 0;
  std::string error;  // the first thing wrong with this answer; empty when right
};

enum class ReplyStatus {
  kNeedMore,  // the answer is not complete yet
  kDone,      // the answer is complete (right, or wrong as ReplyProgress::error says)
  kBroken,    // the stream cannot be framed any more: close the connection
};

struct ReplyStep {
  ReplyStatus status = ReplyStatus::kNeedMore;
  size_t consumed = 0;  // bytes of `in` that belong to the answer; drop them even when kNeedMore
  std::string error;    // kBroken: why
};

class RequestCodec {
 public:
  virtual ~RequestCodec() = default;

  virtual void EncodeGet(absl::Span<const uint64_t> keys, std::string* out) = 0;
  virtual void EncodeSet(uint64_t key, std::string_view value, std::string* out) = 0;

  // Checks the bytes received so far against the request at the front. Call again with the
  // remaining input (after dropping `consumed`) when more bytes arrive.
  virtual ReplyStep Consume(std::string_view in, const PendingRequest& request,
                            ReplyProgress* progress) = 0;
};

std::unique_ptr<RequestCodec> MakeTextCodec(const CodecContext& context);
std::unique_ptr<RequestCodec> MakeMetaCodec(const CodecContext& context);
std::unique_ptr<RequestCodec> MakeRespCodec(const CodecContext& context);
std::unique_ptr<RequestCodec> MakeBinaryCodec(const CodecContext& context);
std::unique_ptr<RequestCodec> MakeCodec(Dialect dialect, const CodecContext& context);

// Shared by the implementations: checks one returned value against the keys still expected,
// advancing progress->next_key past the matched key (keys passed over were misses).
// `returned_key` empty means "the next key, by position" (RESP, meta without k).
// The largest value the reply parsers accept before calling the stream garbage: a little more
// than any value the run stores, so that a somewhat wrong length is reported as exactly that,
// while a wild one (VALUE k 0 999999999999) cannot make the bench buffer gigabytes.
size_t ParserValueLimit(const CodecContext& context);

// Server-supplied text fit for an error message: escaped and cut short, so it stays one line.
std::string QuoteServerText(std::string_view text);

void CheckValue(const CodecContext& context, const PendingRequest& request,
                std::string_view returned_key, std::string_view data, ReplyProgress* progress);

}  // namespace memkv::bench

#endif  // MEMKV_TOOLS_BENCH_CODEC_H_
