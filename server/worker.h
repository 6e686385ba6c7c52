// Worker: one thread running one EventLoop, with the CommandStats of everything that thread
// executes. Every front-end mode is made of workers (the single thread, the acceptor, the N
// worker loops, a dispatcher): the mode decides which sockets each one accepts on and where
// accepted connections go.
//
// Threads: Create, Start and Join from the thread that owns the Worker (the front end's); Stop,
// loop()->Post() and the assigned-connection counter from any thread; everything else the loop
// offers only on the worker's own thread, per event_loop.h.
#ifndef MEMKV_SERVER_WORKER_H_
#define MEMKV_SERVER_WORKER_H_

#include <atomic>
#include <cstdint>
#include <memory>
#include <string>
#include <thread>

#include "absl/status/statusor.h"
#include "server/command_stats.h"
#include "server/event_loop.h"

namespace memkv::server {

class Worker {
 public:
  static absl::StatusOr<std::unique_ptr<Worker>> Create(std::string name, IoEngine io);
  // A worker around a loop made elsewhere (a fake loop in tests).
  static std::unique_ptr<Worker> CreateWithLoop(std::string name, std::unique_ptr<EventLoop> loop);
  // Stops and joins the thread if it still runs.
  ~Worker();
  Worker(const Worker&) = delete;
  Worker& operator=(const Worker&) = delete;

  const std::string& name() const { return name_; }
  EventLoop* loop() { return loop_.get(); }
  CommandStats* stats() { return &stats_; }
  const CommandStats* stats() const { return &stats_; }

  // Connections handed to this worker and not closed yet. Incremented by the thread that hands a
  // connection over (before it reaches the worker, so back-to-back hand-overs see each other),
  // decremented by the worker when the connection closes; read by least-conn balancing.
  std::atomic<int64_t>& assigned() { return assigned_; }

  // Starts the thread, which runs the loop until Stop().
  void Start();
  // Any thread: makes the loop return soon.
  void Stop();
  // Waits for the thread. Connections still open have been closed when it returns.
  void Join();

 private:
  Worker(std::string name, std::unique_ptr<EventLoop> loop)
      : name_(std::move(name)), loop_(std::move(loop)) {}

  const std::string name_;
  // Declared before loop_ so that it outlives the loop: connections closed while the loop is
  // destroyed still update these counters.
  CommandStats stats_;
  std::atomic<int64_t> assigned_{0};
  std::unique_ptr<EventLoop> loop_;
  std::thread thread_;
};

}  // namespace memkv::server

#endif  // MEMKV_SERVER_WORKER_H_
