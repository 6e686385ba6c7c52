// EventLoopCore: the part of an EventLoop that does not depend on how I/O reaches the kernel,
// written once for the epoll and the io_uring engine (as redis's ae.c is for ae_epoll.c): the
// stream table indexed by fd, the deferred callbacks and their rules, Run()'s outer loop, posted
// tasks and their wake-up, and the guard against running out of descriptors while accepting.
// An engine derives from it and adds only how it submits I/O and reaps what came back:
// StartAccepting, and the hooks at the end of this class (StartSend writes what Send recorded).
//
// The callback rules, kept here for every engine:
//   - A handler is never re-entered. What an EventLoop call would otherwise trigger at once
//     (OnSendComplete of a Send written at once or empty, OnClosed of CloseStream, the held
//     bytes of ResumeReceive) waits for RunDeferred: the engine calls it after each event or
//     completion, the core after each posted task.
//   - OnClosed runs after the fd is closed and once the engine holds no operation on the stream
//     (HasIoInFlight), so a descriptor number is never reused while the kernel still has it;
//     after CloseStream, OnClosed is the only callback the stream gets.
//   - Bytes that come while a stream is paused (io_uring: completions already on their way) are
//     held and delivered, in order, after ResumeReceive; OnPeerClosed comes once, after every
//     byte that arrived before the FIN, and never on a closing stream.
//   - A closed stream's object lives until the end of the turn (graveyard_): deferred lists and
//     events of the same batch may still point at it.
//   - OnIdle runs from the tick, between two turns, never inside another callback.
//
// The tick (SetIdleTimeout) is a deadline rather than a descriptor: the core keeps the time of
// the next one (next_tick()), each engine makes its wait end by then (epoll_wait's timeout, an
// io_uring timeout operation), and the core runs the tick once a turn ends past it. Time is
// counted in ticks (ticks_): a stream records the tick of its last byte in or out
// (NoteActivity, one store per receive or write, no clock read), and is idle once more than
// idle_ticks_ ticks have passed since.
//
// Threads: as EventLoop. Post() and Stop() from any thread; everything else, hooks included, on
// the loop thread, or on the creating thread before Run().
#ifndef MEMKV_SERVER_LOOP_EVENT_LOOP_CORE_H_
#define MEMKV_SERVER_LOOP_EVENT_LOOP_CORE_H_

#include <atomic>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/functional/any_invocable.h"
#include "absl/status/status.h"
#include "absl/synchronization/mutex.h"
#include "server/loop/event_loop.h"
#include "server/loop/send_cursor.h"
#include "server/loop/socket_util.h"
#include "server/tls/tls_session.h"

namespace memkv::server {

class EventLoopCore : public EventLoop {
 public:
  ~EventLoopCore() override;

  // EventLoop, the same for every engine.
  void Run() final;
  void Stop() final;
  void Post(absl::AnyInvocable<void() &&> task) final;
  absl::Status AddStream(int fd, StreamHandler* handler) final;
  absl::Status AddTlsStream(int fd, StreamHandler* handler, const TlsContext& tls) final;
  void Send(int fd, absl::Span<const iovec> slices) final;
  void Send(int fd, std::string_view data) final;
  void PauseReceive(int fd) final;
  void ResumeReceive(int fd) final;
  void CloseStream(int fd) final;
  void SetIdleTimeout(std::chrono::milliseconds timeout) final;

 protected:
  using Clock = std::chrono::steady_clock;

  // A TLS stream's own part (AddTlsStream): its session, and the ciphertext on its way out. The
  // engine writes `wire` (stream->send points into it) while `queued` collects what comes
  // meanwhile; the handler's Send completes when the wire carrying its last byte is written.
  struct TlsState {
    std::unique_ptr<TlsSession> session;
    std::string queued;  // ciphertext waiting for the wire in flight
    std::string wire;    // ciphertext being written
    bool wire_in_flight = false;
    bool wire_ends_handler_send = false;  // writing the wire completes the handler's Send
    bool handler_send_open = false;       // the handler's Send is not on a wire yet
    bool handler_send_done = false;       // complete it without a wire (it made no ciphertext)
  };

