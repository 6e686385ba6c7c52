// LoopThread: one thread running one EventLoop until it is stopped. Every thread of every front
// end is one (the single thread, the acceptor, the workers of the connection-per-loop modes, a
// dispatcher); what the thread does is decided by what its loop is given.
//
// Threads: Create, Start and Join from the thread that owns the LoopThread; Stop and loop()->Post()
// from any thread; everything else the loop offers only on the loop's own thread, per
// event_loop.h.
#ifndef MEMKV_SERVER_LOOP_LOOP_THREAD_H_
#define MEMKV_SERVER_LOOP_LOOP_THREAD_H_

#include <memory>
#include <string>
#include <thread>

#include "absl/status/statusor.h"
#include "server/loop/event_loop.h"

namespace memkv::server {

class LoopThread {
 public:
  // `name` names the thread for top and debuggers (Linux keeps its first 15 characters).
  static absl::StatusOr<std::unique_ptr<LoopThread>> Create(std::string name, IoEngine io);
  // A thread around a loop made elsewhere (a fake loop in tests).
  static std::unique_ptr<LoopThread> CreateWithLoop(std::string name,
                                                    std::unique_ptr<EventLoop> loop);
  // Stops and joins the thread if it still runs.
  ~LoopThread();
  LoopThread(const LoopThread&) = delete;
  LoopThread& operator=(const LoopThread&) = delete;

  const std::string& name() const { return name_; }
  EventLoop* loop() { return loop_.get(); }

  // Starts the thread, which runs the loop until Stop().
  void Start();
  // Any thread: makes the loop return soon.
  void Stop();
  // Waits for the thread. Streams still open have been closed when it returns.
  void Join();

 private:
  LoopThread(std::string name, std::unique_ptr<EventLoop> loop)
      : name_(std::move(name)), loop_(std::move(loop)) {}

  const std::string name_;
  std::unique_ptr<EventLoop> loop_;
  std::thread thread_;
};

}  // namespace memkv::server

#endif  // MEMKV_SERVER_LOOP_LOOP_THREAD_H_
