// single: one thread listens, accepts, reads, executes and writes for every connection, as Redis
// and Node.js do. No locks are contended and no hand-over happens, at the price of one core.
//
//   clients ──> [ worker0: accept + read + execute + write ]
#include <memory>

#include "server/frontend/loop_frontend.h"

namespace memkv::server {
namespace {

class SingleFrontend final : public LoopFrontend {
 public:
  explicit SingleFrontend(const FrontendEnv& env) : LoopFrontend(env) {}

  absl::Status Start() override {
    if (absl::Status status = ListenOnce(); !status.ok()) return status;
    absl::Status made = AddThreads("worker", 1, ThreadRole::kExecutes);
    if (!made.ok()) return made;
    for (const ListeningPort& port : ports_) {
      absl::Status status = ServeWhatItAccepts(threads_[0].get(), port, false);
      if (!status.ok()) return status;
    }
    StartThreads();
    return absl::OkStatus();
  }
};

}  // namespace

absl::StatusOr<std::unique_ptr<Frontend>> MakeSingleFrontend(const FrontendEnv& env) {
  return std::make_unique<SingleFrontend>(env);
}

}  // namespace memkv::server
