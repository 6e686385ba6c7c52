// dispatch (RAMCloud's pattern): one dispatcher thread owns every connection. It accepts, reads,
// frames whole requests and hands them in batches to the least-loaded of -t worker threads;
// the workers execute against the engine and hand the replies back, and the dispatcher writes
// them to each connection in that connection's request order. Load is balanced per batch of
// requests, not per connection, so one greedy client cannot pin a worker's whole share of
// clients behind it. See dispatch_server.h for the picture and dispatch_connection.h for the
// ordering and back-pressure rules.
#include <memory>

#include "server/frontend/dispatch_frontend.h"
#include "server/frontend/frontend.h"

namespace memkv::server {

absl::StatusOr<std::unique_ptr<Frontend>> MakeDispatchFrontend(const FrontendEnv& env) {
  DispatchLayout layout;
  layout.dispatchers = 1;
  layout.reuseport = false;
  return MakeDispatchingFrontend(env, layout);
}

}  // namespace memkv::server
