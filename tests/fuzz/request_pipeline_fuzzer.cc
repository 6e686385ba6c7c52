// Fuzz target: the whole request path without sockets. Bytes go in as a connection receives
// them, server/conn's RequestPipeline frames and executes them against a real storage::Engine,
// and reply bytes come out.
//
// FuzzConnection below is Connection::Consume (server/conn/connection.cc) without the socket:
// the same InputBuffer, the same loop over ParseAndExecute, the same swallowing of refused
// values, the same stop after a fatal error or quit, and the same OutputBuffer with large values
// spliced in (pinned until written). A multi-key command that pauses at the output limit has its
// output written and runs again from its cursor. (There is no request budget: it only decides
// when the rest is consumed, not what it does; and output is written only at a pause and at the
// end, so that where the reads fall changes nothing.) The engine is small (128 KiB, items up to
// 8 KiB) and filled before the stream starts, so that stores evict; its clock is a FakeClock and
// its reclaimer is off, so that a run is a pure function of the input.
//
// Checks: each step keeps the PipelineStep contract; a paused command advances; the replies end
// at a reply boundary; binary replies are whole response packets; RESP replies are well-formed
// RESP, with no line end inside a status or error line; and the stream arriving whole and in the
// fuzzer's pieces (two fresh engines) gives the same steps and the same bytes written. Option 2
// makes the connection one of the
// --resp-port (RESP with inline commands); otherwise it is on the memcached port, where the
// first byte picks the dialect.
#include <sys/uio.h>

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "protocol/parse_result.h"
#include "protocol/resp/resp_reply_parser.h"
#include "protocol/resp/resp_request_parser.h"
#include "server/conn/input_buffer.h"
#include "server/conn/output_buffer.h"
#include "server/conn/port_dialect.h"
#include "server/conn/request_pipeline.h"
#include "server/exec/command_stats.h"
#include "server/exec/exec_context.h"
#include "storage/clock.h"
#include "storage/engine.h"
#include "tests/fuzz/fuzz_input.h"
#include "tests/support/fake_server_info.h"

namespace memkv::fuzz {
namespace {

using protocol::ParseStatus;
using server::PipelineStep;

constexpr size_t kMemoryLimitBytes = size_t{128} << 10;
constexpr size_t kMaxItemBytes = size_t{8} << 10;
// Warm-up: items of 5000 bytes (w0, w1, ...) until the engine has evicted, so that the
// stream's stores evict too; then kHotItems more (hot0 ... hot7), the most recent, which the
// seeds ask for. Their values are large enough to be spliced into replies
// (server/exec/spliced_values.h). Few large items rather than many small ones: the warm-up runs
// twice per input and is most of a run's time.
constexpr size_t kWarmValueBytes = 5000;
constexpr int kMaxWarmItems = 200;
constexpr int kHotItems = 8;
// The output size at which a multi-key command pauses (the server's is
// Connection::kOutputHighWater, 4 MiB): a get of two hot items reaches it.
constexpr size_t kOutputLimit = size_t{8} << 10;

std::unique_ptr<storage::Engine> FilledEngine(const storage::Clock* clock) {
  storage::EngineOptions options;
  options.memory_limit_bytes = kMemoryLimitBytes;
  options.max_item_bytes = kMaxItemBytes;
  options.start_background_reclaimer = false;
  auto engine = storage::Engine::Create(options, clock);
  MEMKV_FUZZ_CHECK(engine.ok(), engine.status().ToString());
  const std::string value(kWarmValueBytes, 'w');
  for (int i = 0; i < kMaxWarmItems && (*engine)->Stats().evictions == 0; ++i) {
    (void)(*engine)->Store(Cat("w", i), value, storage::StoreArgs());
  }
  for (int i = 0; i < kHotItems; ++i) {
    (void)(*engine)->Store(Cat("hot", i), value, storage::StoreArgs());
  }
  MEMKV_FUZZ_CHECK((*engine)->Stats().evictions > 0, "the warm-up did not fill the engine");
  MEMKV_FUZZ_CHECK(
      (*engine)->Get("hot0", [](const storage::ItemView&) {}) == storage::LookupResult::kHit,
      "the engine holds fewer than 8 warm-up items");
  return std::move(*engine);
}

// The server's RESP limits, but with arguments over the item size skipped rather than kept (the
// server keeps up to 1 MiB, more than a fuzz input holds), so that skipping is exercised.
protocol::RespRequestParserLimits PipelineRespLimits() {
  protocol::RespRequestParserLimits limits =
      protocol::RespRequestParserLimits::ForMaxItemBytes(kMaxItemBytes, false);
  limits.max_kept_bulk_bytes = kMaxItemBytes;
  return limits;
}

// One connection over its own engine (see the file comment). One thread.
class FuzzConnection {
 public:
  explicit FuzzConnection(server::PortDialect port)
      : engine_(FilledEngine(&clock_)),
        info_({{"fuzz", &stats_}}),
        config_(kMaxItemBytes, PipelineRespLimits()),
        pipeline_(&config_, port) {
    exec_.engine = engine_.get();
    exec_.stats = &stats_;
    exec_.server = &info_;
    // As ExecutingConnection sets them up, with a small output limit so that short inputs make
    // multi-key commands pause.
    exec_.cursor = &pipeline_.cursor();
    exec_.cursor->output_limit = kOutputLimit;
    exec_.spliced = &output_.spliced();
  }

