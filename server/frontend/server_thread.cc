#include "server/frontend/server_thread.h"

#include <utility>

namespace memkv::server {

absl::StatusOr<std::unique_ptr<ServerThread>> ServerThread::Create(std::string name, IoEngine io) {
  absl::StatusOr<std::unique_ptr<LoopThread>> thread = LoopThread::Create(std::move(name), io);
  if (!thread.ok()) return thread.status();
  return std::unique_ptr<ServerThread>(new ServerThread(*std::move(thread)));
}

std::unique_ptr<ServerThread> ServerThread::CreateWithLoop(std::string name,
                                                           std::unique_ptr<EventLoop> loop) {
  return std::unique_ptr<ServerThread>(
      new ServerThread(LoopThread::CreateWithLoop(std::move(name), std::move(loop))));
}

}  // namespace memkv::server
