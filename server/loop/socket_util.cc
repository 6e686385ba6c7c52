#include "server/loop/socket_util.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <string.h>
#include <sys/socket.h>

#include <string>

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

namespace {

// memcached's form of a socket address: "tcp:<ip>:<port>", "tcp6:[<ip>]:<port>".
std::string FormatAddress(const sockaddr_storage& address) {
  char text[INET6_ADDRSTRLEN] = {};
  if (address.ss_family == AF_INET) {
    const auto& in = reinterpret_cast<const sockaddr_in&>(address);
    inet_ntop(AF_INET, &in.sin_addr, text, sizeof(text));
    return std::string("tcp:") + text + ":" + std::to_string(ntohs(in.sin_port));
  }
  if (address.ss_family == AF_INET6) {
    const auto& in6 = reinterpret_cast<const sockaddr_in6&>(address);
    inet_ntop(AF_INET6, &in6.sin6_addr, text, sizeof(text));
    return std::string("tcp6:[") + text + "]:" + std::to_string(ntohs(in6.sin6_port));
  }
  return "unknown";
}

template <typename GetName>
std::string AddressOf(int fd, GetName get_name) {
  sockaddr_storage address{};
  socklen_t length = sizeof(address);
  if (get_name(fd, reinterpret_cast<sockaddr*>(&address), &length) != 0) return "unknown";
  return FormatAddress(address);
}

}  // namespace

std::string MemcachedSocketAddress(int fd, bool peer) {
  return peer ? AddressOf(fd, getpeername) : AddressOf(fd, getsockname);
}

}  // namespace memkv::server
