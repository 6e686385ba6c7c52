// acceptor (the default, memcached's pattern): one acceptor thread accepts every connection and
// hands it to one of N worker loops through EventLoop::Post; the worker owns it for life. The
// acceptor picks round-robin, or with --balance least-conn the worker with the fewest open
// connections (counted at hand-over, so a burst of accepts sees its own choices).
//
//   clients ──> [ acceptor ] ──Post──┬─> [ worker0: serve ]
//                                    ├─> [ worker1: serve ]
//                                    └─> [ workerN-1: serve ]
#include <memory>

#include "server/frontend/loop_frontend.h"

namespace memkv::server {
namespace {

class AcceptorFrontend final : public LoopFrontend {
 public:
  explicit AcceptorFrontend(const FrontendEnv& env) : LoopFrontend(env) {}

  absl::Status Start() override {
    if (absl::Status status = ListenOnce(); !status.ok()) return status;
    absl::Status made = AddThreads("worker", env_.config->threads, ThreadRole::kExecutes);
    if (!made.ok()) return made;
    serving_ = threads_.size();
    made = AddThreads("acceptor", 1, ThreadRole::kAcceptsOnly);
    if (!made.ok()) return made;
    ServerThread* accepting = threads_.back().get();
    for (ListeningPort& port : ports_) {
      PortDialect dialect = port.dialect;
      const TlsContext* tls = port.tls;
      absl::Status status = accepting->loop()->StartAcceptingUnshared(
          port.fd.get(), [this, accepting, dialect, tls](int fd) {
            HandOff(accepting, PickWorker(), UniqueFd(fd), dialect, tls, env_.server);
          });
      if (!status.ok()) return status;
    }
    StartThreads();
    return absl::OkStatus();
  }

 private:
  // Runs on the acceptor thread only, so next_ needs no lock.
  ServerThread* PickWorker() {
    size_t chosen = next_ % serving_;
    if (env_.config->balance == Balance::kLeastConn) {
      // Ties go to the first candidate after the last choice, so equal workers still rotate.
      int64_t fewest = threads_[chosen]->assigned().load(std::memory_order_relaxed);
      for (size_t k = 1; k < serving_; ++k) {
        size_t i = (next_ + k) % serving_;
        int64_t n = threads_[i]->assigned().load(std::memory_order_relaxed);
        if (n < fewest) {
          fewest = n;
          chosen = i;
        }
      }
    }
    next_ = chosen + 1;
    return threads_[chosen].get();
  }

  size_t serving_ = 0;  // threads_[0, serving_) serve connections; the last one accepts
  size_t next_ = 0;
};

}  // namespace

absl::StatusOr<std::unique_ptr<Frontend>> MakeAcceptorFrontend(const FrontendEnv& env) {
  return std::make_unique<AcceptorFrontend>(env);
}

}  // namespace memkv::server