  // What the core knows of a stream. Each engine derives its Stream from it with its own I/O
  // state, and gets it back from the core with a static_cast.
  struct StreamState {
    virtual ~StreamState() = default;
    UniqueFd fd;
    StreamHandler* handler = nullptr;
    SendCursor send;   // the unsent rest of the current Send
    std::string held;  // bytes that came while paused, delivered after ResumeReceive
    bool paused = false;
    bool peer_closed = false;          // the FIN arrived: receiving is over for good
    bool peer_close_reported = false;  // OnPeerClosed ran
    bool closing = false;              // CloseStream called or an error seen; OnClosed pending
    bool closed = false;               // OnClosed ran; the object waits in graveyard_
    uint64_t active_tick = 0;          // ticks_ when a byte last came in or went out
    std::unique_ptr<TlsState> tls;     // null: a plain stream
  };

  // What a listener does after accept() failed.
  enum class AcceptNext {
    kWaitForMore,  // EAGAIN: the backlog is empty
    kAcceptAgain,  // only this connection failed, or it was dropped for want of a descriptor
    kBackOff,      // no resources (EMFILE without a spare, ENFILE, ENOBUFS, ENOMEM): rest
  };
  // How long a listener rests after kBackOff: long enough not to spin, short enough that clients
  // barely notice once descriptors are free again.
  static constexpr std::chrono::milliseconds kAcceptBackOff{100};

  // wake_fd: an eventfd that Post() and Stop() write to; the engine waits for it to be readable.
  explicit EventLoopCore(UniqueFd wake_fd);

  int wake_fd() const { return wake_fd_.get(); }

  // The stream on fd, or null. A closed stream has left the table already.
  StreamState* FindStream(int fd) {
    if (fd < 0 || static_cast<size_t>(fd) >= streams_.size()) return nullptr;
    return streams_[fd].get();
  }
  const StreamState* FindStream(int fd) const {
    return const_cast<EventLoopCore*>(this)->FindStream(fd);
  }
  template <typename Fn>
  void ForEachStream(Fn fn) {
    for (auto& stream : streams_) {
      if (stream != nullptr) fn(stream.get());
    }
  }
  bool HasStreams() const;

  // OnSendComplete at the next safe point: for an engine whose Send may finish inside Send().
  void CompleteSendLater(StreamState* stream) { completed_sends_.push_back(stream); }

  // A byte came in or went out: the stream is not idle. Engines call it for each receive and
  // each write that moved bytes (Deliver does for them).
  void NoteActivity(StreamState* stream) { stream->active_tick = ticks_; }
  // When the next tick is due; none while no idle timeout is set. An engine's wait must end by
  // then (it may end later only by the time the kernel takes to wake it).
  const std::optional<Clock::time_point>& next_tick() const { return next_tick_; }

  // Bytes that arrived for the stream: to OnReceive now, or held behind a pause; a TLS stream's
  // are decrypted first.
  void Deliver(StreamState* stream, std::string_view data) {
    NoteActivity(stream);
    if (stream->closing) return;
    if (stream->tls != nullptr) {
      ReceiveTls(stream, data);
      return;
    }
    DeliverPlain(stream, data);
  }
  // Every byte of the stream's send was written (stream->send is empty): the handler's Send is
  // complete, or, on a TLS stream, the wire that may have carried it. Engines call it from a
  // completion; the core from RunDeferred.
  void SendDone(StreamState* stream);
  // The peer's FIN: receiving stops for good, OnPeerClosed follows what is still held.
  void HandlePeerClosed(StreamState* stream);

  // Ends the stream: CancelIo now, OnClosed at the next safe point once nothing is in flight.
  void MarkClosing(StreamState* stream);
  // MarkClosing for every stream; those already closing are looked at again.
  void MarkAllClosing();
  // For an engine whose last operation on a closing stream just came back.
  void FinishWhenIdle(StreamState* stream) {
    if (stream->closing && !stream->closed) closing_.push_back(stream);
  }
  // Runs the deferred callbacks; call after every event or completion.
  void RunDeferred() {
    if (!completed_sends_.empty() || !deliveries_.empty() || !closing_.empty()) RunAllDeferred();
  }
  // Closes every stream and runs their OnClosed; for destructors and the end of Run().
  void CloseAllStreams();

  // After an accept error: drops one connection when out of descriptors, says what next.
  AcceptNext AfterAcceptError(int listen_fd, int error);
  // Takes the spare descriptor back after a back-off, if it was lost.
  void RestoreSpareFd();
  // Gives an accepted socket to the callback (TCP_NODELAY set).
  static void HandOver(AcceptCallback& on_accept, int fd);

