#include "server/conn/request_pipeline.h"

#include <chrono>

#include "absl/strings/ascii.h"
#include "protocol/memcache/auth_request_parser.h"
#include "protocol/memcache/binary_reply_encoder.h"
#include "server/conn/input_buffer.h"
#include "server/conn/protected_mode.h"
#include "server/exec/binary_executor.h"
#include "server/exec/binary_sasl.h"
#include "server/exec/command_family.h"
#include "server/exec/meta_executor.h"
#include "server/exec/resp/resp_executor.h"
#include "server/exec/text_auth.h"
#include "server/exec/text_executor.h"

namespace memkv::server {
namespace {

// Runs `execute`; when the server measures latency, adds its time to the request's family's
// histogram in the executing thread's stats.
template <typename Request, typename Execute>
ExecOutcome Timed(const PipelineConfig& config, const Request& request, ExecContext& context,
                  Execute execute) {
  if (!config.measure_latency) return execute();
  const auto start = std::chrono::steady_clock::now();
  const ExecOutcome outcome = execute();
  const auto nanos = std::chrono::duration_cast<std::chrono::nanoseconds>(
      std::chrono::steady_clock::now() - start);
  context.stats->latency[static_cast<size_t>(FamilyOf(request))].Record(
      static_cast<uint64_t>(nanos.count()));
  return outcome;
}

// AUTH or HELLO, in any case: the commands that can authenticate a RESP connection.
bool IsAuthCommand(std::string_view name) {
  std::string lower(name.substr(0, 6));
  absl::AsciiStrToLower(&lower);
  return (name.size() == 4 && lower == "auth") || (name.size() == 5 && lower == "hello");
}

// SET, in any case.
bool IsSetCommand(std::string_view name) {
  return name.size() == 3 && absl::ascii_tolower(name[0]) == 's' &&
         absl::ascii_tolower(name[1]) == 'e' && absl::ascii_tolower(name[2]) == 't';
}

}  // namespace
namespace {

using protocol::ParseResult;
using protocol::ParseStatus;

protocol::TextRequestParserLimits TextLimits(size_t max_item_bytes) {
  protocol::TextRequestParserLimits limits;
  limits.max_item_bytes = max_item_bytes;
  return limits;
}

protocol::MetaRequestParserLimits MetaLimits(size_t max_item_bytes) {
  protocol::MetaRequestParserLimits limits;
  limits.max_item_bytes = max_item_bytes;
  return limits;
}

protocol::BinaryRequestParserLimits BinaryLimits(size_t max_item_bytes) {
  protocol::BinaryRequestParserLimits limits;
  limits.max_item_bytes = max_item_bytes;
  return limits;
}

}  // namespace

PipelineConfig::PipelineConfig(size_t max_item_bytes, const AuthRegistry* auth)
    : PipelineConfig(max_item_bytes,
                     protocol::RespRequestParserLimits::ForMaxItemBytes(max_item_bytes, false),
                     auth) {}

PipelineConfig::PipelineConfig(size_t max_item_bytes, const protocol::RespRequestParserLimits& resp,
                               const AuthRegistry* auth)
    : text(TextLimits(max_item_bytes)),
      meta(MetaLimits(max_item_bytes)),
      binary(BinaryLimits(max_item_bytes)),
      max_item_bytes(max_item_bytes),
      resp(resp),
      auth(auth) {}

protocol::RespRequestParserLimits PipelineConfig::RespLimits(bool allow_inline) const {
  protocol::RespRequestParserLimits limits = resp;
  limits.allow_inline = allow_inline;
  return limits;
}

RequestPipeline::RequestPipeline(const PipelineConfig* config, PortDialect port)
    : config_(config),
      port_(port),
      memcache_authenticated_(config->auth == nullptr),
      resp_parser_(config->RespLimits(port == PortDialect::kRespOnly)) {
  if (port == PortDialect::kRespOnly) dialect_ = Dialect::kResp;
  session_.authenticated = config->auth == nullptr;
}

// Whether the meta parser takes the request at the front of `input`. Only the bytes one line may
// hold count: a command word that starts after them is on a line too long for either parser, and
// looking further would make the dialect (and so the step's reply) depend on how many bytes had
// arrived when the line became too long.
bool RequestPipeline::IsMetaRequest(std::string_view input) const {
  return protocol::LooksLikeMetaCommand(
      input.substr(0, config_->meta.limits().max_line_length + 1));
}

Dialect RequestPipeline::NextDialect(std::string_view input) {
  if (dialect_ == Dialect::kUndecided) {
    if (input.empty()) return Dialect::kUndecided;
    // Every Redis client opens with a multibulk; no memcached command starts with '*'. A binary
    // client's every request starts with the magic byte 0x80, which no text command does.
    if (input.front() == '*') {
      dialect_ = Dialect::kResp;
    } else if (protocol::StartsBinaryRequest(input)) {
      dialect_ = Dialect::kBinary;
    } else {
      dialect_ = Dialect::kText;
    }
  }
  if (dialect_ == Dialect::kResp || dialect_ == Dialect::kBinary) return dialect_;
  // A prefix too short to tell ("m") goes to the text parser, which asks for more bytes without
  // consuming any; the next call decides again with more.
  return IsMetaRequest(input) ? Dialect::kMeta : Dialect::kText;
}

ParseResult RequestPipeline::ParseOne(Dialect dialect, std::string_view input) {
  switch (dialect) {
    case Dialect::kText:
      return config_->text.Parse(input, &text_request_);
    case Dialect::kMeta:
      return config_->meta.Parse(input, &meta_request_);
    case Dialect::kResp:
      return resp_parser_.Parse(input, &resp_request_);
    case Dialect::kBinary:
      return config_->binary.Parse(input, &binary_request_);
    case Dialect::kUndecided:
      break;
  }
  return ParseResult{};
}

void RequestPipeline::AppendError(std::string_view error, std::string* out) {
  // An empty error is the text protocol's silence: noreply requests and the connections
  // memcached drops without a word.
  if (error.empty()) return;
  out->append(error);
  out->append("\r\n");
}

PipelineStep RequestPipeline::Frame(std::string_view input, std::string* out) {
  PipelineStep step = Parse(input, out);
  // An authentication attempt framed here runs later, on another thread; what follows it must
  // be framed with the limits its outcome sets (Redis's unauthenticated ones, or not), so
  // framing waits for it (auth_in_flight()).
  if (step.status == ParseStatus::kOk && step.dialect == Dialect::kResp &&
      !session_.authenticated && !resp_request_.args.empty() &&
      IsAuthCommand(resp_request_.args[0])) {
    auth_in_flight_ = true;
  }
  // The dispatch modes keep only the request's bytes: its parsed form is done with.
  if (step.status == ParseStatus::kOk) ReleaseOversizedRequests();
  return step;
}

PipelineStep RequestPipeline::Parse(std::string_view input, std::string* out) {
  PipelineStep step;
  step.dialect = NextDialect(input);
  if (step.dialect == Dialect::kUndecided) return step;
  if (denied_) {
    AnswerDenied(input, out, &step);
    return step;
  }
  if (step.dialect == Dialect::kBinary) {
    ParseBinary(input, out, &step);
    return step;
  }
  if (step.dialect != Dialect::kResp && !memcache_authenticated_) {
    ParseAuth(input, out, &step);
    return step;
  }
  if (step.dialect == Dialect::kResp) {
    resp_parser_.set_authenticated(session_.authenticated);
  }
  ParseResult result = ParseOne(step.dialect, input);
  step.status = result.status;
  step.consumed = result.consumed;
  step.swallow = result.swallow;
  step.partial = step.dialect == Dialect::kResp && result.status == ParseStatus::kClientError &&
                 result.error.empty();
  if (result.status == ParseStatus::kClientError || result.status == ParseStatus::kMustClose) {
    AppendError(result.error, out);
  }
  return step;
}

void RequestPipeline::ParseAuth(std::string_view input, std::string* out, PipelineStep* step) {
  protocol::AuthRequest request;
  ParseResult result = protocol::ParseAuthRequest(input, &request);
  step->status = result.status;
  step->consumed = result.consumed;
  switch (result.status) {
    case ParseStatus::kOk: {
      // The attempt's answer is the pipeline's own, as a refusal's is: no executor runs.
      const bool accepted = ExecuteTextAuth(request, *config_->auth, out);
      memcache_authenticated_ = accepted;
      step->status = ParseStatus::kClientError;
      step->auth = accepted ? AuthStep::kAccepted : AuthStep::kRejected;
      break;
    }
    case ParseStatus::kClientError:
      AppendError(result.error, out);
      step->auth = AuthStep::kRefused;
      break;
    case ParseStatus::kMustClose:
    case ParseStatus::kNeedMore:
      break;
  }
}

void RequestPipeline::ParseBinary(std::string_view input, std::string* out, PipelineStep* step) {
  const ParseResult result = config_->binary.Parse(input, &binary_request_);
  step->status = result.status;
  step->consumed = result.consumed;
  step->swallow = result.swallow;
  // Bad magic: closed without a word. Bad lengths are answered before authentication is
  // looked at, as memcached's dispatch_bin_command does; the executor answers them.
  if (result.status != ParseStatus::kOk || config_->auth == nullptr ||
      binary_request_.problem == protocol::BinaryProblem::kBadLengths) {
    return;
  }
  const protocol::BinaryRequest& request = binary_request_;
  if (IsSaslCommand(request.command)) {
    if (request.problem == protocol::BinaryProblem::kInvalid) return;  // the executor's answer
    const SaslResult sasl = ExecuteBinarySasl(request, *config_->auth, out);
    // A failed attempt ends an earlier success too: memcached 1.6.18 asks its SASL connection
    // for a user name, which a failed AUTH or STEP clears.
    if (sasl != SaslResult::kNoCheck) memcache_authenticated_ = sasl == SaslResult::kAccepted;
    step->status = ParseStatus::kClientError;
    step->auth = sasl == SaslResult::kAccepted   ? AuthStep::kAccepted
                 : sasl == SaslResult::kRejected ? AuthStep::kRejected
                                                 : AuthStep::kRefused;
    return;
  }
  if (!memcache_authenticated_ && request.command != protocol::binary::kVersion) {
    protocol::AppendBinaryError(request.opcode, request.opaque, protocol::binary::kAuthError, out);
    step->status = ParseStatus::kMustClose;
    step->swallow = 0;
    step->auth = AuthStep::kRefused;
  }
}

void RequestPipeline::AnswerDenied(std::string_view input, std::string* out, PipelineStep* step) {
  // Answered on the first byte, whole request or not: nothing of it will run, and the dialect is
  // all the answer depends on.
  out->append(step->dialect == Dialect::kResp ? kRespProtectedModeDenied
                                              : kMemcacheProtectedModeDenied);
  step->status = ParseStatus::kMustClose;
  step->consumed = input.size();
  step->auth = AuthStep::kDenied;
}

PipelineStep RequestPipeline::ParseAndExecute(std::string_view input, ExecContext& context,
                                              std::string* out) {
  PipelineStep step = Parse(input, out);
  if (step.status != ParseStatus::kOk) return step;
  switch (step.dialect) {
    case Dialect::kText:
      step.outcome = Timed(*config_, text_request_, context,
                           [&] { return ExecuteText(text_request_, context, out); });
      break;
    case Dialect::kMeta:
      step.outcome = Timed(*config_, meta_request_, context,
                           [&] { return ExecuteMeta(meta_request_, context, out); });
      break;
    case Dialect::kResp:
      step.outcome = Timed(*config_, resp_request_, context,
                           [&] { return ExecuteResp(resp_request_, context, session_, out); });
      break;
    case Dialect::kBinary:
      step.outcome = Timed(*config_, binary_request_, context,
                           [&] { return ExecuteBinary(binary_request_, context, out); });
      break;
    case Dialect::kUndecided:
      break;
  }
  if (step.outcome == ExecOutcome::kPaused) {
    step.consumed = 0;  // run again from the cursor
  } else {
    ReleaseOversizedRequests();
  }
  return step;
}

bool RequestPipeline::FindLargeValue(std::string_view input, size_t min_value_bytes,
                                     size_t* header_bytes, size_t* value_bytes, Dialect* dialect) {
  if (denied_ || input.empty()) return false;
  if (dialect_ == Dialect::kResp) {
    // Only where Parse just asked for more of this same input (its resume state describes it).
    protocol::RespRequest request;
    if (!session_.authenticated ||
        !resp_parser_.PendingLastArgument(input, &request, header_bytes, value_bytes) ||
        request.args.size() != 2 || *value_bytes < min_value_bytes ||
        !IsSetCommand(request.args[0])) {
      // SET key value only: the one command whose large last argument is a value to store (and
      // that never pauses, as a multi-key command may, to run again from its bytes).
      return false;
    }
    resp_parser_.Reset();
    *dialect = Dialect::kResp;
    return true;
  }
  if (!memcache_authenticated_ || (dialect_ != Dialect::kText && dialect_ != Dialect::kBinary)) {
    return false;
  }
  if (dialect_ == Dialect::kBinary) {
    protocol::BinaryRequest request;
    if (!config_->binary.ParseStoreHeader(input, &request, header_bytes, value_bytes)) {
      return false;
    }
    *dialect = Dialect::kBinary;
    return *value_bytes >= min_value_bytes;
  }
  // Every byte of a kept value is buffered until then, so a header whose value is smaller than
  // the threshold, or wholly here, is left to Parse.
  if (IsMetaRequest(input)) {
    protocol::MetaRequest request;
    if (!config_->meta.ParseSetHeader(input, &request, header_bytes, value_bytes)) return false;
    *dialect = Dialect::kMeta;
  } else {
    protocol::TextRequest request;
    if (!config_->text.ParseStorageHeader(input, &request, header_bytes)) return false;
    *value_bytes = request.bytes;
    *dialect = Dialect::kText;
  }
  return *value_bytes >= min_value_bytes;
}

namespace {

// The header of a request FindLargeValue found, parsed again (a few dozen bytes) into `*request`,
// and its trailer checked. kOk: run it; else the error to answer.
protocol::ParseResult ParseReceivedText(const PipelineConfig& config, std::string_view header,
                                        std::string_view trailer, protocol::TextRequest* request) {
  size_t line = 0;
  if (!config.text.ParseStorageHeader(header, request, &line)) {
    return protocol::MustCloseWith("SERVER_ERROR internal framing error");
  }
  return protocol::TextRequestParser::EndDataBlock(*request, line, trailer);
}

protocol::ParseResult ParseReceivedMeta(const PipelineConfig& config, std::string_view header,
                                        std::string_view trailer, protocol::MetaRequest* request) {
  size_t line = 0;
  size_t value_bytes = 0;
  if (!config.meta.ParseSetHeader(header, request, &line, &value_bytes)) {
    return protocol::MustCloseWith("SERVER_ERROR internal framing error");
  }
  return protocol::MetaRequestParser::EndDataBlock(line, value_bytes, trailer);
}

}  // namespace

PipelineStep RequestPipeline::FrameReceived(Dialect dialect, std::string_view header,
                                            size_t value_bytes, std::string_view trailer,
                                            std::string* out) const {
  PipelineStep step;
  step.dialect = dialect;
  protocol::ParseResult result;
  if (dialect == Dialect::kBinary || dialect == Dialect::kResp) {
    // Binary: nothing follows the value. RESP: Redis skips the two bytes after a bulk's data
    // whatever they are.
    result = protocol::ParsedOk(header.size());
  } else if (dialect == Dialect::kMeta) {
    protocol::MetaRequest request;
    result = ParseReceivedMeta(*config_, header, trailer, &request);
  } else {
    protocol::TextRequest request;
    result = ParseReceivedText(*config_, header, trailer, &request);
  }
  step.status = result.status;
  step.consumed = header.size() + value_bytes + trailer.size();
  if (result.status != ParseStatus::kOk) AppendError(result.error, out);
  return step;
}

PipelineStep RequestPipeline::ExecuteReceived(Dialect dialect, std::string_view header,
                                              std::string_view trailer, storage::ValueBuffer* value,
                                              ExecContext& context, std::string* out) {
  PipelineStep step = FrameReceived(dialect, header, value->size(), trailer, out);
  if (step.status != ParseStatus::kOk) return step;
  step.outcome = ExecuteReceivedFramed(*config_, dialect, resp_inline_allowed(), header, value,
                                       context, &session_, out);
  return step;
}

ExecOutcome RequestPipeline::ExecuteReceivedFramed(const PipelineConfig& config, Dialect dialect,
                                                   bool resp_inline, std::string_view header,
                                                   storage::ValueBuffer* value,
                                                   ExecContext& context, RespSession* session,
                                                   std::string* out) {
  // The value is the block's bytes: a store that sees them takes the block (StoreValue).
  context.received_value = value;
  ExecOutcome outcome = ExecOutcome::kClose;
  if (dialect == Dialect::kResp) {
    // The header is a multibulk that lacks only its last argument's data: parsed again, the
    // value appended as that argument.
    protocol::RespRequestParser parser(config.RespLimits(resp_inline));
    protocol::RespRequest request;
    size_t start = 0;
    size_t length = 0;
    if (parser.Parse(header, &request).status == ParseStatus::kNeedMore &&
        parser.PendingLastArgument(header, &request, &start, &length) && start == header.size() &&
        length == value->size()) {
      request.args.push_back(value->view());
      outcome = Timed(config, request, context,
                      [&] { return ExecuteResp(request, context, *session, out); });
    } else {
      out->append("-ERR internal framing error\r\n");
    }
  } else if (dialect == Dialect::kBinary) {
    protocol::BinaryRequest request;
    size_t head = 0;
    size_t value_bytes = 0;
    if (config.binary.ParseStoreHeader(header, &request, &head, &value_bytes)) {
      request.value = value->view();
      outcome =
          Timed(config, request, context, [&] { return ExecuteBinary(request, context, out); });
    } else {
      out->append("SERVER_ERROR internal framing error\r\n");
    }
  } else if (dialect == Dialect::kMeta) {
    protocol::MetaRequest request;
    if (ParseReceivedMeta(config, header, "\r\n", &request).status == ParseStatus::kOk) {
      request.value = value->view();
      outcome = Timed(config, request, context, [&] { return ExecuteMeta(request, context, out); });
    } else {
      out->append("SERVER_ERROR internal framing error\r\n");
    }
  } else {
    protocol::TextRequest request;
    if (ParseReceivedText(config, header, "\r\n", &request).status == ParseStatus::kOk) {
      request.value = value->view();
      outcome = Timed(config, request, context, [&] { return ExecuteText(request, context, out); });
    } else {
      out->append("SERVER_ERROR internal framing error\r\n");
    }
  }
  context.received_value = nullptr;
  value->Reset();  // not stored (not adopted): freed here, on the executing thread
  return outcome;
}

size_t RequestPipeline::RetainedBytes() const {
  return text_request_.keys.capacity() * sizeof(text_request_.keys[0]) +
         resp_request_.args.capacity() * sizeof(resp_request_.args[0]) +
         resp_request_.storage.capacity() + resp_parser_.RetainedBytes();
}

void RequestPipeline::ReleaseOversizedRequests() {
  // A multi-get of 100,000 keys leaves vectors of 100,000 slots behind; keep at most a
  // typical request's worth for the rest of the connection's life.
  constexpr size_t kKeepEntries = 1024;
  if (text_request_.keys.capacity() > kKeepEntries) {
    decltype(text_request_.keys)().swap(text_request_.keys);
  }
  if (resp_request_.args.capacity() > kKeepEntries) {
    decltype(resp_request_.args)().swap(resp_request_.args);
  }
  if (resp_request_.storage.capacity() > kKeepBufferBytes)
    std::string().swap(resp_request_.storage);
}

ExecOutcome RequestPipeline::ExecuteFramed(const PipelineConfig& config, Dialect dialect,
                                           bool resp_inline, std::string_view request,
                                           ExecContext& context, RespSession* session,
                                           std::string* out) {
  // Re-parsing a request already known to be whole costs one scan of its header line, and
  // keeps what crosses threads down to plain bytes.
  switch (dialect) {
    case Dialect::kText: {
      protocol::TextRequest parsed;
      if (config.text.Parse(request, &parsed).status != ParseStatus::kOk) break;
      return Timed(config, parsed, context, [&] { return ExecuteText(parsed, context, out); });
    }
    case Dialect::kMeta: {
      protocol::MetaRequest parsed;
      if (config.meta.Parse(request, &parsed).status != ParseStatus::kOk) break;
      return Timed(config, parsed, context, [&] { return ExecuteMeta(parsed, context, out); });
    }
    case Dialect::kResp: {
      protocol::RespRequestParser parser(config.RespLimits(resp_inline));
      protocol::RespRequest parsed;
      if (parser.Parse(request, &parsed).status != ParseStatus::kOk) break;
      return Timed(config, parsed, context,
                   [&] { return ExecuteResp(parsed, context, *session, out); });
    }
    case Dialect::kBinary: {
      protocol::BinaryRequest parsed;
      if (config.binary.Parse(request, &parsed).status != ParseStatus::kOk) break;
      return Timed(config, parsed, context, [&] { return ExecuteBinary(parsed, context, out); });
    }
    case Dialect::kUndecided:
      break;
  }
  // Frame() said these bytes were one whole request: a different answer now is a bug.
  out->append("SERVER_ERROR internal framing error\r\n");
  return ExecOutcome::kClose;
}

}  // namespace memkv::server
