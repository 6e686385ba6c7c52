// EpollLoop: the EventLoop over Linux epoll, imitating completions with readiness.
//
// Level-triggered rather than edge-triggered: a readable stream gets one recv() of at most 64 KiB
// per wake-up, so one busy client cannot monopolise the loop, and what it did not get to read is
// simply reported again by the next epoll_wait; edge-triggered would need a list of "still
// readable" streams of our own to be equally fair. Level-triggered also makes back-pressure a
// plain mask change (PauseReceive drops EPOLLIN) and leaves nothing to lose when a handler
// closes a stream in the middle of a batch. A send that would block waits for EPOLLOUT.
//
// The peer's FIN (recv() == 0) drops EPOLLIN and EPOLLRDHUP for good, since level-triggered
// epoll would report a half-closed socket readable on every turn; sends go on with EPOLLOUT, and
// EPOLLERR/EPOLLHUP (the peer then closed fully or reset) still end the stream.
//
// The callbacks a readiness loop could run re-entrantly (OnSendComplete inside Send, OnClosed
// inside CloseStream) are deferred to the end of the current event, so handlers see the same
// ordering as under io_uring, and a handler is never re-entered.
//
// Threads: as EventLoop — Post() and Stop() from any thread, everything else on the loop thread.
#ifndef MEMKV_SERVER_LOOP_EPOLL_LOOP_H_
#define MEMKV_SERVER_LOOP_EPOLL_LOOP_H_

#include <sys/epoll.h>

#include <atomic>
#include <chrono>
#include <memory>
#include <string>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/synchronization/mutex.h"
#include "server/loop/event_loop.h"
#include "server/loop/socket_util.h"

namespace memkv::server {

class EpollLoop final : public EventLoop {
 public:
  static absl::StatusOr<std::unique_ptr<EpollLoop>> Create();
  ~EpollLoop() override;

  IoEngine engine() const override { return IoEngine::kEpoll; }
  std::string Describe() const override { return "epoll"; }
  void Run() override;
  void Stop() override;
  void Post(absl::AnyInvocable<void() &&> task) override;
  absl::Status StartAccepting(int listen_fd, AcceptCallback on_accept) override;
  absl::Status AddStream(int fd, StreamHandler* handler) override;
  void Send(int fd, std::string_view data) override;
  void PauseReceive(int fd) override;
  void ResumeReceive(int fd) override;
  void CloseStream(int fd) override;

 private:
  using Clock = std::chrono::steady_clock;

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
  struct Stream : Source {
    UniqueFd fd;
    StreamHandler* handler = nullptr;
    const char* send_data = nullptr;  // unsent rest of the current Send
    size_t send_left = 0;
    bool sending = false;  // waiting for EPOLLOUT
    bool paused = false;
    bool peer_closed = false;  // the peer's FIN was read and OnPeerClosed called: no more recv
    bool closing = false;      // CloseStream called or an error seen; OnClosed pending
    bool closed = false;       // OnClosed ran; the object waits in graveyard_ for the batch to end
  };

  EpollLoop(UniqueFd epoll_fd, UniqueFd wake_fd, UniqueFd spare_fd);
  Stream* Find(int fd);
  void UpdateInterest(Stream* stream);
  void Dispatch(const epoll_event& event);
  void HandleStreamEvent(Stream* stream, uint32_t events);
  void HandleReadable(Stream* stream);
  void HandleWritable(Stream* stream);
  void HandleAccept(Listener* listener);
  bool AcceptOne(Listener* listener);
  absl::Status WatchListener(Listener* listener);
  void BackOff(Listener* listener);
  int RetryListenersAndGetTimeout();
  void WriteSome(Stream* stream);
  void MarkClosing(Stream* stream);
  void RunDeferred();
  void RunPostedTasks();
  void CloseAllStreams();

  UniqueFd epoll_fd_;
  UniqueFd wake_fd_;
  // Kept open so that EMFILE can be answered by closing the newest connection at once (the
  // client sees a close rather than a hang) instead of spinning on a listener that stays readable.
  UniqueFd spare_fd_;
  Source wake_source_{Source::Kind::kWakeup};
  std::vector<std::unique_ptr<Stream>> streams_;  // indexed by fd
  std::vector<std::unique_ptr<Listener>> listeners_;
  std::vector<Stream*> completed_sends_;  // OnSendComplete to run at the end of this event
  std::vector<Stream*> closing_;          // OnClosed to run at the end of this event
  std::vector<std::unique_ptr<Stream>> graveyard_;  // freed after the epoll batch
  std::vector<char> read_buffer_;
  std::atomic<bool> stop_{false};

  absl::Mutex post_mutex_;
  std::vector<absl::AnyInvocable<void() &&>> posted_ ABSL_GUARDED_BY(post_mutex_);
};

}  // namespace memkv::server

#endif  // MEMKV_SERVER_LOOP_EPOLL_LOOP_H_
