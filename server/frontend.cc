#include "server/frontend.h"

#include <sys/socket.h>

#include <utility>

#include "absl/status/status.h"
#include "absl/strings/str_format.h"
#include "server/dispatch_server.h"
#include "server/executing_connection.h"

namespace memkv::server {
namespace {

// Every mode, in --help order. A new mode: its frontend_<mode>.cc and one line here.
constexpr ModeSpec kModes[] = {
    {"single",
     "One thread listens, accepts, reads, executes and writes for every connection\n"
     "(the Redis / Node.js pattern). -t is ignored.",
     MakeSingleFrontend},
    {"acceptor",
     "One acceptor thread hands each connection to one of -t worker loops, which owns\n"
     "it for life (memcached's pattern). --balance round-robin (default) or least-conn.",
     MakeAcceptorFrontend},
    {"shared",
     "-t workers all accept on one shared listening socket, each owning what it\n"
     "accepted; no thundering herd (EPOLLEXCLUSIVE, or one io_uring accept per worker).",
     MakeSharedFrontend},
    {"reuseport",
     "-t workers, each with its own SO_REUSEPORT listening socket on the same port;\n"
     "the kernel spreads new connections over their accept queues.",
     MakeReuseportFrontend},
    {"dispatch",
     "One dispatcher thread owns every connection, parses requests and hands each to\n"
     "the least-loaded of -t workers; replies go back in request order (RAMCloud).",
     MakeDispatchFrontend},
    {"hybrid",
     "--dispatchers K dispatchers, each with its own SO_REUSEPORT socket, feeding one\n"
     "shared pool of -t workers (socket sharding plus request dispatch).",
     MakeHybridFrontend},
};

// memcached's words when it is at its connection limit (memcached.c, conn_listening).
constexpr std::string_view kTooManyConnections = "ERROR Too many open connections\r\n";

// Refuses a connection beyond -c as memcached does: one line, then close. Best effort: the
// socket is fresh, so the line fits its send buffer; if not, the client just sees the close.
void Refuse(UniqueFd fd, CommandStats* stats) {
  send(fd.get(), kTooManyConnections.data(), kTooManyConnections.size(),
       MSG_NOSIGNAL | MSG_DONTWAIT);
  stats->rejected_connections.Add();
}

}  // namespace

absl::Span<const ModeSpec> Modes() { return kModes; }

const ModeSpec* FindMode(std::string_view name) {
  for (const ModeSpec& mode : kModes) {
    if (mode.name == name) return &mode;
  }
  return nullptr;
}

absl::StatusOr<std::unique_ptr<Frontend>> MakeFrontend(const FrontendEnv& env) {
  const ModeSpec* mode = FindMode(env.options->mode);
  if (mode == nullptr) {
    return absl::InvalidArgumentError(absl::StrFormat("unknown mode %s", env.options->mode));
  }
  if (mode->make == nullptr) {
    return absl::UnimplementedError(absl::StrFormat("mode %s is not implemented yet", mode->name));
  }
  return mode->make(env);
}

absl::StatusOr<std::vector<ListeningPort>> ListenOnPorts(const Options& options, bool reuseport) {
  std::vector<ListeningPort> ports;
  ListenOptions listen_options;
  listen_options.reuseport = reuseport;
  absl::StatusOr<UniqueFd> fd = Listen(options.listen_address, options.port, listen_options);
  if (!fd.ok()) return fd.status();
  ports.push_back({*std::move(fd), PortDialect::kAuto});
  if (options.resp_port != 0) {
    fd = Listen(options.listen_address, options.resp_port, listen_options);
    if (!fd.ok()) return fd.status();
    ports.push_back({*std::move(fd), PortDialect::kRespOnly});
  }
  return ports;
}

absl::StatusOr<std::vector<std::unique_ptr<Worker>>> MakeWorkers(const FrontendEnv& env,
                                                                 std::string_view prefix, int count,
                                                                 ThreadRole role) {
  std::vector<std::unique_ptr<Worker>> workers;
  for (int i = 0; i < count; ++i) {
    std::string name = count == 1 && role == ThreadRole::kAcceptsOnly
                           ? std::string(prefix)
                           : absl::StrFormat("%s%d", prefix, i);
    absl::StatusOr<std::unique_ptr<Worker>> worker = Worker::Create(name, env.io);
    if (!worker.ok()) return worker.status();
    env.server->info->AddThreadStats(name, (*worker)->stats(), role);
    workers.push_back(*std::move(worker));
  }
  return workers;
}

void AdmitOnLoop(Worker* owner, UniqueFd fd, PortDialect dialect, ServerContext* server) {
  if (!server->limiter.TryAcquire()) {
    Refuse(std::move(fd), owner->stats());
    return;
  }
  owner->assigned().fetch_add(1, std::memory_order_relaxed);
  ExecutingConnection::Start(owner, std::move(fd),
                             ConnectionSlot(&server->limiter, &owner->assigned()), dialect, server);
}

void HandOff(Worker* acceptor, Worker* target, UniqueFd fd, PortDialect dialect,
             ServerContext* server) {
  if (!server->limiter.TryAcquire()) {
    Refuse(std::move(fd), acceptor->stats());
    return;
  }
  // Counted before the worker sees it, so that the next least-conn choice already sees it.
  target->assigned().fetch_add(1, std::memory_order_relaxed);
  ConnectionSlot slot(&server->limiter, &target->assigned());
  // The task owns the fd and the slot: if the worker stops before running it, destroying the
  // task closes the socket and gives the place back.
  target->loop()->Post(
      [target, dialect, server, fd = std::move(fd), slot = std::move(slot)]() mutable {
        ExecutingConnection::Start(target, std::move(fd), std::move(slot), dialect, server);
      });
}

absl::Status WorkerFrontend::ListenOnce() {
  absl::StatusOr<std::vector<ListeningPort>> ports = ListenOnPorts(*env_.options, false);
  if (!ports.ok()) return ports.status();
  ports_ = *std::move(ports);
  return absl::OkStatus();
}

absl::Status WorkerFrontend::AddWorkers(std::string_view prefix, int count, ThreadRole role) {
  absl::StatusOr<std::vector<std::unique_ptr<Worker>>> workers =
      MakeWorkers(env_, prefix, count, role);
  if (!workers.ok()) return workers.status();
  for (auto& worker : *workers) workers_.push_back(std::move(worker));
  return absl::OkStatus();
}

absl::Status WorkerFrontend::ServeWhatItAccepts(Worker* worker, const ListeningPort& port,
                                                bool shared_socket) {
  PortDialect dialect = port.dialect;
  ServerContext* server = env_.server;
  auto admit = [worker, dialect, server](int fd) {
    AdmitOnLoop(worker, UniqueFd(fd), dialect, server);
  };
  return shared_socket ? worker->loop()->StartAccepting(port.fd.get(), std::move(admit))
                       : worker->loop()->StartAcceptingUnshared(port.fd.get(), std::move(admit));
}

void WorkerFrontend::StartWorkers() {
  for (auto& worker : workers_) worker->Start();
}

void WorkerFrontend::Stop() {
  for (auto& worker : workers_) worker->Stop();
}

void WorkerFrontend::Wait() {
  for (auto& worker : workers_) worker->Join();
}

}  // namespace memkv::server
