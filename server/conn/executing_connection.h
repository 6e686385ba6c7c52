// ExecutingConnection: a Connection (connection.h) that executes its requests at once, on the
// loop thread that owns it: the connection of the single, acceptor, shared and reuseport modes.
//
//   - Fairness: at most kRequestsPerWake requests run per wake-up (bytes arriving, a send
//     completing, a continuation). Whatever is left waits for a continuation posted to the same
//     loop (receiving is paused meanwhile), so one client pipelining thousands of requests cannot
//     starve the other clients of its loop.
//   - Back-pressure: once kOutputHighWater bytes of replies wait in the buffer being filled,
//     requests stop running and receiving pauses until the client reads; a client that sends
//     without reading holds at most about two output buffers plus one request.
//
// Lifetime: the connection owns itself (a shared_ptr it holds, and that posted continuations
// copy) and is deleted after the loop reports it closed and no continuation refers to it.
//
// Threads: everything runs on the owning loop thread.
#ifndef MEMKV_SERVER_CONN_EXECUTING_CONNECTION_H_
#define MEMKV_SERVER_CONN_EXECUTING_CONNECTION_H_

#include <memory>
#include <string_view>

#include "server/conn/connection.h"
#include "server/conn/connection_slot.h"
#include "server/conn/server_context.h"
#include "server/exec/command_stats.h"
#include "server/exec/exec_context.h"
#include "server/loop/event_loop.h"
#include "server/loop/socket_util.h"

namespace memkv::server {

class ExecutingConnection final : public Connection {
 public:
  // Requests run per wake-up before the rest waits for a posted continuation.
  static constexpr int kRequestsPerWake = 64;

  // The loop thread that serves a connection: its loop, its counters, its name for logs.
  struct Owner {
    EventLoop* loop = nullptr;
    CommandStats* stats = nullptr;
    std::string_view thread_name;
  };

  // Serves `fd` on `owner`'s loop, over TLS when `tls` is set. REQUIRES: called on that loop's
  // thread. The connection owns itself from here on and is deleted after the loop reports it
  // closed.
  static void Start(const Owner& owner, UniqueFd fd, ConnectionSlot slot, PortDialect dialect,
                    const TlsContext* tls, ServerContext* server);

 private:
  ExecutingConnection(const Env& env, int fd, PortDialect dialect, ConnectionSlot slot,
                      ServerContext* server);

  // Connection:
  bool ReadyForRequest() const override;
  PipelineStep TakeRequest(std::string_view input) override;
  PipelineStep TakeReceivedValue(ValueReceipt* receipt, std::string_view trailer) override;
  bool WantsReceivePaused() const override;
  void AfterSettle() override;
  void BeforeReceive() override { budget_ = kRequestsPerWake; }
  void OnSendDone() override;
  void Release() override;

  // Runs the requests a spent budget left waiting.
  void Continue();
  bool OutputFull() const;

  ServerContext* const server_;
  ExecContext exec_;
  // Keeps this object alive until the loop reports it closed and no posted continuation
  // refers to it; the loop itself holds a plain pointer.
  std::shared_ptr<ExecutingConnection> self_;
  int budget_ = 0;  // requests still allowed in this wake-up
  bool continuation_posted_ = false;
};

}  // namespace memkv::server

#endif  // MEMKV_SERVER_CONN_EXECUTING_CONNECTION_H_
