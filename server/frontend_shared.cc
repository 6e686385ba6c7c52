// shared: N workers all accept on the one shared listening socket, each owning the connections
// it accepted (nginx before 1.9.1). Only one worker wakes per new connection: the epoll loop
// registers the socket with EPOLLEXCLUSIVE, the io_uring loop keeps one accept in flight per
// worker, and the kernel completes exactly one of them.
//
//                ┌─> [ worker0: accept + serve ]
//   clients ──> (one listening socket) ─> [ worker1: accept + serve ]
//                └─> [ workerN-1: accept + serve ]
#include <memory>

#include "server/frontend.h"

namespace memkv::server {
namespace {

class SharedFrontend final : public WorkerFrontend {
 public:
  explicit SharedFrontend(const FrontendEnv& env) : WorkerFrontend(env) {}

  absl::Status Start() override {
    absl::StatusOr<std::vector<ListeningPort>> ports = ListenOnPorts(*env_.options, false);
    if (!ports.ok()) return ports.status();
    ports_ = *std::move(ports);
    absl::StatusOr<std::vector<std::unique_ptr<Worker>>> workers =
        MakeWorkers(env_, "worker", env_.options->threads, ThreadRole::kExecutes);
    if (!workers.ok()) return workers.status();
    workers_ = *std::move(workers);
    ServerContext* server = env_.server;
    for (auto& owned : workers_) {
      Worker* worker = owned.get();
      for (ListeningPort& port : ports_) {
        PortDialect dialect = port.dialect;
        absl::Status status =
            worker->loop()->StartAccepting(port.fd.get(), [worker, dialect, server](int fd) {
              AdmitOnLoop(worker, UniqueFd(fd), dialect, server);
            });
        if (!status.ok()) return status;
      }
    }
    StartWorkers();
    return absl::OkStatus();
  }
};

}  // namespace

absl::StatusOr<std::unique_ptr<Frontend>> MakeSharedFrontend(const FrontendEnv& env) {
  return std::make_unique<SharedFrontend>(env);
}

}  // namespace memkv::server
