#include "server/loop/listener.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include <cerrno>
#include <cstring>
#include <string>

#include "absl/status/status.h"
#include "absl/strings/str_format.h"

namespace memkv::server {
namespace {

absl::Status Errno(std::string_view call, std::string_view where) {
  return absl::UnavailableError(absl::StrFormat("%s %s: %s", call, where, std::strerror(errno)));
}

// Fills `addr` from a numeric literal; returns its length, or 0 if the text is no literal.
socklen_t ParseAddress(std::string_view address, int port, sockaddr_storage* addr) {
  if (address.size() >= 2 && address.front() == '[' && address.back() == ']') {
    address = address.substr(1, address.size() - 2);
  }
  std::string text(address);
  std::memset(addr, 0, sizeof(*addr));
  auto* v4 = reinterpret_cast<sockaddr_in*>(addr);
  if (inet_pton(AF_INET, text.c_str(), &v4->sin_addr) == 1) {
    v4->sin_family = AF_INET;
    v4->sin_port = htons(static_cast<uint16_t>(port));
    return sizeof(sockaddr_in);
  }
  auto* v6 = reinterpret_cast<sockaddr_in6*>(addr);
  if (inet_pton(AF_INET6, text.c_str(), &v6->sin6_addr) == 1) {
    v6->sin6_family = AF_INET6;
    v6->sin6_port = htons(static_cast<uint16_t>(port));
    return sizeof(sockaddr_in6);
  }
  return 0;
}

}  // namespace

absl::StatusOr<UniqueFd> Listen(std::string_view address, int port, ListenOptions options) {
  sockaddr_storage addr;
  socklen_t len = ParseAddress(address, port, &addr);
  std::string where = absl::StrFormat("%s:%d", address, port);
  if (len == 0) {
    return absl::InvalidArgumentError(
        absl::StrFormat("not a numeric IPv4 or IPv6 address: %s", address));
  }
  UniqueFd fd(socket(addr.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0));
  if (fd.get() < 0) return Errno("socket", where);
  int one = 1;
  if (setsockopt(fd.get(), SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) != 0) {
    return Errno("setsockopt(SO_REUSEADDR)", where);
  }
  if (options.reuseport && setsockopt(fd.get(), SOL_SOCKET, SO_REUSEPORT, &one, sizeof(one)) != 0) {
    return Errno("setsockopt(SO_REUSEPORT)", where);
  }
  if (addr.ss_family == AF_INET6) {
    // "::" then means IPv6 only, as the user asked; IPv4 needs its own -l.
    setsockopt(fd.get(), IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof(one));
  }
  if (bind(fd.get(), reinterpret_cast<sockaddr*>(&addr), len) != 0) return Errno("bind", where);
  if (listen(fd.get(), options.backlog) != 0) return Errno("listen", where);
  return fd;
}

absl::StatusOr<int> BoundPort(int fd) {
  sockaddr_storage addr;
  socklen_t len = sizeof(addr);
  if (getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len) != 0) {
    return Errno("getsockname", "");
  }
  if (addr.ss_family == AF_INET6) return ntohs(reinterpret_cast<sockaddr_in6*>(&addr)->sin6_port);
  return ntohs(reinterpret_cast<sockaddr_in*>(&addr)->sin_port);
}

}  // namespace memkv::server
