// Listener: creates the listening TCP sockets of the front ends (an IPv4 or IPv6 literal address
// and a port), non-blocking and close-on-exec, with SO_REUSEADDR so that a restarted server can
// bind while old connections sit in TIME_WAIT, and optionally SO_REUSEPORT so that several
// sockets (one per thread, in the reuseport and hybrid modes) share one port and the kernel
// spreads new connections over their accept queues.
//
// Threads: any thread; the functions keep no state.
#ifndef MEMKV_SERVER_LOOP_LISTENER_H_
#define MEMKV_SERVER_LOOP_LISTENER_H_

#include <string_view>

#include "absl/status/statusor.h"
#include "server/loop/socket_util.h"

namespace memkv::server {

struct ListenOptions {
  bool reuseport = false;
  int backlog = 1024;
};

// A listening socket on address:port. `address` is a numeric IPv4 ("127.0.0.1", "0.0.0.0") or
// IPv6 ("::1", "::") literal; brackets around an IPv6 literal are accepted. Errors name the
// address and the failing call (e.g. "bind 127.0.0.1:11211: Address already in use").
absl::StatusOr<UniqueFd> Listen(std::string_view address, int port, ListenOptions options = {});

// The port a socket is bound to (after binding port 0, tests ask for a free one this way).
absl::StatusOr<int> BoundPort(int fd);

}  // namespace memkv::server

#endif  // MEMKV_SERVER_LOOP_LISTENER_H_
