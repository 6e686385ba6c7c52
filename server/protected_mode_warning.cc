#include "server/protected_mode_warning.h"

#include <arpa/inet.h>
#include <netinet/in.h>

#include "absl/strings/match.h"
#include "absl/strings/str_format.h"

namespace memkv::server {

bool IsLoopbackListenAddress(std::string_view address) {
  if (absl::EqualsIgnoreCase(absl::string_view(address.data(), address.size()), "localhost")) {
    return true;
  }
  const std::string text(address);
  in_addr v4;
  if (inet_pton(AF_INET, text.c_str(), &v4) == 1) {
    return (ntohl(v4.s_addr) >> 24) == 127;  // 127.0.0.0/8: the loopback network
  }
  in6_addr v6;
  if (inet_pton(AF_INET6, text.c_str(), &v6) == 1) {
    if (IN6_IS_ADDR_LOOPBACK(&v6)) return true;
    return IN6_IS_ADDR_V4MAPPED(&v6) && v6.s6_addr[12] == 127;
  }
  return false;  // empty (all interfaces), or not an address memkv could listen on anyway
}

std::string ProtectedModeWarning(const Options& options) {
  if (!options.auth_file.empty() || IsLoopbackListenAddress(options.listen_address)) return "";
  std::string ports = absl::StrFormat("%d", options.port);
  if (options.resp_port != 0) absl::StrAppendFormat(&ports, " and %d", options.resp_port);
  if (options.tls_port != 0) absl::StrAppendFormat(&ports, " and %d", options.tls_port);
  if (options.protected_mode) {
    return absl::StrFormat(
        "listening on %s without --auth-file: protected mode is on, so clients "
        "connecting from any address but 127.0.0.1 or ::1 will be refused, with one line saying "
        "why. To serve them, set --auth-file, or --protected-mode no if every host that can "
        "reach port %s may use the cache.\n",
        options.listen_address, ports);
  }
  return absl::StrFormat(
      "listening on %s with --protected-mode no and no --auth-file: anyone who "
      "can reach port %s can read, write and flush the cache. Set --auth-file, or listen on "
      "127.0.0.1.\n",
      options.listen_address, ports);
}

}  // namespace memkv::server
