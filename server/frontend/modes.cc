#include "server/frontend/modes.h"

#include "absl/status/status.h"
#include "absl/strings/str_format.h"

namespace memkv::server {
namespace {

// Every mode, in --help order.
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

}  // namespace

absl::Span<const ModeSpec> Modes() { return kModes; }

const ModeSpec* FindMode(std::string_view name) {
  for (const ModeSpec& mode : kModes) {
    if (mode.name == name) return &mode;
  }
  return nullptr;
}

absl::StatusOr<std::unique_ptr<Frontend>> MakeFrontend(const FrontendEnv& env) {
  const ModeSpec* mode = FindMode(env.config->mode);
  if (mode == nullptr) {
    return absl::InvalidArgumentError(absl::StrFormat("unknown mode %s", env.config->mode));
  }
  if (mode->make == nullptr) {
    return absl::UnimplementedError(absl::StrFormat("mode %s is not implemented yet", mode->name));
  }
  return mode->make(env);
}

}  // namespace memkv::server
