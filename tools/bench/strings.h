// Small string helpers for memkv-bench's messages. The project's Abseil (Debian's 20220623
// build) has its own absl::string_view, not an alias of std::string_view, so absl::StrCat and
// friends do not take std::string_view; Cat() does, and ToAbsl() bridges where Abseil must be
// called. Plain functions; any thread.
#ifndef MEMKV_TOOLS_BENCH_STRINGS_H_
#define MEMKV_TOOLS_BENCH_STRINGS_H_

#include <charconv>
#include <string>
#include <string_view>
#include <type_traits>

#include "absl/strings/string_view.h"

namespace memkv::bench {

inline absl::string_view ToAbsl(std::string_view text) {
  return absl::string_view(text.data(), text.size());
}

namespace strings_internal {

inline void AppendOne(std::string* out, std::string_view text) { out->append(text); }
inline void AppendOne(std::string* out, absl::string_view text) {
  out->append(text.data(), text.size());
}
inline void AppendOne(std::string* out, const char* text) { out->append(text); }
inline void AppendOne(std::string* out, const std::string& text) { out->append(text); }
inline void AppendOne(std::string* out, char c) { out->push_back(c); }
template <typename T, typename = std::enable_if_t<std::is_arithmetic_v<T>>>
void AppendOne(std::string* out, T number) {
  char digits[32];
  auto [end, error] = std::to_chars(digits, digits + sizeof(digits), number);
  out->append(digits, end);
}

}  // namespace strings_internal

// Concatenates strings (any kind of view) and numbers (doubles in their shortest exact form).
template <typename... Args>
std::string Cat(const Args&... args) {
  std::string out;
  (strings_internal::AppendOne(&out, args), ...);
  return out;
}

}  // namespace memkv::bench

#endif  // MEMKV_TOOLS_BENCH_STRINGS_H_
