// EpollLoop: the EventLoop over Linux epoll, imitating completions with readiness. Only the
// engine lives here (how interest is registered and readiness turned into reads and writes);
// streams, deferred callbacks, Run() and Post() are EventLoopCore's.
//
// Level-triggered rather than edge-triggered: a readable stream gets one recv() of at most 64 KiB
// per wake-up, so one busy client cannot monopolise the loop, and what it did not get to read is
// simply reported again by the next epoll_wait; edge-triggered would need a list of "still
// readable" streams of our own to be equally fair. Level-triggered also makes back-pressure a
// plain mask change (PauseReceive drops EPOLLIN) and leaves nothing to lose when a handler
// closes a stream in the middle of a batch. A send is written with sendmsg() over its slices
// (IOV_MAX at a time) until it is done or the socket is full; then it waits for EPOLLOUT.
//
// The peer's FIN (recv() == 0) drops EPOLLIN and EPOLLRDHUP for good, since level-triggered
// epoll would report a half-closed socket readable on every turn; sends go on with EPOLLOUT, and
// EPOLLERR/EPOLLHUP (the peer then closed fully or reset) still end the stream.
//
// A send that completes inside Send() reports OnSendComplete through the core's deferred list,
// so handlers see the same ordering as under io_uring, and a handler is never re-entered.
//
// Timers: epoll_wait's timeout ends the wait at the next listener retry or idle tick (the core's
// next_tick()), whichever comes first; there is no timer descriptor.
//
// Threads: as EventLoop — Post() and Stop() from any thread, everything else on the loop thread.
#ifndef MEMKV_SERVER_LOOP_EPOLL_LOOP_H_
#define MEMKV_SERVER_LOOP_EPOLL_LOOP_H_

#include <sys/epoll.h>

#include <chrono>
#include <memory>
#include <string>
#include <vector>

#include "server/loop/event_loop_core.h"
#include "server/loop/socket_util.h"

namespace memkv::server {

class EpollLoop final : public EventLoopCore {
 public:
  static absl::StatusOr<std::unique_ptr<EpollLoop>> Create();
  ~EpollLoop() override;

  IoEngine engine() const override { return IoEngine::kEpoll; }
  std::string Describe() const override { return "epoll"; }
  absl::Status StartAccepting(int listen_fd, AcceptCallback on_accept) override;

 private:
  // What an epoll_event's data.ptr points at.
  struct Source {
    enum class Kind { kWakeup, kListener, kStream };
    Kind kind;
  };
  struct Listener : Source {
    int fd = -1;
    AcceptCallback on_accept;
    // Taken out of the epoll set after an accept error that would otherwise make the
    // level-triggered listener report readiness in a tight loop (EMFILE with no spare, ENOMEM).
    bool backing_off = false;
    Clock::time_point retry_at;
  };
  struct Stream : StreamState, Source {
    Stream() : Source{Kind::kStream} {}
    bool sending = false;  // waiting for EPOLLOUT
  };

  EpollLoop(UniqueFd epoll_fd, UniqueFd wake_fd);
  Stream* Find(int fd) { return static_cast<Stream*>(FindStream(fd)); }

  // EventLoopCore hooks.
  std::unique_ptr<StreamState> NewStream() override;
  void StartSend(StreamState* stream) override;
  absl::Status StartStream(StreamState* stream) override;
  void UpdateReceiving(StreamState* stream) override;
  void CancelIo(StreamState* stream) override;
  bool HasIoInFlight(const StreamState&) const override { return false; }  // readiness only
  bool StartEngine() override { return true; }
  bool WaitAndHandle() override;
  void StopEngine() override {}

  void UpdateInterest(Stream* stream);
  void Dispatch(const epoll_event& event);
  void HandleStreamEvent(Stream* stream, uint32_t events);
  void HandleReadable(Stream* stream);
  // One recv() straight into the handler's ReceiveTarget.
  void ReadInto(Stream* stream, absl::Span<char> target);
  void HandleWritable(Stream* stream);
  void HandleAccept(Listener* listener);
  bool AcceptOne(Listener* listener);
  absl::Status WatchListener(Listener* listener);
  void BackOff(Listener* listener);
  // Re-arms listeners whose back-off is over; returns epoll_wait's timeout (ms, -1 = none): until
  // the next back-off ends or the next idle tick.
  int RetryListenersAndGetTimeout();
  void WriteSome(Stream* stream);

  UniqueFd epoll_fd_;
  Source wake_source_{Source::Kind::kWakeup};
  std::vector<std::unique_ptr<Listener>> listeners_;
  std::vector<char> read_buffer_;
};

}  // namespace memkv::server

#endif  // MEMKV_SERVER_LOOP_EPOLL_LOOP_H_