  // One read of `data`; false once the connection is closing (later bytes are never read).
  bool Receive(std::string_view data) {
    // In a block of exactly its size, so that reading past what arrived is caught.
    std::unique_ptr<char[]> exact(new char[data.size()]);
    if (!data.empty()) std::memcpy(exact.get(), data.data(), data.size());
    input_.Receive(std::string_view(exact.get(), data.size()),
                   [this](std::string_view bytes) { return Consume(bytes); });
    if (closing_) input_.Discard();
    return !closing_;
  }

  // Everything the connection wrote, once the stream has ended.
  const std::string& Written() {
    Drain();
    return written_;
  }
  const std::string& steps() const { return steps_; }
  server::Dialect dialect() const { return pipeline_.connection_dialect(); }

 private:
  size_t Consume(std::string_view input) {
    size_t pos = 0;
    while (pos < input.size() && !closing_) {
      if (swallow_ > 0) {
        const size_t n = std::min(swallow_, input.size() - pos);
        swallow_ -= n;
        pos += n;
        continue;
      }
      const std::string_view rest = input.substr(pos);
      const PipelineStep step = pipeline_.ParseAndExecute(rest, exec_, &output_.bytes());
      CheckStep(step, rest);
      if (step.status == ParseStatus::kNeedMore) break;
      Append(&steps_, protocol::ParseStatusName(step.status), " ", step.consumed, "+", step.swallow,
             " dialect=", static_cast<int>(step.dialect),
             " outcome=", static_cast<int>(step.outcome), "\n");
      if (step.outcome == server::ExecOutcome::kPaused) {
        // The connection writes what it holds and, once that has drained, runs the same request
        // again from its cursor, which must have moved on.
        MEMKV_FUZZ_CHECK(exec_.cursor->next_key > paused_at_, "a paused command did not advance");
        paused_at_ = exec_.cursor->next_key;
        Drain();
        continue;
      }
      paused_at_ = 0;
      pos += step.consumed;
      switch (step.status) {
        case ParseStatus::kOk:
        case ParseStatus::kClientError:
          swallow_ = step.swallow;
          if (step.outcome == server::ExecOutcome::kClose) closing_ = true;
          break;
        case ParseStatus::kMustClose:
          closing_ = true;
          break;
        case ParseStatus::kNeedMore:
          break;
      }
    }
    return pos;
  }

  // Writes the output: its bytes and spliced values, in order; then releases it (and its pins).
  void Drain() {
    output_.Slices(&slices_);
    for (const iovec& slice : slices_) {
      written_.append(static_cast<const char*>(slice.iov_base), slice.iov_len);
    }
    output_.Release();
  }

  static void CheckStep(const PipelineStep& step, std::string_view input) {
    const auto at = [&input] { return "input: " + Printable(input); };  // only on failure
    if (step.status == ParseStatus::kNeedMore) {
      MEMKV_FUZZ_CHECK(step.consumed == 0 && step.swallow == 0, at());
    } else if (step.outcome == server::ExecOutcome::kPaused) {
      MEMKV_FUZZ_CHECK(step.status == ParseStatus::kOk && step.consumed == 0, at());
    } else if (step.status != ParseStatus::kMustClose) {
      MEMKV_FUZZ_CHECK(step.consumed > 0 && step.consumed <= input.size(), at());
    }
  }

