// Frontend: one way of arranging the threads that listen, accept, read, execute and write (the
// --mode flag), and the registry that maps a mode's name to the code that builds it.
//
// Every mode is built from the same pieces: listener.h (listening sockets), worker.h (a thread
// with an EventLoop and its CommandStats) and connection.h (one client: framing, execution,
// output). Adding a mode means one new file, frontend_<mode>.cc, defining its factory, plus its
// line in the table in frontend.cc (a table rather than self-registering static objects, which a
// static library silently drops when nothing references them).
//
// Threads: MakeFrontend, Start, Stop and Wait are called from the main thread; Stop may also be
// called from any other thread. Start returns once every listening socket accepts, so a client
// may connect as soon as it returns.
#ifndef MEMKV_SERVER_FRONTEND_H_
#define MEMKV_SERVER_FRONTEND_H_

#include <memory>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/types/span.h"
#include "server/server_context.h"
#include "server/listener.h"
#include "server/options.h"
#include "server/server_info.h"
#include "server/socket_util.h"
#include "server/worker.h"

namespace memkv::server {

class Frontend {
 public:
  virtual ~Frontend() = default;
  // Binds the listening sockets and starts the threads.
  virtual absl::Status Start() = 0;
  // Asks every thread to stop; returns at once.
  virtual void Stop() = 0;
  // Returns when every thread has ended (after Stop). Open connections are closed.
  virtual void Wait() = 0;
};

// What a front end is built from. Everything pointed to outlives the front end.
struct FrontendEnv {
  const Options* options = nullptr;
  IoEngine io = IoEngine::kEpoll;  // after any fallback: every loop is made with this engine
  ServerContext* server = nullptr;
};

using FrontendFactory = absl::StatusOr<std::unique_ptr<Frontend>> (*)(const FrontendEnv& env);

struct ModeSpec {
  std::string_view name;
  std::string_view summary;  // two or three lines for --help, separated by '\n'
  FrontendFactory make;      // null: listed but not implemented yet
};

// Every mode, in --help order.
absl::Span<const ModeSpec> Modes();
const ModeSpec* FindMode(std::string_view name);

// Builds the front end env.options->mode names. Unimplemented for a mode listed without a
// factory yet, InvalidArgument for an unknown name.
absl::StatusOr<std::unique_ptr<Frontend>> MakeFrontend(const FrontendEnv& env);

// The modes' factories (one per frontend_<mode>.cc).
absl::StatusOr<std::unique_ptr<Frontend>> MakeSingleFrontend(const FrontendEnv& env);
absl::StatusOr<std::unique_ptr<Frontend>> MakeAcceptorFrontend(const FrontendEnv& env);
absl::StatusOr<std::unique_ptr<Frontend>> MakeSharedFrontend(const FrontendEnv& env);
absl::StatusOr<std::unique_ptr<Frontend>> MakeReuseportFrontend(const FrontendEnv& env);

// ---- Pieces shared by the modes ----

// The listening sockets of one server: the memcached port, plus the RESP-only port when
// --resp-port is set, each with the dialect policy of its connections.
struct ListeningPort {
  UniqueFd fd;
  PortDialect dialect = PortDialect::kAuto;
};
absl::StatusOr<std::vector<ListeningPort>> ListenOnPorts(const Options& options, bool reuseport);

// `count` workers named "<prefix>0".."<prefix>N-1", their stats registered with the server
// under those names with `role`.
absl::StatusOr<std::vector<std::unique_ptr<Worker>>> MakeWorkers(const FrontendEnv& env,
                                                                 std::string_view prefix, int count,
                                                                 ThreadRole role);

// Serves a just-accepted fd on the loop that accepted it. REQUIRES: on `owner`'s loop thread.
// Beyond -c the connection is refused as memcached refuses it ("ERROR Too many open
// connections", then close), counted in `owner`'s rejected_connections.
void AdmitOnLoop(Worker* owner, UniqueFd fd, PortDialect dialect, ServerContext* server);

// Hands a just-accepted fd from the accepting thread to `target`, which owns it for life.
// REQUIRES: on `acceptor`'s loop thread. Refusals are counted in `acceptor`'s stats. If
// `target` stops before it takes the connection, the fd is closed and its place given back.
void HandOff(Worker* acceptor, Worker* target, UniqueFd fd, PortDialect dialect,
             ServerContext* server);

// A front end made of worker threads and listening sockets: the common base of the modes. A
// mode's Start() binds its ports_, creates its workers_, wires accepting and then calls
// StartWorkers(). Stop and Wait act on every worker. Start() runs on the main thread before
// any worker does; Stop and Wait may be called from the main thread afterwards.
class WorkerFrontend : public Frontend {
 public:
  void Stop() override;
  void Wait() override;

 protected:
  explicit WorkerFrontend(const FrontendEnv& env) : env_(env) {}

  // Binds the server's ports once (not SO_REUSEPORT) into ports_.
  absl::Status ListenOnce();
  // Appends `count` workers (see MakeWorkers) to workers_.
  absl::Status AddWorkers(std::string_view prefix, int count, ThreadRole role);
  // Makes `worker` accept on `port` and serve each connection it accepts itself (AdmitOnLoop).
  // `shared_socket`: other loops accept on the same socket, so each may keep only one accept
  // in flight (EventLoop::StartAccepting); otherwise EventLoop::StartAcceptingUnshared.
  absl::Status ServeWhatItAccepts(Worker* worker, const ListeningPort& port, bool shared_socket);
  void StartWorkers();

  const FrontendEnv env_;
  // Declared before workers_ so that the sockets outlive the loops accepting on them.
  std::vector<ListeningPort> ports_;
  std::vector<std::unique_ptr<Worker>> workers_;
};

}  // namespace memkv::server

#endif  // MEMKV_SERVER_FRONTEND_H_
