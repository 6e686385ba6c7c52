#include "server/loop/socket_util.h"

#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <string.h>
#include <sys/socket.h>

#include "absl/strings/str_cat.h"

namespace memkv::server {

absl::Status ErrnoStatus(const char* what) { return ErrnoStatus(what, errno); }

absl::Status ErrnoStatus(const char* what, int error_number) {
  return absl::ErrnoToStatus(error_number, what);
}

absl::Status SetNonBlocking(int fd) {
  int flags = fcntl(fd, F_GETFL, 0);
  if (flags < 0 || fcntl(fd, F_SETFL, flags | O_NONBLOCK) < 0) return ErrnoStatus("fcntl");
  return absl::OkStatus();
}

absl::Status SetNoDelay(int fd) {
  int one = 1;
  if (setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one)) < 0) {
    return ErrnoStatus("setsockopt(TCP_NODELAY)");
  }
  return absl::OkStatus();
}

bool IsPerConnectionAcceptError(int error_number) {
  switch (error_number) {
    // accept(2): "Linux accept() passes already-pending network errors on the new socket as an
    // error code from accept()"; the listening socket itself is fine.
    case ECONNABORTED:
    case EINTR:
    case EPROTO:
    case EPERM:
    case ENETDOWN:
    case ENOPROTOOPT:
    case EHOSTDOWN:
    case ENONET:
    case EHOSTUNREACH:
    case EOPNOTSUPP:
    case ENETUNREACH:
    case ETIMEDOUT:
      return true;
    default:
      return false;
  }
}

}  // namespace memkv::server
