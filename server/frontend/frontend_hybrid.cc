// hybrid: socket sharding plus message dispatch. K dispatchers (--dispatchers), each with its
// own SO_REUSEPORT listening socket on the same port, so the kernel spreads new connections over
// them and no single dispatcher has to read every byte; all of them feed one shared pool of -t
// worker threads, and each answered batch goes back to the dispatcher that owns its connection.
// See dispatch_server.h for the picture.
#include <algorithm>
#include <memory>

#include "server/frontend/dispatch_frontend.h"
#include "server/frontend/frontend.h"

namespace memkv::server {

absl::StatusOr<std::unique_ptr<Frontend>> MakeHybridFrontend(const FrontendEnv& env) {
  DispatchLayout layout;
  // 0 would mean "choose": one dispatcher per four workers keeps the dispatchers, which only
  // move bytes, from outnumbering the threads that execute.
  layout.dispatchers =
      env.config->dispatchers > 0 ? env.config->dispatchers : std::max(1, env.config->threads / 4);
  layout.reuseport = true;
  return MakeDispatchingFrontend(env, layout);
}

}  // namespace memkv::server
