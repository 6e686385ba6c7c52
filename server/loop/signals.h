// ShutdownSignals: turns SIGINT, SIGTERM and SIGUSR1 (stop; SIGUSR1 is memcached's graceful stop)
// and SIGHUP (re-read the --auth-file) into something the main thread waits for.
//
// The signals are blocked in the calling thread before any other thread starts (threads inherit
// the mask), and read from a signalfd. So no signal handler runs at all, and there is no global
// flag or self-pipe for a handler to write: the kernel queues the signal on the fd until the main
// thread reads it. SIGPIPE is ignored process-wide, because a client that closes its end while
// a reply is being written must cost only its own connection.
//
// Threads: create on the main thread before starting any other thread; Wait() on that thread.
#ifndef MEMKV_SERVER_LOOP_SIGNALS_H_
#define MEMKV_SERVER_LOOP_SIGNALS_H_

#include "absl/status/statusor.h"

namespace memkv::server {

class ShutdownSignals {
 public:
  // Blocks SIGINT, SIGTERM, SIGUSR1 and SIGHUP in the calling thread and opens the signalfd.
  static absl::StatusOr<ShutdownSignals> Install();

  ShutdownSignals(ShutdownSignals&& other) noexcept : fd_(other.fd_) { other.fd_ = -1; }
  ShutdownSignals& operator=(ShutdownSignals&&) = delete;
  ShutdownSignals(const ShutdownSignals&) = delete;
  ~ShutdownSignals();

  // Blocks until SIGINT, SIGTERM, SIGUSR1 or SIGHUP arrives; returns its number.
  int Wait();

 private:
  explicit ShutdownSignals(int fd) : fd_(fd) {}
  int fd_;
};

}  // namespace memkv::server

#endif  // MEMKV_SERVER_LOOP_SIGNALS_H_
