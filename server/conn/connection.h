// Connection: the state machine of one client socket, from accept to close, written once for
// every front-end mode. It owns what every connection does with bytes:
//
//   - Input: received bytes go through an InputBuffer (no copy when nothing is left over) and
//     are cut into requests by a RequestPipeline; the bytes of a refused value are swallowed as
//     they arrive.
//   - Output: replies are appended to one of two buffers while the other is being sent (double
//     buffering), so a pipelining client gets its answers in batches, in order.
//   - Receive pausing: receiving pauses while the flavour cannot take more requests (back-
//     pressure), and resumes when it can.
//   - Closing: after quit or a must-close error nothing more is read and the connection closes
//     once every reply before it is written. After the peer's half-close (FIN) the requests
//     already received still run and their replies are written, then the connection closes.
//   - Idle timeout (--idle-timeout, the loop's OnIdle): a connection that owes the client
//     nothing is closed without a word and counted in idle_kicks; one that still has replies to
//     write or requests to run is left alone (see OnIdle).
//   - Memory: after every event the connection reports what it holds (buffer capacities, request
//     vectors, the flavour's batches) to the server's ClientMemoryBudget, which may ask it to close
//     (Evict) when the connections together hold more than --max-client-memory.
//   - Protected mode (protected_mode.h): the connection decides at construction, from its
//     peer's address, whether protected mode denies it; a denied connection executes nothing,
//     answers with the denial line (at once on the RESP-only port, see Opened; on the memcached
//     port when the first bytes tell the dialect) and closes. Counted in rejected_connections,
//     as Redis counts it, and in protected_mode_denials.
//   - Re-entrancy: a loop may complete a send or close a stream from inside a call made by a
//     handler; the connection counts handler calls in progress and is released only after the
//     outermost one returns.
//
// The two flavours differ only in what they do with a framed request: ExecutingConnection
// executes it at once on its own loop thread, within a budget per wake-up (the connection-per-
// loop modes); DispatchConnection adds it to a batch that a worker of the dispatch pool executes
// (the dispatch modes). They tell this base when they may take another request, what moves their
// own work forward, and how they are released.
//
// Threads: every method runs on the owning loop's thread.
#ifndef MEMKV_SERVER_CONN_CONNECTION_H_
#define MEMKV_SERVER_CONN_CONNECTION_H_

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "server/conn/client_memory_budget.h"
#include "server/conn/connection_slot.h"
#include "server/conn/input_buffer.h"
#include "server/conn/output_buffer.h"
#include "server/conn/request_pipeline.h"
#include "server/conn/value_receipt.h"
#include "server/exec/command_stats.h"
#include "server/exec/connection_registry.h"
#include "server/loop/event_loop.h"
#include "storage/engine.h"

namespace memkv::server {

class Connection : public StreamHandler {
 public:
  // Replies waiting to be written beyond which a flavour stops taking requests.
  static constexpr size_t kOutputHighWater = size_t{4} << 20;

  // What the connection is made of. Everything pointed to outlives it.
  struct Env {
    EventLoop* loop = nullptr;
    const PipelineConfig* pipeline = nullptr;
    // The owning thread's: connections, bytes, protocol errors.
    CommandStats* stats = nullptr;
    // Where large values are allocated to be received into (value_receipt.h); null: every
    // value is buffered.
    storage::Engine* engine = nullptr;
  };

  ~Connection() override;
  Connection(const Connection&) = delete;
  Connection& operator=(const Connection&) = delete;

  bool receive_paused() const { return paused_; }

  // Joins the server's client-memory budget; `evictor` must post Evict() to this connection's
  // loop (see client_memory_budget.h). REQUIRES: before the connection's first event.
  void JoinMemoryBudget(ClientMemoryBudget* budget, ClientMemoryBudget::Evictor evictor);
  // The budget chose this connection: closes it now, dropping what it holds and what it owes
  // (as Redis frees an evicted client: no reply), and counts it as evicted.
  void Evict();
  // Bytes this connection holds now, as reported to the budget.
  size_t MemoryFootprint() const;

  // Called once, right after the loop took the stream (AddStream succeeded), by whoever created
  // the connection: a connection protected mode denied on the RESP-only port sends Redis's
  // -DENIED line now, before the client says anything (as Redis does at accept), and closes.
  // May close and release the connection: the caller must not touch it afterwards.
  void Opened();

  // StreamHandler:
  void OnReceive(std::string_view data) final;
  void OnSendComplete() final;
  void OnPeerClosed() final;
  void OnClosed() final;
  void OnIdle() final;
  absl::Span<char> ReceiveTarget() final;
  void OnReceivedInto(size_t n) final;

 protected:
  // Marks a handler call in progress: a close reported from inside it releases the connection
  // only when the outermost call returns. Flavours open one in their own entry points.
  class CallbackScope {
   public:
    explicit CallbackScope(Connection* c) : c_(c) { ++c_->callback_depth_; }
    ~CallbackScope();

   private:
    Connection* const c_;
  };

  // `fd` is not owned: the loop owns it once AddStream takes this handler.
  Connection(const Env& env, int fd, PortDialect dialect, uint64_t client_id, ConnectionSlot slot);

  // --- What a flavour decides ---

