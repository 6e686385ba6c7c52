// Temporary: io_uring loop not yet landed; callers fall back to epoll.
#include "absl/status/status.h"
#include "server/event_loop.h"

namespace memkv::server {

absl::StatusOr<std::unique_ptr<EventLoop>> MakeUringLoop() {
  return absl::UnavailableError("io_uring loop not built yet");
}

}  // namespace memkv::server
