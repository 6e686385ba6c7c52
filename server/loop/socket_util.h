// Socket helpers: UniqueFd, the RAII owner of one file descriptor, and the socket options every
// connection gets. Any thread; a UniqueFd is owned by one thread at a time (moved across).
#ifndef MEMKV_SERVER_LOOP_SOCKET_UTIL_H_
#define MEMKV_SERVER_LOOP_SOCKET_UTIL_H_

#include <unistd.h>

#include <string>
#include <utility>

#include "absl/status/status.h"

namespace memkv::server {

// Owns a file descriptor and closes it when destroyed. Movable, not copyable.
class UniqueFd {
 public:
  UniqueFd() = default;
  explicit UniqueFd(int fd) : fd_(fd) {}
  UniqueFd(UniqueFd&& other) noexcept : fd_(other.release()) {}
  UniqueFd& operator=(UniqueFd&& other) noexcept {
    if (this != &other) reset(other.release());
    return *this;
  }
  UniqueFd(const UniqueFd&) = delete;
  UniqueFd& operator=(const UniqueFd&) = delete;
  ~UniqueFd() { reset(); }

  int get() const { return fd_; }
  bool valid() const { return fd_ >= 0; }
  explicit operator bool() const { return valid(); }
  // Gives up ownership without closing.
  int release() { return std::exchange(fd_, -1); }
  void reset(int fd = -1) {
    if (fd_ >= 0) ::close(fd_);
    fd_ = fd;
  }

 private:
  int fd_ = -1;
};

absl::Status SetNonBlocking(int fd);
absl::Status SetNoDelay(int fd);
// An absl::Status for the current errno (or for `error_number`, an errno value such as the
// negated result of an io_uring completion), prefixed with what failed. The code follows the
// errno (EMFILE is kResourceExhausted, EPERM kPermissionDenied, ...).
// The socket's peer (peer = true) or local address as memcached's `stats conns` prints it:
// "tcp:<ipv4>:<port>", "tcp6:[<ipv6>]:<port>"; "unknown" when it cannot be read.
std::string MemcachedSocketAddress(int fd, bool peer);

absl::Status ErrnoStatus(const char* what);
absl::Status ErrnoStatus(const char* what, int error_number);

// True for accept() errors that concern only the one connection being accepted (it was reset
// while in the backlog, a firewall refused it, ...): the next accept may well succeed.
bool IsPerConnectionAcceptError(int error_number);

}  // namespace memkv::server

#endif  // MEMKV_SERVER_LOOP_SOCKET_UTIL_H_
