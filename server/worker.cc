#include "server/worker.h"

#include <pthread.h>

#include <utility>

namespace memkv::server {

absl::StatusOr<std::unique_ptr<Worker>> Worker::Create(std::string name, IoEngine io) {
  absl::StatusOr<std::unique_ptr<EventLoop>> loop = MakeEventLoop(io);
  if (!loop.ok()) return loop.status();
  return std::unique_ptr<Worker>(new Worker(std::move(name), *std::move(loop)));
}

std::unique_ptr<Worker> Worker::CreateWithLoop(std::string name, std::unique_ptr<EventLoop> loop) {
  return std::unique_ptr<Worker>(new Worker(std::move(name), std::move(loop)));
}

Worker::~Worker() {
  Stop();
  Join();
}

void Worker::Start() {
  thread_ = std::thread([this] {
    // Named for top and debuggers; Linux allows 15 characters.
    pthread_setname_np(pthread_self(), name_.substr(0, 15).c_str());
    loop_->Run();
  });
}

void Worker::Stop() { loop_->Stop(); }

void Worker::Join() {
  if (thread_.joinable()) thread_.join();
}

}  // namespace memkv::server
