#include "server/frontend/dispatch_frontend.h"

#include <string>
#include <utility>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "server/conn/server_context.h"
#include "server/exec/server_info.h"
#include "server/frontend/dispatch_pool.h"
#include "server/frontend/dispatcher.h"
#include "server/frontend/listening_ports.h"
#include "server/frontend/server_thread.h"

namespace memkv::server {
namespace {

class DispatchFrontend final : public Frontend {
 public:
  DispatchFrontend(const FrontendEnv& env, DispatchLayout layout) : env_(env), layout_(layout) {}

  absl::Status Start() override {
    ServerContext* server = env_.server;
    pool_ = std::make_unique<DispatchPool>(env_.config->threads, server->pipeline, server->engine,
                                           server->info);
    for (int i = 0; i < pool_->size(); ++i) {
      server->info->AddThreadStats(absl::StrCat("worker", i), pool_->stats(i),
                                   ThreadRole::kExecutes);
    }
    std::vector<BatchReturn*> returns;
    for (int k = 0; k < layout_.dispatchers; ++k) {
      std::string name = absl::StrCat("dispatcher", k);
      absl::StatusOr<std::unique_ptr<ServerThread>> thread = ServerThread::Create(name, env_.io);
      if (!thread.ok()) return thread.status();
      // The dispatchers own the connections (DispatchConnection; the workers have no loop and
      // no socket), so each dispatcher's loop judges the idleness of its own.
      (*thread)->loop()->SetIdleTimeout(env_.config->idle_timeout);
      server->info->AddThreadStats(name, (*thread)->stats(), ThreadRole::kAcceptsOnly);
      dispatchers_.push_back(
          std::make_unique<Dispatcher>(k, *std::move(thread), pool_.get(), server));
      returns.push_back(dispatchers_.back().get());
      if (absl::Status status = ListenFor(dispatchers_.back().get()); !status.ok()) {
        return status;
      }
    }
    pool_->SetReturns(std::move(returns));
    pool_->Start();
    for (auto& dispatcher : dispatchers_) dispatcher->thread()->Start();
    return absl::OkStatus();
  }

  void Stop() override {
    for (auto& dispatcher : dispatchers_) dispatcher->thread()->Stop();
    if (pool_ != nullptr) pool_->Stop();
  }

  void Wait() override {
    // Dispatchers first: their loops close every connection before they return. Workers still
    // returning batches meanwhile only queue them (and post to a loop that no longer runs).
    for (auto& dispatcher : dispatchers_) dispatcher->thread()->Join();
    if (pool_ != nullptr) pool_->Join();
  }

 private:
  // Binds the dispatcher's own sockets (reuseport) or, for the only dispatcher, the one set.
  absl::Status ListenFor(Dispatcher* dispatcher) {
    absl::StatusOr<std::vector<ListeningPort>> ports = ListenOnPorts(env_, layout_.reuseport);
    if (!ports.ok()) return ports.status();
    for (ListeningPort& port : *ports) {
      absl::Status status = dispatcher->Listen(port.fd.get(), port.dialect, port.tls);
      if (!status.ok()) return status;
      ports_.push_back(std::move(port));
    }
    return absl::OkStatus();
  }

  const FrontendEnv env_;
  const DispatchLayout layout_;
  // Destroyed in reverse: the pool's threads end first (they return batches to dispatchers),
  // then the dispatchers' loops, then the sockets those loops accepted on.
  std::vector<ListeningPort> ports_;
  std::vector<std::unique_ptr<Dispatcher>> dispatchers_;
  std::unique_ptr<DispatchPool> pool_;
};

}  // namespace

absl::StatusOr<std::unique_ptr<Frontend>> MakeDispatchingFrontend(const FrontendEnv& env,
                                                                  DispatchLayout layout) {
  if (layout.dispatchers < 1 || (layout.dispatchers > 1 && !layout.reuseport)) {
    return absl::InvalidArgumentError(
        absl::StrCat("cannot run ", layout.dispatchers, " dispatchers without SO_REUSEPORT"));
  }
  if (env.config->threads < 1) {
    return absl::InvalidArgumentError("dispatch modes need at least one worker thread (-t)");
  }
  return std::make_unique<DispatchFrontend>(env, layout);
}

}  // namespace memkv::server