 private:
  // --- Hooks: what each engine does its own way ---------------------------------------------
  virtual std::unique_ptr<StreamState> NewStream() = 0;
  // Send has recorded bytes in stream->send (never empty) on a stream that is not closing and has
  // no send in progress: write them, now or once the socket takes them, advancing stream->send,
  // then OnSendComplete (through CompleteSendLater if still inside Send).
  virtual void StartSend(StreamState* stream) = 0;
  // Starts watching a stream just put into the table; an error takes it out and closes the fd.
  virtual absl::Status StartStream(StreamState* stream) = 0;
  // paused or peer_closed changed: receive while neither is set, else stop.
  virtual void UpdateReceiving(StreamState* stream) = 0;
  // The stream is closing: stop its I/O. OnClosed waits until HasIoInFlight is false.
  virtual void CancelIo(StreamState* stream) = 0;
  virtual bool HasIoInFlight(const StreamState& stream) const = 0;
  // Run(): StartEngine before the first turn (false: cannot run), WaitAndHandle for each turn
  // (false: the engine broke), StopEngine after the last (drain what is in flight).
  virtual bool StartEngine() = 0;
  virtual bool WaitAndHandle() = 0;
  virtual void StopEngine() = 0;

  void DeliverPlain(StreamState* stream, std::string_view data) {
    if (stream->paused || !stream->held.empty()) {
      stream->held.append(data);  // in order behind what is already held
      return;
    }
    stream->handler->OnReceive(data);
  }
  absl::Status AddStreamWith(int fd, StreamHandler* handler, std::unique_ptr<TlsSession> tls);

  // TLS streams (event_loop_core_tls.cc).
  void ReceiveTls(StreamState* stream, std::string_view ciphertext);
  void SendTls(StreamState* stream, absl::Span<const iovec> slices);
  // Puts the session's ciphertext on the wire, or queues it behind the wire in flight.
  void PumpTls(StreamState* stream);
  // The handler closes the stream: tells the peer with close_notify, if the socket takes it now.
  void SayCloseNotify(StreamState* stream);

  // After each turn: the tick, if it is due (idle streams get OnIdle).
  void TickIfDue();
  void CheckIdleStreams();
  void RunAllDeferred();
  void RunCompletedSends();
  void RunDeliveries();
  void RunCloses();
  void ReportPeerClosed(StreamState* stream);
  void Finish(StreamState* stream);
  std::vector<absl::AnyInvocable<void() &&>> TakePostedTasks();
  void RunPostedTasks();
  void DropPostedTasks();

  UniqueFd wake_fd_;
  // Kept open so that EMFILE can be answered by closing the newest connection at once (the
  // client sees a close rather than a hang) instead of spinning on a listener that stays ready.
  UniqueFd spare_fd_;
  bool ran_ = false;
  std::atomic<bool> stop_{false};
  std::vector<std::unique_ptr<StreamState>> streams_;  // indexed by fd
  std::vector<StreamState*> completed_sends_;          // OnSendComplete to run
  std::vector<StreamState*> deliveries_;               // resumed: held bytes, then the FIN
  std::vector<StreamState*> closing_;                  // to finish once nothing is in flight
  // Reused by RunDeferred for the list it works through, so that neither list gives up its
  // capacity (a swap with a fresh vector would allocate on the next push).
  std::vector<StreamState*> scratch_;
  std::vector<std::unique_ptr<StreamState>> graveyard_;  // freed at the end of the turn
  std::string tls_plain_;  // what ReceiveTls decrypted, kept for its capacity

  // The tick (SetIdleTimeout): period, what it counts, and the deadline of the next one.
  Clock::duration tick_period_{};
  uint64_t ticks_ = 0;
  uint64_t idle_ticks_ = 0;  // a stream is idle once more than this many ticks passed silent
  std::optional<Clock::time_point> next_tick_;

  absl::Mutex post_mutex_;
  std::vector<absl::AnyInvocable<void() &&>> posted_ ABSL_GUARDED_BY(post_mutex_);
};

}  // namespace memkv::server

#endif  // MEMKV_SERVER_LOOP_EVENT_LOOP_CORE_H_
