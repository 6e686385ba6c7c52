#include "server/loop/loop_thread.h"

#include <pthread.h>

#include <utility>

namespace memkv::server {

absl::StatusOr<std::unique_ptr<LoopThread>> LoopThread::Create(std::string name, IoEngine io) {
  absl::StatusOr<std::unique_ptr<EventLoop>> loop = MakeEventLoop(io);
  if (!loop.ok()) return loop.status();
  return std::unique_ptr<LoopThread>(new LoopThread(std::move(name), *std::move(loop)));
}

std::unique_ptr<LoopThread> LoopThread::CreateWithLoop(std::string name,
                                                       std::unique_ptr<EventLoop> loop) {
  return std::unique_ptr<LoopThread>(new LoopThread(std::move(name), std::move(loop)));
}

LoopThread::~LoopThread() {
  Stop();
  Join();
}

void LoopThread::Start() {
  thread_ = std::thread([this] {
    pthread_setname_np(pthread_self(), name_.substr(0, 15).c_str());
    loop_->Run();
  });
}

void LoopThread::Stop() { loop_->Stop(); }

void LoopThread::Join() {
  if (thread_.joinable()) thread_.join();
}

}  // namespace memkv::server