  // Whether one more request may be taken now (budget, output room, batch room). When false,
  // input stops at a request boundary and input_blocked() is set until the next Consume.
  virtual bool ReadyForRequest() const = 0;
  // Takes the first request of `input`: parses it, then executes it or frames it. Error replies
  // go into the output in request order; the result says how many bytes were used.
  virtual PipelineStep TakeRequest(std::string_view input) = 0;
  // Takes the request whose value `receipt` holds whole (value_receipt.h), `trailer` being the
  // bytes after the value that end it (RequestPipeline::TrailerBytes): runs it or frames it, as
  // TakeRequest, taking the value from the receipt. The step's `consumed` is not used.
  virtual PipelineStep TakeReceivedValue(ValueReceipt* receipt, std::string_view trailer) = 0;
  // Moves the flavour's own work forward (say, submits a batch). True if it did something.
  virtual bool Advance() { return false; }
  // Work taken but not answered yet (a batch at a worker): the connection does not close on it.
  virtual bool WorkInFlight() const { return false; }
  // Whether receiving should pause now.
  virtual bool WantsReceivePaused() const { return input_blocked_; }
  // At the end of a Settle that did not close (an ExecutingConnection schedules a continuation).
  virtual void AfterSettle() {}
  // Bytes arrived, or a send completed: each is a new wake-up, for a flavour's budget.
  virtual void BeforeReceive() {}
  virtual void OnSendDone() {}
  // Memory the flavour holds beyond the base's buffers (batches), for MemoryFootprint.
  virtual size_t FlavourMemory() const { return 0; }
  // The connection is closed and no handler call is in progress: the flavour lets go of it.
  // May delete this; nothing may follow.
  virtual void Release() = 0;

  // --- What a flavour uses ---

  // Runs after every event: writes, lets the flavour advance, takes requests that an earlier
  // limit held back, closes when due, pauses or resumes receiving.
  void Settle();
  // Takes requests from the buffered input again (after a limit held them back).
  void ConsumeBuffered();

  EventLoop* loop() const { return env_.loop; }
  int fd() const { return fd_; }
  CommandStats* stats() const { return env_.stats; }
  RequestPipeline& pipeline() { return pipeline_; }
  const RequestPipeline& pipeline() const { return pipeline_; }
  // The buffer replies are appended to now (its bytes, and where spliced values go), and its
  // size, spliced values included.
  std::string& output() { return out_[active_].bytes(); }
  SplicedValues& output_spliced() { return out_[active_].spliced(); }
  OutputBuffer& output_buffer() { return out_[active_]; }
  size_t output_size() const { return out_[active_].size(); }
  // Reply bytes not written yet: the buffer being filled and the one being sent.
  size_t unsent_bytes() const { return out_[0].size() + out_[1].size(); }
  bool input_blocked() const { return input_blocked_; }
  bool closing() const { return closing_; }
  bool closed() const { return closed_; }
  // Takes nothing more from the input; closes once what is owed is written. Not from inside
  // TakeRequest (which closes through its step's outcome or status).
  void StartClosing();

 private:
  // Takes requests from `input` until the flavour stops them or no whole request is left.
  // Returns the bytes used (including swallowed bytes).
  size_t Consume(std::string_view input);
  // After TakeRequest asked for more: starts receiving the value into its own block when `input`
  // is a large value's header (value_receipt.h). Returns the bytes it took (all of `input`),
  // or 0.
  size_t StartReceivingValue(std::string_view input);
  // What a step taken means for the connection: what to swallow, closing, counting.
  void AfterStep(const PipelineStep& step);
  // Counts a kClientError step: a protocol error, or an answer of the authentication phase.
  void CountRefusal(AuthStep auth);
  void StartSend();
  // Whether every reply owed has been written and nothing more can come.
  bool Finished() const;
  void UpdateReceivePause();
  // Settle's steps; Settle reports the memory held after them.
  void SettleSteps();

  const Env env_;
  const int fd_;
  ConnectionSlot slot_;
  RequestPipeline pipeline_;

  InputBuffer input_;          // unparsed bytes left over from earlier receives
  size_t swallow_ = 0;         // bytes of a refused value still to drop
  ValueReceipt receiving_;     // a large value being received into its own block
  OutputBuffer out_[2];        // out_[active_] collects replies; the other may be in flight
  std::vector<iovec> slices_;  // of the send in flight, when it has spliced values
  int active_ = 0;
  bool sending_ = false;
  bool input_blocked_ = false;  // the last Consume stopped at the flavour's limit
  bool paused_ = false;         // the loop was asked to pause receiving
  bool closing_ = false;        // quit or must-close: take nothing more, close once written
  bool peer_closed_ = false;    // the peer's FIN: nothing more arrives
  bool close_requested_ = false;
  bool closed_ = false;  // OnClosed ran
  int callback_depth_ = 0;
  // Records, after every event, the state and last-command time that `stats conns` prints.
  void UpdateRegistration();

  ClientMemoryBudget::Account memory_;             // last: gives back what the buffers above held
  ConnectionRegistry::Registration registration_;  // in `stats conns` while open
};

}  // namespace memkv::server

#endif  // MEMKV_SERVER_CONN_CONNECTION_H_
