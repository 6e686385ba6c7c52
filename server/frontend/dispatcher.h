// Dispatcher: one dispatcher thread of the dispatch and hybrid modes. It runs one EventLoop
// (epoll or io_uring), accepts on its listening sockets, owns every connection it accepted
// (DispatchConnection: receive, frame, write), and moves batches of requests between those
// connections and the shared DispatchPool.
//
// Hand-over, both directions batched, never a lock per request:
//   - to the workers: a connection's batch is staged for the least-loaded worker at once (so the
//     next choice already counts it), and the staged batches are handed over in one push per
//     worker at the end of the loop turn (a flush task the dispatcher posts to itself when it
//     stages the first batch of a turn);
//   - back: workers push answered batches into this dispatcher's return queue; the push that
//     finds the queue un-notified posts one drain task to the loop, which takes everything at
//     once and gives each batch to its connection, found by id (a batch of a connection that
//     closed meanwhile is dropped).
//
// Threads: construction and Listen() on the front end's thread before the loop runs; Return()
// on any thread; everything else on the dispatcher's loop thread.
#ifndef MEMKV_SERVER_FRONTEND_DISPATCHER_H_
#define MEMKV_SERVER_FRONTEND_DISPATCHER_H_

#include <cstdint>
#include <memory>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/status/status.h"
#include "server/conn/dispatch_batch.h"
#include "server/conn/dispatch_connection.h"
#include "server/conn/server_context.h"
#include "server/frontend/dispatch_pool.h"
#include "server/frontend/server_thread.h"
#include "server/frontend/work_queue.h"
#include "server/loop/socket_util.h"

namespace memkv::server {

class Dispatcher final : public DispatchHost, public BatchReturn {
 public:
  // `index` is this dispatcher's place in the pool's return list; `thread` is its (not yet
  // started) loop thread. `pool` and `server` outlive the dispatcher.
  Dispatcher(int index, std::unique_ptr<ServerThread> thread, DispatchPool* pool,
             ServerContext* server);
  ~Dispatcher() override;

  ServerThread* thread() { return thread_.get(); }

  // Accepts on `listen_fd` (not owned; outlives the loop), giving connections `dialect`.
  // REQUIRES: before the loop runs; no other loop accepts on listen_fd (each dispatcher has its
  // own sockets), so an io_uring loop may keep a multishot accept armed on it.
  // Over TLS when `tls` is set.
  absl::Status Listen(int listen_fd, PortDialect dialect, const TlsContext* tls);

  // DispatchHost (loop thread):
  void Submit(DispatchBatch batch) override;
  void Closed(uint64_t connection_id) override;

  // BatchReturn (any thread):
  void Return(std::vector<DispatchBatch>* done) override;

 private:
  // Admits a just-accepted connection (admission.h) and serves it.
  void Serve(UniqueFd fd, PortDialect dialect, const TlsContext* tls);
  // The client-memory budget chose this connection (loop thread; it may have closed meanwhile).
  void Evict(uint64_t connection_id);
  // Gives every returned batch to its connection, then hands over what that staged.
  void DrainReturned();
  // Hands every staged batch to its worker: one push per worker.
  void Flush();

  const int index_;
  DispatchPool* const pool_;
  ServerContext* const server_;
  uint64_t next_connection_id_ = 1;  // ids are never reused
  int cursor_ = 0;                   // where PickLeastLoaded starts, so that ties rotate
  bool flush_posted_ = false;
  bool draining_ = false;                           // inside DrainReturned, which flushes when done
  std::vector<std::vector<DispatchBatch>> staged_;  // per worker
  std::vector<DispatchBatch> returned_scratch_;
  WorkQueue<DispatchBatch> returned_;
  // Declared before thread_: the loop may report connections closed while it is destroyed.
  absl::flat_hash_map<uint64_t, std::unique_ptr<DispatchConnection>> connections_;
  std::unique_ptr<ServerThread> thread_;
};

}  // namespace memkv::server

#endif  // MEMKV_SERVER_FRONTEND_DISPATCHER_H_
