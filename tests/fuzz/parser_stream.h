// ParserStream: feeds a request stream to one request parser the way a connection does, checks
// every answer against the ParseResult contract (protocol/parse_result.h), and records what was
// parsed, so that a fuzz target can compare the stream arriving whole with the same stream
// arriving in the fuzzer's pieces: a message cut at any byte must parse the same as whole.
//
// The loop is the connection's (server/conn/connection.cc, Consume): the unconsumed bytes stay
// buffered and more are appended; messages are taken from the front until kNeedMore; `swallow`
// bytes after a message are dropped as they arrive; kMustClose ends the stream. Each call sees
// its input in a heap block of exactly its size, so that AddressSanitizer catches a parser that
// reads one byte past what was received.
//
// Header-only; one thread.
#ifndef MEMKV_TESTS_FUZZ_PARSER_STREAM_H_
#define MEMKV_TESTS_FUZZ_PARSER_STREAM_H_

#include <algorithm>
#include <cstddef>
#include <cstring>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "protocol/parse_result.h"
#include "tests/fuzz/fuzz_input.h"

namespace memkv::fuzz {

// What a stream parsed into: one line per message or refusal, then what was left over.
struct Transcript {
  std::vector<std::string> events;
  size_t left_over = 0;  // buffered bytes that formed no whole message when the stream ended
  bool closed = false;   // the parser refused the stream (kMustClose)

  bool operator==(const Transcript&) const = default;

  std::string ToString() const {
    std::string out;
    for (const std::string& event : events) out.append(Printable(event, 300)).append("\n");
    out.append(closed ? "closed" : "left over " + std::to_string(left_over)).append("\n");
    return out;
  }
};

// The promises every parser makes about one answer to `input`.
inline void CheckParseContract(const protocol::ParseResult& r, std::string_view input) {
  // Built only when a check fails: formatting it on every call would cost most of a run.
  const auto at = [&input] { return "input: " + Printable(input); };
  switch (r.status) {
    case protocol::ParseStatus::kNeedMore:
      MEMKV_FUZZ_CHECK(r.consumed == 0 && r.swallow == 0 && r.error.empty(), at());
      break;
    case protocol::ParseStatus::kOk:
      // Zero would make a connection parse the same bytes forever.
      MEMKV_FUZZ_CHECK(r.consumed > 0 && r.consumed <= input.size(), at());
      break;
    case protocol::ParseStatus::kClientError:
      MEMKV_FUZZ_CHECK(r.consumed > 0 && r.consumed <= input.size(), at());
      break;
    case protocol::ParseStatus::kMustClose:
      MEMKV_FUZZ_CHECK(r.swallow == 0, at());
      break;
  }
  // The error is sent as one reply line: a line end inside it would frame a second reply.
  MEMKV_FUZZ_CHECK(r.error.find_first_of("\r\n") == std::string_view::npos,
                   at() + "\nerror: " + Printable(r.error));
}

// One answer as a transcript line: status, sizes, error, and the parser's description of the
// message (kOk only).
inline std::string DescribeResult(const protocol::ParseResult& r, std::string_view message) {
  std::string line(protocol::ParseStatusName(r.status));
  line += " consumed=" + std::to_string(r.consumed) + " swallow=" + std::to_string(r.swallow);
  if (!r.error.empty()) line.append(" error=").append(r.error);
  if (!message.empty()) line.append(" | ").append(message);
  return line;
}

// Feeds `stream` in `pieces` (see FeedInPieces) to `parse_one`, a callable
// (std::string_view input, std::string* description) -> protocol::ParseResult that parses one
// message from the front of `input` and, on kOk, describes it into *description (checking its
// own promises about the message).
template <typename ParseOne>
Transcript ParseStream(std::string_view stream, const std::vector<size_t>& pieces,
                       ParseOne&& parse_one) {
  Transcript transcript;
  std::string buffer;
  size_t swallow = 0;
  FeedInPieces(stream, pieces, [&](std::string_view piece) {
    buffer.append(piece);
    size_t pos = 0;
    while (pos < buffer.size()) {
      if (swallow > 0) {
        const size_t n = std::min(swallow, buffer.size() - pos);
        swallow -= n;
        pos += n;
        continue;
      }
      const size_t size = buffer.size() - pos;
      std::unique_ptr<char[]> exact(new char[size]);
      std::memcpy(exact.get(), buffer.data() + pos, size);
      const std::string_view input(exact.get(), size);
      std::string description;
      const protocol::ParseResult r = parse_one(input, &description);
      CheckParseContract(r, input);
      if (r.status == protocol::ParseStatus::kNeedMore) break;
      transcript.events.push_back(DescribeResult(r, description));
      if (r.status == protocol::ParseStatus::kMustClose) {
        transcript.closed = true;
        return false;
      }
      pos += r.consumed;
      swallow = r.swallow;
    }
    buffer.erase(0, pos);
    return true;
  });
  if (!transcript.closed) transcript.left_over = buffer.size();
  return transcript;
}

// The target's core check: `make_parse_one()` returns a fresh parse_one (a parser may keep
// state between calls); the stream parsed whole and parsed in the fuzzer's pieces must agree.
template <typename MakeParseOne>
void CheckWholeEqualsPieces(const FuzzInput& input, MakeParseOne&& make_parse_one) {
  const Transcript whole = ParseStream(input.stream, {}, make_parse_one());
  if (input.pieces.empty()) return;
  const Transcript cut = ParseStream(input.stream, input.pieces, make_parse_one());
  if (whole == cut) return;
  std::string pieces;
  for (size_t p : input.pieces) pieces += std::to_string(p) + " ";
  MEMKV_FUZZ_CHECK(whole == cut, "stream: " + Printable(input.stream) + "\npieces: " + pieces +
                                     "\n--- whole:\n" + whole.ToString() + "--- in pieces:\n" +
                                     cut.ToString());
}

// A parser target's whole check: each run gets a parser from `make_parser()` (a parser may keep
// state between calls) and one Request reused for every call, as a connection has them;
// `describe(request, consumed bytes)` turns each parsed message into its transcript line and
// checks what the target promises about it.
template <typename Request, typename MakeParser, typename Describe>
void CheckParser(const FuzzInput& input, MakeParser make_parser, Describe describe) {
  CheckWholeEqualsPieces(input, [&make_parser, &describe] {
    return [parser = make_parser(), request = Request(), &describe](
               std::string_view in, std::string* description) mutable {
      const protocol::ParseResult r = parser.Parse(in, &request);
      if (r.status == protocol::ParseStatus::kOk) {
        *description = describe(request, in.substr(0, r.consumed));
      }
      return r;
    };
  });
}

}  // namespace memkv::fuzz

#endif  // MEMKV_TESTS_FUZZ_PARSER_STREAM_H_
