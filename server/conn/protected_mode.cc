#include "server/conn/protected_mode.h"

#include <arpa/inet.h>
#include <netinet/in.h>

#include <cstdint>
#include <cstring>

namespace memkv::server {

bool IsProtectedModeLocal(const sockaddr* peer, socklen_t length) {
  if (peer == nullptr || length < static_cast<socklen_t>(sizeof(sa_family_t))) return false;
  if (peer->sa_family == AF_INET) {
    if (length < static_cast<socklen_t>(sizeof(sockaddr_in))) return false;
    sockaddr_in v4;
    std::memcpy(&v4, peer, sizeof(v4));
    return ntohl(v4.sin_addr.s_addr) == INADDR_LOOPBACK;  // 127.0.0.1 only, not 127.0.0.0/8
  }
  if (peer->sa_family == AF_INET6) {
    if (length < static_cast<socklen_t>(sizeof(sockaddr_in6))) return false;
    sockaddr_in6 v6;
    std::memcpy(&v6, peer, sizeof(v6));
    if (IN6_IS_ADDR_LOOPBACK(&v6.sin6_addr)) return true;
    // ::ffff:127.0.0.1: a client of 127.0.0.1 accepted on a dual-stack IPv6 socket. Redis never
    // sees one (its IPv6 sockets are IPV6_V6ONLY); memkv lets the same client in whichever
    // socket family accepted it.
    if (!IN6_IS_ADDR_V4MAPPED(&v6.sin6_addr)) return false;
    uint32_t v4;
    std::memcpy(&v4, &v6.sin6_addr.s6_addr[12], sizeof(v4));
    return ntohl(v4) == INADDR_LOOPBACK;
  }
  return false;
}

bool ProtectedModeDenies(bool active, const sockaddr* peer, socklen_t length) {
  return active && !IsProtectedModeLocal(peer, length);
}

bool ProtectedModeDeniesSocket(bool active, int fd) {
  if (!active) return false;  // no system call on the common path
  sockaddr_storage peer;
  socklen_t length = sizeof(peer);
  if (getpeername(fd, reinterpret_cast<sockaddr*>(&peer), &length) != 0) return true;
  return ProtectedModeDenies(active, reinterpret_cast<const sockaddr*>(&peer), length);
}

}  // namespace memkv::server
