#include "server/frontend/loop_frontend.h"

#include <optional>
#include <string>
#include <utility>

#include "absl/strings/str_format.h"
#include "server/conn/executing_connection.h"
#include "server/conn/request_pipeline.h"
#include "server/frontend/admission.h"

namespace memkv::server {
namespace {

// What an ExecutingConnection served by `thread` is given.
ExecutingConnection::Owner OwnerOf(ServerThread* thread) {
  return {thread->loop(), thread->stats(), thread->name()};
}

}  // namespace

absl::StatusOr<std::vector<std::unique_ptr<ServerThread>>> MakeServerThreads(
    const FrontendEnv& env, std::string_view prefix, int count, ThreadRole role) {
  std::vector<std::unique_ptr<ServerThread>> threads;
  for (int i = 0; i < count; ++i) {
    std::string name = count == 1 && role == ThreadRole::kAcceptsOnly
                           ? std::string(prefix)
                           : absl::StrFormat("%s%d", prefix, i);
    absl::StatusOr<std::unique_ptr<ServerThread>> thread = ServerThread::Create(name, env.io);
    if (!thread.ok()) return thread.status();
    // A thread that executes owns its connections (ExecutingConnection): its loop judges their
    // idleness. A thread that only accepts owns none and needs no tick.
    if (role == ThreadRole::kExecutes) (*thread)->loop()->SetIdleTimeout(env.config->idle_timeout);
    env.server->info->AddThreadStats(name, (*thread)->stats(), role);
    threads.push_back(*std::move(thread));
  }
  return threads;
}

void AdmitOnLoop(ServerThread* owner, UniqueFd fd, PortDialect dialect, const TlsContext* tls,
                 ServerContext* server) {
  std::optional<ConnectionSlot> slot = Admit(server, fd, owner, owner->stats());
  if (!slot) return;
  ExecutingConnection::Start(OwnerOf(owner), std::move(fd), *std::move(slot), dialect, tls, server);
}

void HandOff(ServerThread* acceptor, ServerThread* target, UniqueFd fd, PortDialect dialect,
             const TlsContext* tls, ServerContext* server) {
  std::optional<ConnectionSlot> slot = Admit(server, fd, target, acceptor->stats());
  if (!slot) return;
  // The task owns the fd and the slot: if the target stops before running it, destroying the
  // task closes the socket and gives the place back.
  target->loop()->Post(
      [target, dialect, tls, server, fd = std::move(fd), slot = *std::move(slot)]() mutable {
        ExecutingConnection::Start(OwnerOf(target), std::move(fd), std::move(slot), dialect, tls,
                                   server);
      });
}

absl::Status LoopFrontend::ListenOnce() {
  absl::StatusOr<std::vector<ListeningPort>> ports = ListenOnPorts(env_, false);
  if (!ports.ok()) return ports.status();
  ports_ = *std::move(ports);
  return absl::OkStatus();
}

absl::Status LoopFrontend::AddThreads(std::string_view prefix, int count, ThreadRole role) {
  absl::StatusOr<std::vector<std::unique_ptr<ServerThread>>> threads =
      MakeServerThreads(env_, prefix, count, role);
  if (!threads.ok()) return threads.status();
  for (auto& thread : *threads) threads_.push_back(std::move(thread));
  return absl::OkStatus();
}

absl::Status LoopFrontend::ServeWhatItAccepts(ServerThread* thread, const ListeningPort& port,
                                              bool shared_socket) {
  PortDialect dialect = port.dialect;
  const TlsContext* tls = port.tls;
  ServerContext* server = env_.server;
  auto admit = [thread, dialect, tls, server](int fd) {
    AdmitOnLoop(thread, UniqueFd(fd), dialect, tls, server);
  };
  return shared_socket ? thread->loop()->StartAccepting(port.fd.get(), std::move(admit))
                       : thread->loop()->StartAcceptingUnshared(port.fd.get(), std::move(admit));
}

void LoopFrontend::StartThreads() {
  for (auto& thread : threads_) thread->Start();
}

void LoopFrontend::Stop() {
  for (auto& thread : threads_) thread->Stop();
}

void LoopFrontend::Wait() {
  for (auto& thread : threads_) thread->Join();
}

}  // namespace memkv::server
