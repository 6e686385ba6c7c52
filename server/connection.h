// Connection: one client socket, from accept to close, on the loop of the worker that owns it.
//
// Bytes received go through a RequestPipeline (dialect, parse, execute) and the replies are
// appended to an output buffer that is written with double buffering: replies go into one buffer
// while the other is being sent, so a pipelining client gets its answers in batches, in order.
//
//   - No copy in the common case: when nothing is left over from before, requests are parsed
//     straight from the bytes the loop hands to OnReceive; only a trailing partial request is
//     copied into the input buffer.
//   - Fairness: at most kRequestsPerWake requests run per wake-up. Whatever is left waits for a
//     continuation posted to the same loop (receiving is paused meanwhile), so one client
//     pipelining thousands of requests cannot starve the other clients of its loop.
//   - Back-pressure: once kOutputHighWater bytes of replies wait to be written, requests stop
//     running and receiving pauses until the client reads; a client that sends without reading
//     holds at most about two output buffers plus one request, never an unbounded amount.
//   - Errors: a client error is answered and the refused value's bytes are skipped as they
//     arrive; a must-close error, quit or QUIT close the connection once the replies before it
//     are written.
//
// Threads: everything here runs on the owning worker's loop thread, except ConnectionLimiter and
// ConnectionSlot, which any thread may use.
#ifndef MEMKV_SERVER_CONNECTION_H_
#define MEMKV_SERVER_CONNECTION_H_

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "server/connection_buffers.h"
#include "server/event_loop.h"
#include "server/exec_context.h"
#include "server/request_pipeline.h"
#include "server/server_info.h"
#include "server/socket_util.h"
#include "server/worker.h"
#include "storage/engine.h"

namespace memkv::server {

// The -c limit, shared by every thread that accepts. Any thread.
class ConnectionLimiter {
 public:
  explicit ConnectionLimiter(int64_t limit) : limit_(limit) {}
  // Takes a place for a new connection; false when `limit` connections are open.
  bool TryAcquire();
  void Release() { open_.fetch_sub(1, std::memory_order_relaxed); }
  int64_t open() const { return open_.load(std::memory_order_relaxed); }

 private:
  const int64_t limit_;
  std::atomic<int64_t> open_{0};
};

// One admitted connection's place under the -c limit and in its worker's count of assigned
// connections (least-conn balancing); given back when destroyed. Move-only; any thread.
class ConnectionSlot {
 public:
  ConnectionSlot() = default;
  ConnectionSlot(ConnectionLimiter* limiter, std::atomic<int64_t>* assigned);
  ConnectionSlot(ConnectionSlot&& other) noexcept;
  ConnectionSlot& operator=(ConnectionSlot&& other) noexcept;
  ~ConnectionSlot() { Reset(); }

  void Reset();

 private:
  ConnectionLimiter* limiter_ = nullptr;
  std::atomic<int64_t>* assigned_ = nullptr;
};

// Server-wide state every connection reads. Owned by main; outlives every thread.
struct ServerContext {
  ServerContext(storage::Engine* engine, RunningServerInfo* info, const PipelineConfig* pipeline,
                int64_t conn_limit)
      : engine(engine), info(info), pipeline(pipeline), limiter(conn_limit) {}

  storage::Engine* const engine;
  RunningServerInfo* const info;
  const PipelineConfig* const pipeline;
  ConnectionLimiter limiter;
  std::atomic<uint64_t> next_client_id{1};  // RESP CLIENT ID
};

class Connection final : public StreamHandler {
 public:
  // Requests run per wake-up before the rest waits for a posted continuation.
  static constexpr int kRequestsPerWake = 64;
  // Replies waiting to be written beyond which requests stop running and receiving pauses.
  static constexpr size_t kOutputHighWater = size_t{4} << 20;

  // Serves `fd` on `worker`'s loop. REQUIRES: called on that loop's thread. The connection owns
  // itself from here on and is deleted after the loop reports it closed.
  static void Start(Worker* worker, UniqueFd fd, ConnectionSlot slot, PortDialect dialect,
                    ServerContext* server);

  ~Connection() override;

  // StreamHandler:
  void OnReceive(std::string_view data) override;
  void OnSendComplete() override;
  void OnPeerClosed() override;
  void OnClosed() override;

 private:
  // Marks a handler call in progress, so that an OnClosed re-entered from inside it (a loop may
  // close synchronously) defers the deletion until the outermost call returns.
  class CallbackScope;

  Connection(Worker* worker, int fd, ConnectionSlot slot, PortDialect dialect,
             ServerContext* server);

  // Runs requests from `input`, within the budget and the output high-water mark. Returns the
  // bytes consumed (including swallowed bytes).
  size_t Process(std::string_view input);
  // Process() over the buffered input, then drops what was consumed (all of it when closing).
  void ProcessBuffered();
  // After processing: write replies, pause or resume receiving, schedule a continuation, or
  // close.
  void Settle();
  void StartSend();
  void UpdateReceivePause();
  void Continue();
  bool OutputFull() const { return out_[active_].size() >= kOutputHighWater; }

  Worker* const worker_;
  EventLoop* const loop_;
  const int fd_;
  ServerContext* const server_;
  ConnectionSlot slot_;
  ExecContext exec_;
  RequestPipeline pipeline_;
  // Keeps this object alive until the loop reports it closed and no posted continuation
  // refers to it; the loop itself holds a plain pointer.
  std::shared_ptr<Connection> self_;

  InputBuffer input_;   // unparsed bytes left over from earlier receives
  size_t swallow_ = 0;  // bytes of a refused value still to drop
  std::string out_[2];  // out_[active_] collects replies; the other may be in flight
  int active_ = 0;
  bool sending_ = false;
  int budget_ = 0;  // requests still allowed in this wake-up
  bool continuation_posted_ = false;
  bool blocked_on_output_ = false;  // requests wait for the output to drain below high water
  bool paused_ = false;             // the loop was asked to pause receiving
  bool closing_ = false;            // quit or must-close: run nothing more, close after writing
  bool close_requested_ = false;
  bool closed_ = false;  // OnClosed ran
  int callback_depth_ = 0;
};

}  // namespace memkv::server

#endif  // MEMKV_SERVER_CONNECTION_H_
