#include "server/loop/event_loop.h"

namespace memkv::server {

absl::StatusOr<std::unique_ptr<EventLoop>> MakeEventLoop(IoEngine engine) {
  if (engine == IoEngine::kUring) return MakeUringLoop();
  return MakeEpollLoop();
}

}  // namespace memkv::server
