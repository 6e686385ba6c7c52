// shared: N workers all accept on the one shared listening socket, each owning the connections
// it accepted (nginx before 1.9.1). Only one worker wakes per new connection: the epoll loop
// registers the socket with EPOLLEXCLUSIVE, the io_uring loop keeps one accept in flight per
// worker, and the kernel completes exactly one of them.
//
//                ┌─> [ worker0: accept + serve ]
//   clients ──> (one listening socket) ─> [ worker1: accept + serve ]
//                └─> [ workerN-1: accept + serve ]
#include <memory>

#include "server/frontend/loop_frontend.h"

namespace memkv::server {
namespace {

class SharedFrontend final : public LoopFrontend {
 public:
  explicit SharedFrontend(const FrontendEnv& env) : LoopFrontend(env) {}

  absl::Status Start() override {
    if (absl::Status status = ListenOnce(); !status.ok()) return status;
    absl::Status made = AddThreads("worker", env_.config->threads, ThreadRole::kExecutes);
    if (!made.ok()) return made;
    for (auto& thread : threads_) {
      for (const ListeningPort& port : ports_) {
        absl::Status status = ServeWhatItAccepts(thread.get(), port, true);
        if (!status.ok()) return status;
      }
    }
    StartThreads();
    return absl::OkStatus();
  }
};

}  // namespace

absl::StatusOr<std::unique_ptr<Frontend>> MakeSharedFrontend(const FrontendEnv& env) {
  return std::make_unique<SharedFrontend>(env);
}

}  // namespace memkv::server
