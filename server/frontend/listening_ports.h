// ListeningPort and ListenOnPorts: the listening sockets of one server, the memcached port plus
// the RESP-only port when --resp-port is set and the TLS port when --tls-port is, each with the
// dialect policy of its connections and, for the TLS port, the TLS context they are served with.
//
// Threads: any thread; a ListeningPort is a plain owning value.
#ifndef MEMKV_SERVER_FRONTEND_LISTENING_PORTS_H_
#define MEMKV_SERVER_FRONTEND_LISTENING_PORTS_H_

#include <vector>

#include "absl/status/statusor.h"
#include "server/conn/port_dialect.h"
#include "server/frontend/frontend.h"
#include "server/loop/socket_util.h"

namespace memkv::server {

struct ListeningPort {
  UniqueFd fd;
  PortDialect dialect = PortDialect::kAuto;
  const TlsContext* tls = nullptr;  // its connections speak TLS
};

// Binds and listens on the configured ports; `reuseport` sets SO_REUSEPORT, so that several
// threads can each bind their own socket to the same port.
absl::StatusOr<std::vector<ListeningPort>> ListenOnPorts(const FrontendEnv& env, bool reuseport);

}  // namespace memkv::server

#endif  // MEMKV_SERVER_FRONTEND_LISTENING_PORTS_H_
