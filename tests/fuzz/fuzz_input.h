// FuzzInput: how every memkv fuzz target reads the bytes libFuzzer gives it, and the checks
// they share.
//
// An input is what a client sends, followed by a short tail that says how the bytes arrive:
//
//   data = stream | plan[0], ..., plan[n - 1] | control
//
// `control` is the last byte: its low four bits are n, the number of plan bytes before it (fewer
// when the input is shorter), and its two high bits are options each target gives a meaning
// (kOption1, kOption2). The stream arrives in reads of plan[0] + 1, plan[1] + 1, ... bytes,
// cycling through the plan; with no plan byte it arrives whole. The fuzzer mutates the tail like
// any other byte, so it chooses where the stream is cut; a seed file is a request stream plus
// such a tail (tests/fuzz/make_corpus.py writes them).
//
// Header-only; plain values, one thread.
#ifndef MEMKV_TESTS_FUZZ_FUZZ_INPUT_H_
#define MEMKV_TESTS_FUZZ_FUZZ_INPUT_H_

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>
#include <type_traits>
#include <vector>

namespace memkv::fuzz {

inline constexpr uint8_t kPlanLengthMask = 0x0f;
inline constexpr uint8_t kOption1 = 0x40;
inline constexpr uint8_t kOption2 = 0x80;

struct FuzzInput {
  std::string_view stream;     // the bytes a client sends
  std::vector<size_t> pieces;  // read sizes, cycled; empty: one read of the whole stream
  uint8_t control = 0;

  bool option1() const { return (control & kOption1) != 0; }
  bool option2() const { return (control & kOption2) != 0; }
};

inline FuzzInput SplitFuzzInput(const uint8_t* data, size_t size) {
  FuzzInput input;
  if (size == 0) return input;
  input.control = data[size - 1];
  size_t plan = input.control & kPlanLengthMask;
  if (plan > size - 1) plan = size - 1;
  const size_t stream_size = size - 1 - plan;
  for (size_t i = 0; i < plan; ++i) input.pieces.push_back(size_t{data[stream_size + i]} + 1);
  input.stream = std::string_view(reinterpret_cast<const char*>(data), stream_size);
  return input;
}

// Calls `receive(std::string_view)` with the stream cut as `pieces` says (one call with the
// whole stream when `pieces` is empty). Stops early when `receive` returns false.
template <typename Receive>
void FeedInPieces(std::string_view stream, const std::vector<size_t>& pieces, Receive&& receive) {
  if (pieces.empty()) {
    receive(stream);
    return;
  }
  size_t at = 0;
  for (size_t i = 0; at < stream.size(); ++i) {
    const std::string_view piece = stream.substr(at, pieces[i % pieces.size()]);
    at += piece.size();
    if (!receive(piece)) return;
  }
}

// Reports a broken promise and aborts, so that libFuzzer saves the input as a crash.
[[noreturn]] inline void FuzzFail(const char* file, int line, const char* what,
                                  const std::string& detail) {
  std::fprintf(stderr, "%s:%d: fuzz check failed: %s\n%s\n", file, line, what, detail.c_str());
  std::abort();
}

#define MEMKV_FUZZ_CHECK(condition, detail)                                              \
  do {                                                                                   \
    if (!(condition)) ::memkv::fuzz::FuzzFail(__FILE__, __LINE__, #condition, (detail)); \
  } while (false)

// `bytes` with everything but printable ASCII escaped, for failure messages.
inline std::string Printable(std::string_view bytes, size_t limit = 400) {
  std::string out;
  for (size_t i = 0; i < bytes.size() && i < limit; ++i) {
    const unsigned char c = static_cast<unsigned char>(bytes[i]);
    if (c >= 0x20 && c < 0x7f && c != '\\') {
      out.push_back(static_cast<char>(c));
    } else {
      char escaped[8];
      std::snprintf(escaped, sizeof(escaped), "\\x%02x", c);
      out.append(escaped);
    }
  }
  if (bytes.size() > limit) out.append("...");
  return out;
}

// Cat(...) and Append(out, ...): strings and numbers one after another, for descriptions of
// parsed messages. (absl::StrCat does not take std::string_view: Debian's Abseil has its own
// string_view type.)
inline void AppendPiece(std::string* out, std::string_view s) { out->append(s); }
template <typename T>
requires std::is_arithmetic_v<T>
void AppendPiece(std::string* out, T value) { out->append(std::to_string(value)); }
template <typename... Args>
void Append(std::string* out, const Args&... args) {
  (AppendPiece(out, args), ...);
}
template <typename... Args>
std::string Cat(const Args&... args) {
  std::string out;
  Append(&out, args...);
  return out;
}

// True when `part` lies inside `whole` (both as views into memory).
inline bool Within(std::string_view part, std::string_view whole) {
  if (part.empty()) return true;
  return part.data() >= whole.data() && part.data() + part.size() <= whole.data() + whole.size();
}

}  // namespace memkv::fuzz

#endif  // MEMKV_TESTS_FUZZ_FUZZ_INPUT_H_
