// AuthUsers: the user list of --auth-file (memcached's -Y format), parsed once and then never
// changed, and the constant-time check of one user and password against it. Both dialects use
// it: the memcached text protocol's `set` authentication and RESP's AUTH / HELLO ... AUTH.
//
// The file holds one `user:password` per line, split at the first ':' (so a password may hold
// ':' but a user may not), as memcached 1.6 reads it, within memcached's limits: at most 8
// entries, lines of at most 256 bytes. memkv refuses what memcached refuses (an empty line, a
// line without ':', a line ending in "\r\n") and, where memcached silently drops entries (a
// ninth line and beyond, an empty user or password), refuses the file too, so that a file is
// never read differently from how it looks.
//
// Threads: immutable after Parse(); any thread may call Check() at any time.
#ifndef MEMKV_SERVER_EXEC_AUTH_USERS_H_
#define MEMKV_SERVER_EXEC_AUTH_USERS_H_

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"

namespace memkv::server {

class AuthUsers {
 public:
  // memcached's authfile limits (MAX_ENTRIES, MAX_ENTRY_LEN).
  static constexpr size_t kMaxEntries = 8;
  static constexpr size_t kMaxLineBytes = 256;

  // Parses a file's contents; InvalidArgument names the first bad line (1-based).
  static absl::StatusOr<AuthUsers> Parse(std::string_view contents);

  // Whether `user` is listed with exactly `password`. Takes the same time whichever entry, if
  // any, matches and wherever the bytes first differ (see ConstantTimeEquals).
  bool Check(std::string_view user, std::string_view password) const;

  size_t size() const { return entries_.size(); }

 private:
  struct Entry {
    std::string user;
    std::string password;
  };
  std::vector<Entry> entries_;
};

// Whether a and b hold the same bytes, in a time that depends only on their lengths, not on
// where they first differ: a timing side channel on a plain memcmp lets a client guess a
// password byte by byte. (OpenSSL's CRYPTO_memcmp does this; memkv does not link OpenSSL.)
bool ConstantTimeEquals(std::string_view a, std::string_view b);

}  // namespace memkv::server

#endif  // MEMKV_SERVER_EXEC_AUTH_USERS_H_
