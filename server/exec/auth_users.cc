#include "server/exec/auth_users.h"

#include <algorithm>
#include <cstdint>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"

namespace memkv::server {

bool ConstantTimeEquals(std::string_view a, std::string_view b) {
  // Every byte of the longer input is visited and differences are OR-ed together, with no
  // branch on the data; the lengths (which the caller may not hide) are folded in last. The
  // volatile accumulator keeps the compiler from turning the loop into an early-exit memcmp.
  const size_t n = std::max(a.size(), b.size());
  volatile uint8_t diff = a.size() == b.size() ? 0 : 1;
  for (size_t i = 0; i < n; ++i) {
    const uint8_t x = i < a.size() ? static_cast<uint8_t>(a[i]) : 0;
    const uint8_t y = i < b.size() ? static_cast<uint8_t>(b[i]) : 0;
    diff = diff | static_cast<uint8_t>(x ^ y);
  }
  return diff == 0;
}

absl::StatusOr<AuthUsers> AuthUsers::Parse(std::string_view contents) {
  AuthUsers users;
  size_t line_number = 0;
  while (!contents.empty()) {
    ++line_number;
    size_t end = contents.find('\n');
    std::string_view line = contents.substr(0, end);
    contents.remove_prefix(end == std::string_view::npos ? contents.size() : end + 1);
    auto bad = [line_number](std::string_view why) {
      return absl::InvalidArgumentError(absl::StrCat("line ", line_number, ": ", std::string(why)));
    };
    if (line.size() > kMaxLineBytes) {
      return bad(absl::StrCat("longer than ", kMaxLineBytes, " bytes"));
    }
    size_t colon = line.find(':');
    if (colon == std::string_view::npos || colon == 0 || colon + 1 == line.size() ||
        line.back() == '\r') {
      return bad("malformed entry; should be 'user:password'");
    }
    if (users.entries_.size() == kMaxEntries) {
      return bad(absl::StrCat("more than ", kMaxEntries, " entries"));
    }
    users.entries_.push_back(
        Entry{std::string(line.substr(0, colon)), std::string(line.substr(colon + 1))});
  }
  return users;
}

bool AuthUsers::Check(std::string_view user, std::string_view password) const {
  // Every entry is compared in full, user and password, whatever matched before, so the time
  // tells neither which user exists nor how much of a password was right.
  bool found = false;
  for (const Entry& entry : entries_) {
    const bool user_ok = ConstantTimeEquals(entry.user, user);
    const bool password_ok = ConstantTimeEquals(entry.password, password);
    found = found | (user_ok & password_ok);
  }
  return found;
}

}  // namespace memkv::server
