// reuseport: N workers, each with its own SO_REUSEPORT listening socket on the same address and
// port. The kernel hashes each new connection to one socket's accept queue, so workers never
// share an accept queue and never wake for another's connection; a busy worker's queue does
// not drain into an idle one, though, which is the price of the sharding.
//
//   clients ──> kernel hash ─┬─> (socket0) [ worker0: accept + serve ]
//                            ├─> (socket1) [ worker1: accept + serve ]
//                            └─> (socketN-1) [ workerN-1: accept + serve ]
#include <memory>

#include "server/frontend/loop_frontend.h"

namespace memkv::server {
namespace {

class ReuseportFrontend final : public LoopFrontend {
 public:
  explicit ReuseportFrontend(const FrontendEnv& env) : LoopFrontend(env) {}

  absl::Status Start() override {
    absl::Status made = AddThreads("worker", env_.config->threads, ThreadRole::kExecutes);
    if (!made.ok()) return made;
    for (auto& thread : threads_) {
      absl::StatusOr<std::vector<ListeningPort>> ports = ListenOnPorts(env_, true);
      if (!ports.ok()) return ports.status();
      for (ListeningPort& port : *ports) {
        absl::Status status = ServeWhatItAccepts(thread.get(), port, false);
        if (!status.ok()) return status;
        ports_.push_back(std::move(port));
      }
    }
    StartThreads();
    return absl::OkStatus();
  }
};

}  // namespace

absl::StatusOr<std::unique_ptr<Frontend>> MakeReuseportFrontend(const FrontendEnv& env) {
  return std::make_unique<ReuseportFrontend>(env);
}

}  // namespace memkv::server