  storage::FakeClock clock_;
  std::unique_ptr<storage::Engine> engine_;
  server::CommandStats stats_;
  server::FakeServerInfo info_;
  server::PipelineConfig config_;
  server::RequestPipeline pipeline_;
  server::ExecContext exec_;
  server::InputBuffer input_;
  size_t swallow_ = 0;
  size_t paused_at_ = 0;  // the cursor's key when the request last paused; 0: not paused
  bool closing_ = false;
  std::string steps_;
  // After the engine: released first, with the pins it holds on stored values.
  server::OutputBuffer output_;
  std::vector<iovec> slices_;
  std::string written_;
};

// A binary connection's replies without the STAT packets of the process's CPU time (whole
// packets, as CheckBinaryReplies has checked).
std::string ComparableBinary(std::string_view output) {
  std::string out;
  size_t pos = 0;
  while (pos + 24 <= output.size()) {
    const auto byte = [&](size_t i) { return static_cast<uint8_t>(output[pos + i]); };
    const size_t keylen = (size_t{byte(2)} << 8) | byte(3);
    const size_t extlen = byte(4);
    const size_t bodylen =
        (size_t{byte(8)} << 24) | (size_t{byte(9)} << 16) | (size_t{byte(10)} << 8) | byte(11);
    const std::string_view packet = output.substr(pos, 24 + bodylen);
    const std::string_view key = packet.substr(std::min(packet.size(), 24 + extlen), keylen);
    if (!(byte(1) == 0x10 && key.substr(0, 6) == "rusage")) out.append(packet);
    pos += packet.size();
  }
  out.append(output.substr(std::min(pos, output.size())));
  return out;
}

// A RESP connection's replies without what differs between two runs of the same requests:
// INFO's process figures (CPU time, resident memory and what is computed from it) and command
// times, with the INFO bulk's length they change; MEMORY STATS's fragmentation (resident memory
// again).
std::string ComparableResp(std::string_view output) {
  std::vector<std::string_view> lines;
  for (size_t pos = 0; pos < output.size();) {
    size_t end = output.find('\n', pos);
    end = end == std::string_view::npos ? output.size() : end + 1;
    lines.push_back(output.substr(pos, end - pos));
    pos = end;
  }
  std::string out;
  for (size_t i = 0; i < lines.size(); ++i) {
    const std::string_view line = lines[i];
    if (line.starts_with("$") && i + 1 < lines.size() && lines[i + 1].starts_with("# ")) {
      out.append("$INFO\r\n");  // an INFO reply: its length follows the masked figures
    } else if (line.starts_with("used_cpu_") || line.starts_with("used_memory_rss") ||
               line.starts_with("mem_fragmentation_")) {
      continue;
    } else if (line.starts_with("cmdstat_") && line.find(",usec=") != std::string_view::npos) {
      const size_t usec = line.find(",usec=");
      const size_t rejected = line.find(",rejected_calls=");
      out.append(line.substr(0, usec));
      if (rejected != std::string_view::npos) out.append(line.substr(rejected));
    } else if (line == "fragmentation\r\n" || line == "fragmentation.bytes\r\n") {
      out.append(line);
      i += line == "fragmentation\r\n" ? 2 : 1;  // the value: a bulk double, or an integer
    } else {
      out.append(line);
    }
  }
  return out;
}

// The replies without the lines that differ between two runs of the same requests: `stats`
// reports the process's CPU time; for RESP, ComparableResp.
std::string Comparable(std::string_view output, server::Dialect dialect) {
  if (dialect == server::Dialect::kBinary) return ComparableBinary(output);
  if (dialect == server::Dialect::kResp) return ComparableResp(output);
  std::string out;
  size_t pos = 0;
  while (pos < output.size()) {
    size_t end = output.find('\n', pos);
    end = end == std::string_view::npos ? output.size() : end + 1;
    const std::string_view line = output.substr(pos, end - pos);
    if (line.substr(0, 11) != "STAT rusage") out.append(line);
    pos = end;
  }
  return out;
}

// The output of a RESP connection is a sequence of whole RESP values.
void CheckRespReplies(std::string_view output) {
  protocol::RespReplyParserLimits limits;
  limits.max_line_bytes = size_t{1} << 20;
  const protocol::RespReplyParser parser(limits);
  int64_t pending = 0;  // elements still owed by open arrays, the outermost value included
  size_t pos = 0;
  while (pos < output.size()) {
    protocol::RespReplyToken token;
    const protocol::ParseResult r = parser.Parse(output.substr(pos), &token);
    MEMKV_FUZZ_CHECK(r.status == ParseStatus::kOk,
                     Cat("bad RESP reply at byte ", pos, ": ", Printable(output.substr(pos)),
                         "\nall: ", Printable(output)));
    // A line end inside a status or error line is read as two replies by a client that splits
    // at LF, and Redis never sends one (it writes CR and LF of an error's text as spaces).
    if (token.type == protocol::RespReplyTokenType::kSimpleString ||
        token.type == protocol::RespReplyTokenType::kError) {
      MEMKV_FUZZ_CHECK(token.text.find_first_of("\r\n") == std::string_view::npos,
                       "line end inside a reply line: " + Printable(output.substr(pos)));
    }
    pos += r.consumed;
    if (pending > 0) --pending;
    if (token.type == protocol::RespReplyTokenType::kArray) pending += token.integer;
  }
  MEMKV_FUZZ_CHECK(pending == 0, "unfinished RESP array: " + Printable(output));
}

// Binary replies: whole response packets one after another, each with the response magic and
// a body that holds its extras and key.
void CheckBinaryReplies(std::string_view output) {
  size_t pos = 0;
  const auto byte = [&output](size_t i) { return static_cast<uint8_t>(output[i]); };
  while (pos < output.size()) {
    const auto at = [&] { return Cat("at byte ", pos, ": ", Printable(output.substr(pos))); };
    MEMKV_FUZZ_CHECK(output.size() - pos >= 24 && byte(pos) == 0x81, at());
    const size_t keylen = (size_t{byte(pos + 2)} << 8) | byte(pos + 3);
    const size_t extlen = byte(pos + 4);
    const size_t bodylen = (size_t{byte(pos + 8)} << 24) | (size_t{byte(pos + 9)} << 16) |
                           (size_t{byte(pos + 10)} << 8) | byte(pos + 11);
    MEMKV_FUZZ_CHECK(keylen + extlen <= bodylen && output.size() - pos - 24 >= bodylen, at());
    pos += 24 + bodylen;
  }
}

void CheckReplies(FuzzConnection& conn) {
  const std::string& out = conn.Written();
  if (conn.dialect() == server::Dialect::kBinary) {
    CheckBinaryReplies(out);
    return;
  }
  MEMKV_FUZZ_CHECK(out.empty() || out.ends_with("\r\n"), "reply cut short: " + Printable(out));
  if (conn.dialect() == server::Dialect::kResp) CheckRespReplies(out);
}

// One input: see the file comment.
void Run(const uint8_t* data, size_t size) {
  const FuzzInput input = SplitFuzzInput(data, size);
  const auto port = input.option2() ? server::PortDialect::kRespOnly : server::PortDialect::kAuto;
  FuzzConnection whole(port);
  whole.Receive(input.stream);
  CheckReplies(whole);
  if (input.pieces.empty()) return;
  FuzzConnection cut(port);
  FeedInPieces(input.stream, input.pieces,
               [&cut](std::string_view piece) { return cut.Receive(piece); });
  CheckReplies(cut);
  MEMKV_FUZZ_CHECK(whole.steps() == cut.steps() && Comparable(whole.Written(), whole.dialect()) ==
                                                       Comparable(cut.Written(), cut.dialect()),
                   "stream: " + Printable(input.stream) + "\n--- whole:\n" + whole.steps() +
                       Printable(whole.Written(), 2000) + "\n--- in pieces:\n" + cut.steps() +
                       Printable(cut.Written(), 2000));
}

}  // namespace
}  // namespace memkv::fuzz

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  memkv::fuzz::Run(data, size);
  return 0;
}
