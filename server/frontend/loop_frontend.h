// LoopFrontend: the common base of the connection-per-loop modes (single, acceptor, shared,
// reuseport): a set of ServerThreads and listening sockets, where every connection is served for
// life by the loop thread it is given (ExecutingConnection). A mode's Start() binds its ports_,
// adds its threads_, wires accepting and then calls StartThreads(); Stop and Wait act on every
// thread.
//
// MakeServerThreads, AdmitOnLoop and HandOff are also the pieces the modes are made of.
//
// Threads: Start() runs on the main thread before any loop thread does; Stop and Wait from the
// main thread afterwards (Stop from any thread).
#ifndef MEMKV_SERVER_FRONTEND_LOOP_FRONTEND_H_
#define MEMKV_SERVER_FRONTEND_LOOP_FRONTEND_H_

#include <memory>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "server/conn/port_dialect.h"
#include "server/conn/server_context.h"
#include "server/exec/server_info.h"
#include "server/frontend/frontend.h"
#include "server/frontend/listening_ports.h"
#include "server/frontend/server_thread.h"
#include "server/loop/socket_util.h"

namespace memkv::server {

// `count` threads named "<prefix>0".."<prefix>N-1" (just "<prefix>" for a single thread that only
// accepts), their stats registered with the server under those names with `role`.
absl::StatusOr<std::vector<std::unique_ptr<ServerThread>>> MakeServerThreads(
    const FrontendEnv& env, std::string_view prefix, int count, ThreadRole role);

// Serves a just-accepted fd on the loop that accepted it (within the -c limit, see admission.h);
// over TLS when `tls` is set (the --tls-port's connections).
// REQUIRES: on `owner`'s loop thread.
void AdmitOnLoop(ServerThread* owner, UniqueFd fd, PortDialect dialect, const TlsContext* tls,
                 ServerContext* server);

// Hands a just-accepted fd from the accepting thread to `target`, which serves it for life.
// REQUIRES: on `acceptor`'s loop thread. Refusals are counted in `acceptor`'s stats. If `target`
// stops before it takes the connection, the fd is closed and its place given back.
void HandOff(ServerThread* acceptor, ServerThread* target, UniqueFd fd, PortDialect dialect,
             const TlsContext* tls, ServerContext* server);

class LoopFrontend : public Frontend {
 public:
  void Stop() override;
  void Wait() override;

 protected:
  explicit LoopFrontend(const FrontendEnv& env) : env_(env) {}

  // Binds the server's ports once (not SO_REUSEPORT) into ports_.
  absl::Status ListenOnce();
  // Appends `count` threads (see MakeServerThreads) to threads_.
  absl::Status AddThreads(std::string_view prefix, int count, ThreadRole role);
  // Makes `thread` accept on `port` and serve each connection it accepts itself (AdmitOnLoop).
  // `shared_socket`: other loops accept on the same socket, so each may keep only one accept
  // in flight (EventLoop::StartAccepting); otherwise EventLoop::StartAcceptingUnshared.
  absl::Status ServeWhatItAccepts(ServerThread* thread, const ListeningPort& port,
                                  bool shared_socket);
  void StartThreads();

  const FrontendEnv env_;
  // Declared before threads_ so that the sockets outlive the loops accepting on them.
  std::vector<ListeningPort> ports_;
  std::vector<std::unique_ptr<ServerThread>> threads_;
};

}  // namespace memkv::server

#endif  // MEMKV_SERVER_FRONTEND_LOOP_FRONTEND_H_
