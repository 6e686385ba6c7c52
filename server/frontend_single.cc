// single: one thread listens, accepts, reads, executes and writes for every connection, as Redis
// and Node.js do. No locks are contended and no hand-over happens, at the price of one core.
//
//   clients ──> [ worker0: accept + read + execute + write ]
#include <memory>

#include "server/frontend.h"

namespace memkv::server {
namespace {

class SingleFrontend final : public WorkerFrontend {
 public:
  explicit SingleFrontend(const FrontendEnv& env) : WorkerFrontend(env) {}

  absl::Status Start() override {
    absl::StatusOr<std::vector<ListeningPort>> ports = ListenOnPorts(*env_.options, false);
    if (!ports.ok()) return ports.status();
    ports_ = *std::move(ports);
    absl::StatusOr<std::vector<std::unique_ptr<Worker>>> workers =
        MakeWorkers(env_, "worker", 1, ThreadRole::kExecutes);
    if (!workers.ok()) return workers.status();
    workers_ = *std::move(workers);
    Worker* worker = workers_[0].get();
    ServerContext* server = env_.server;
    for (ListeningPort& port : ports_) {
      PortDialect dialect = port.dialect;
      absl::Status status =
          worker->loop()->StartAcceptingUnshared(port.fd.get(), [worker, dialect, server](int fd) {
            AdmitOnLoop(worker, UniqueFd(fd), dialect, server);
          });
      if (!status.ok()) return status;
    }
    StartWorkers();
    return absl::OkStatus();
  }
};

}  // namespace

absl::StatusOr<std::unique_ptr<Frontend>> MakeSingleFrontend(const FrontendEnv& env) {
  return std::make_unique<SingleFrontend>(env);
}

}  // namespace memkv::server
