// Frontend: one way of arranging the threads that listen, accept, read, execute and write (the
// --mode flag), and what every mode is built from.
//
// Each mode is one file, frontend_<mode>.cc, defining its factory (declared below) from the same
// pieces: listening_ports.h (the sockets), server_thread.h (a thread with an EventLoop and its
// counters), admission.h (the -c limit) and the connections of server/conn/. modes.h maps a
// mode's name to its factory.
//
// Threads: factories, Start, Stop and Wait are called from the main thread; Stop may also be
// called from any other thread. Start returns once every listening socket accepts, so a client
// may connect as soon as it returns.
#ifndef MEMKV_SERVER_FRONTEND_FRONTEND_H_
#define MEMKV_SERVER_FRONTEND_FRONTEND_H_

#include <chrono>
#include <memory>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "server/loop/event_loop.h"

namespace memkv::server {

struct ServerContext;
class TlsContext;

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

// How the acceptor mode picks the worker that gets a new connection.
enum class Balance { kRoundRobin, kLeastConn };

// The settings of the front end (a part of the server's Options).
struct FrontendConfig {
  std::string mode;                        // --mode
  int threads = 1;                         // -t: worker threads
  Balance balance = Balance::kRoundRobin;  // --balance (acceptor)
  int dispatchers = 0;                     // --dispatchers (hybrid); 0 = one per four workers
  std::string listen_address;              // -l
  int port = 0;                            // -p: memcached port (RESP detected)
  int resp_port = 0;                       // --resp-port: RESP only; 0 = none
  int tls_port = 0;                        // --tls-port: as port, over TLS; 0 = none
  // --idle-timeout: each loop that owns connections closes those idle that long; 0 = never.
  std::chrono::seconds idle_timeout{0};
};

// What a front end is built from. Everything pointed to outlives the front end.
struct FrontendEnv {
  const FrontendConfig* config = nullptr;
  IoEngine io = IoEngine::kEpoll;  // after any fallback: every loop is made with this engine
  ServerContext* server = nullptr;
  const TlsContext* tls = nullptr;  // the --tls-port's certificate and policy; null: no TLS port
};

using FrontendFactory = absl::StatusOr<std::unique_ptr<Frontend>> (*)(const FrontendEnv& env);

// The modes' factories, one per frontend_<mode>.cc.
absl::StatusOr<std::unique_ptr<Frontend>> MakeSingleFrontend(const FrontendEnv& env);
absl::StatusOr<std::unique_ptr<Frontend>> MakeAcceptorFrontend(const FrontendEnv& env);
absl::StatusOr<std::unique_ptr<Frontend>> MakeSharedFrontend(const FrontendEnv& env);
absl::StatusOr<std::unique_ptr<Frontend>> MakeReuseportFrontend(const FrontendEnv& env);
absl::StatusOr<std::unique_ptr<Frontend>> MakeDispatchFrontend(const FrontendEnv& env);
absl::StatusOr<std::unique_ptr<Frontend>> MakeHybridFrontend(const FrontendEnv& env);

}  // namespace memkv::server

#endif  // MEMKV_SERVER_FRONTEND_FRONTEND_H_
