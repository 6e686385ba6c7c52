// DispatchConnection: a Connection (connection.h) of the dispatch and hybrid modes, owned by a
// dispatcher. It frames the bytes it receives into whole requests (RequestPipeline::Frame), packs
// them into batches, has each batch executed by a worker (through its DispatchHost), and writes
// the replies back in request order.
//
// Ordering: at most one batch per connection is at a worker at any time. The next batch (the
// requests framed meanwhile) leaves only once the previous one came back, so a connection's
// requests execute in the order they were sent even when consecutive batches run on different
// workers (a pipelined `set k` then `get k` sees its own write), and replies come back in order
// without a reorder buffer; the batch's sequence number is checked on return all the same. The
// price: one connection is executed by one worker at a time. Load is still balanced per batch:
// every batch goes to the least-loaded worker of that moment, so a greedy pipelining client
// occupies one worker at most and never a whole share of the pool.
//
// Back-pressure: at most one batch in flight plus one being framed (kMaxBatchRequests requests
// or kMaxBatchBytes bytes). Once the next batch is full, or kOutputHighWater bytes of replies
// wait to be written (error replies included), the connection stops framing and asks the loop to
// pause receiving; a batch is not sent to a worker while the output is over the mark either. A
// client that sends without reading therefore holds about one
// high-water mark of replies, one batch and one receive of input, and never blocks the
// dispatcher: writes that would block simply wait in the loop.
//
// Lifetime: the connection is told to go by the loop (OnClosed) and then asks its host to
// destroy it (DispatchHost::Closed), after its outermost callback returns. Batches refer to it by
// id, so a batch coming back after the close is dropped by the host.
//
// Threads: every method runs on the owning dispatcher's loop thread.
#ifndef MEMKV_SERVER_CONN_DISPATCH_CONNECTION_H_
#define MEMKV_SERVER_CONN_DISPATCH_CONNECTION_H_

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "server/conn/connection.h"
#include "server/conn/connection_slot.h"
#include "server/conn/dispatch_batch.h"
#include "server/conn/request_pipeline.h"
#include "server/exec/command_stats.h"
#include "server/loop/event_loop.h"

namespace memkv::server {

// What a connection needs from the dispatcher that owns it (a fake in tests). Loop thread only.
class DispatchHost {
 public:
  virtual ~DispatchHost() = default;
  // Takes the batch to a worker; it comes back through the connection's OnBatchDone.
  virtual void Submit(DispatchBatch batch) = 0;
  // The connection with this id has closed and may be destroyed now: nothing of it runs after
  // this call.
  virtual void Closed(uint64_t connection_id) = 0;
};

class DispatchConnection final : public Connection {
 public:
  // A batch holds at most this many requests, or about this many bytes of them (always at
  // least one request). Small enough that a greedy client's batch keeps a worker only briefly,
  // large enough that a pipelining client pays one hand-over per 32 requests.
  static constexpr int kMaxBatchRequests = 32;
  static constexpr size_t kMaxBatchBytes = size_t{64} << 10;

  struct Env : Connection::Env {
    DispatchHost* host = nullptr;
  };

  // `fd` is not owned: the loop owns it once AddStream takes this handler.
  DispatchConnection(uint64_t id, int fd, PortDialect dialect, uint64_t client_id, Env env,
                     ConnectionSlot slot);

  uint64_t id() const { return id_; }
  bool batch_in_flight() const { return in_flight_; }

  // A batch this connection submitted came back answered.
  void OnBatchDone(DispatchBatch batch);

 private:
  // Connection:
  // Framing stops at a full batch, and while the replies waiting to be written are over the
  // high-water mark: a parse error's reply goes straight to the output, so without the second
  // condition a client that sends garbage and never reads would grow it without bound.
  bool ReadyForRequest() const override {
    return !PendingFull() && !OutputFull() && !pipeline().auth_in_flight();
  }
  PipelineStep TakeRequest(std::string_view input) override;
  PipelineStep TakeReceivedValue(ValueReceipt* receipt, std::string_view trailer) override;
  bool Advance() override;
  bool WorkInFlight() const override {
    return in_flight_ || !pending_.items.empty() || !resumed_.items.empty();
  }
  bool WantsReceivePaused() const override;
  size_t FlavourMemory() const override;
  void Release() override;

  void AddRequest(std::string_view bytes, Dialect dialect);
  void AddLiteral(std::string_view reply);
  // Sends *batch (resumed_ or pending_) to a worker and refills it from spare_.
  void Submit(DispatchBatch* batch);
  // Keeps the unfinished end of a batch that paused at a multi-key command, to run next.
  void KeepPausedRest(DispatchBatch* batch);
  bool PendingFull() const;
  bool OutputFull() const { return unsent_bytes() >= kOutputHighWater; }

  const uint64_t id_;
  DispatchHost* const host_;
  std::string error_;      // scratch: the parser's error reply
  DispatchBatch pending_;  // framed, waiting for the batch in flight to come back
  // The rest of a batch that paused at a multi-key command (its first item resumes from the
  // batch's cursor): runs before pending_, once the output has drained.
  DispatchBatch resumed_;
  DispatchBatch spare_;  // a returned batch, kept for its buffers
  bool in_flight_ = false;
  size_t in_flight_bytes_ = 0;  // what the batch at a worker held when it left
  uint64_t sequence_ = 0;       // of the last batch submitted
};

}  // namespace memkv::server

#endif  // MEMKV_SERVER_CONN_DISPATCH_CONNECTION_H_
