// ServerThread: one LoopThread of a front end together with the counters of what it serves: the
// CommandStats of everything it executes or accepts (registered with ServerInfo under its name)
// and the number of connections assigned to it (read by least-conn balancing).
//
// Threads: Create, Start and Join from the front end's thread; Stop, loop()->Post() and
// assigned() from any thread; stats() is written by the thread itself and read by anyone.
#ifndef MEMKV_SERVER_FRONTEND_SERVER_THREAD_H_
#define MEMKV_SERVER_FRONTEND_SERVER_THREAD_H_

#include <atomic>
#include <cstdint>
#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "server/exec/command_stats.h"
#include "server/loop/event_loop.h"
#include "server/loop/loop_thread.h"

namespace memkv::server {

class ServerThread {
 public:
  static absl::StatusOr<std::unique_ptr<ServerThread>> Create(std::string name, IoEngine io);
  // A thread around a loop made elsewhere (a fake loop in tests).
  static std::unique_ptr<ServerThread> CreateWithLoop(std::string name,
                                                      std::unique_ptr<EventLoop> loop);

  const std::string& name() const { return thread_->name(); }
  EventLoop* loop() { return thread_->loop(); }
  CommandStats* stats() { return &stats_; }
  const CommandStats* stats() const { return &stats_; }
  // Connections handed to this thread and not closed yet. Incremented by the thread that hands a
  // connection over (before it arrives, so back-to-back hand-overs see each other), decremented
  // when the connection closes.
  std::atomic<int64_t>& assigned() { return assigned_; }

  void Start() { thread_->Start(); }
  void Stop() { thread_->Stop(); }
  void Join() { thread_->Join(); }

 private:
  explicit ServerThread(std::unique_ptr<LoopThread> thread) : thread_(std::move(thread)) {}

  // Declared before thread_ so that they outlive the loop: connections closed while the loop is
  // destroyed still update them.
  CommandStats stats_;
  std::atomic<int64_t> assigned_{0};
  std::unique_ptr<LoopThread> thread_;
};

}  // namespace memkv::server

#endif  // MEMKV_SERVER_FRONTEND_SERVER_THREAD_H_
