#include "server/loop/epoll_loop.h"

#include <errno.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <utility>

namespace memkv::server {
namespace {

constexpr size_t kReadBufferBytes = 64 * 1024;
constexpr int kMaxEventsPerWait = 256;
// Accepts per readiness event: enough to drain a burst, bounded so streams are not starved; the
// level-triggered listener reports the rest of the backlog on the next turn.
constexpr int kMaxAcceptsPerEvent = 64;

// An epoll_wait timeout (-1: none) shortened to end within `wait`, rounded up to a millisecond.
int Sooner(int timeout_ms, std::chrono::steady_clock::duration wait) {
  auto ms = std::chrono::ceil<std::chrono::milliseconds>(wait).count();
  int wait_ms = static_cast<int>(std::clamp<decltype(ms)>(ms, 0, 1 << 30));
  return timeout_ms < 0 ? wait_ms : std::min(timeout_ms, wait_ms);
}

}  // namespace

absl::StatusOr<std::unique_ptr<EpollLoop>> EpollLoop::Create() {
  UniqueFd epoll_fd(epoll_create1(EPOLL_CLOEXEC));
  if (!epoll_fd) return ErrnoStatus("epoll_create1");
  UniqueFd wake_fd(eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC));
  if (!wake_fd) return ErrnoStatus("eventfd");
  std::unique_ptr<EpollLoop> loop(new EpollLoop(std::move(epoll_fd), std::move(wake_fd)));
  epoll_event event{};
  event.events = EPOLLIN;
  event.data.ptr = &loop->wake_source_;
  if (epoll_ctl(loop->epoll_fd_.get(), EPOLL_CTL_ADD, loop->wake_fd(), &event) < 0) {
    return ErrnoStatus("epoll_ctl(eventfd)");
  }
  return loop;
}

absl::StatusOr<std::unique_ptr<EventLoop>> MakeEpollLoop() {
  absl::StatusOr<std::unique_ptr<EpollLoop>> loop = EpollLoop::Create();
  if (!loop.ok()) return loop.status();
  return std::unique_ptr<EventLoop>(std::move(*loop));
}

EpollLoop::EpollLoop(UniqueFd epoll_fd, UniqueFd wake_fd)
    : EventLoopCore(std::move(wake_fd)),
      epoll_fd_(std::move(epoll_fd)),
      read_buffer_(kReadBufferBytes) {}

EpollLoop::~EpollLoop() { CloseAllStreams(); }

// One turn: wait for readiness, turn each event into reads, writes and accepts.
bool EpollLoop::WaitAndHandle() {
  epoll_event events[kMaxEventsPerWait];
  int timeout_ms = RetryListenersAndGetTimeout();
  int n = epoll_wait(epoll_fd_.get(), events, kMaxEventsPerWait, timeout_ms);
  if (n < 0) return errno == EINTR;  // else EBADF/EINVAL: the loop itself is broken
  for (int i = 0; i < n; ++i) {
    Dispatch(events[i]);
    RunDeferred();
  }
  return true;
}

void EpollLoop::Dispatch(const epoll_event& event) {
  auto* source = static_cast<Source*>(event.data.ptr);
  switch (source->kind) {
    case Source::Kind::kWakeup: {
      uint64_t ignored;
      [[maybe_unused]] ssize_t r = read(wake_fd(), &ignored, sizeof(ignored));
      break;
    }
    case Source::Kind::kListener:
      HandleAccept(static_cast<Listener*>(source));
      break;
    case Source::Kind::kStream:
      HandleStreamEvent(static_cast<Stream*>(source), event.events);
      break;
  }
}

void EpollLoop::HandleStreamEvent(Stream* stream, uint32_t events) {
  if (stream->closed) return;  // closed earlier in this batch; the object is in the graveyard
  if (events & EPOLLOUT) HandleWritable(stream);
  if (stream->closing) return;
  if (stream->paused || stream->peer_closed) {
    // EPOLLERR and EPOLLHUP are reported whatever the mask: a dead paused stream would be
    // reported on every turn, so end it now (nothing can be written to it any more either).
    if (events & (EPOLLERR | EPOLLHUP)) MarkClosing(stream);
    return;
  }
  if (events & (EPOLLIN | EPOLLRDHUP | EPOLLERR | EPOLLHUP)) HandleReadable(stream);
}

// --- Listeners -------------------------------------------------------------------------------

absl::Status EpollLoop::StartAccepting(int listen_fd, AcceptCallback on_accept) {
  auto listener = std::make_unique<Listener>();
  listener->kind = Source::Kind::kListener;
  listener->fd = listen_fd;
  listener->on_accept = std::move(on_accept);
  if (absl::Status status = WatchListener(listener.get()); !status.ok()) return status;
  listeners_.push_back(std::move(listener));
  return absl::OkStatus();
}

absl::Status EpollLoop::WatchListener(Listener* listener) {
  epoll_event event{};
  // EPOLLEXCLUSIVE: when several loops wait on one listening socket, a new connection wakes
  // one of them rather than all (no thundering herd). It is allowed with EPOLL_CTL_ADD only,
  // hence DEL and ADD again for a back-off.
  event.events = EPOLLIN | EPOLLEXCLUSIVE;
  event.data.ptr = listener;
  if (epoll_ctl(epoll_fd_.get(), EPOLL_CTL_ADD, listener->fd, &event) < 0) {
    return ErrnoStatus("epoll_ctl(listener)");
  }
  return absl::OkStatus();
}

void EpollLoop::BackOff(Listener* listener) {
  epoll_ctl(epoll_fd_.get(), EPOLL_CTL_DEL, listener->fd, nullptr);
  listener->backing_off = true;
  listener->retry_at = Clock::now() + kAcceptBackOff;
}

int EpollLoop::RetryListenersAndGetTimeout() {
  int timeout_ms = -1;
  Clock::time_point now = Clock::now();
  for (auto& listener : listeners_) {
    if (!listener->backing_off) continue;
    if (now >= listener->retry_at) {
      listener->backing_off = false;
      RestoreSpareFd();
      if (!WatchListener(listener.get()).ok()) BackOff(listener.get());
      continue;
    }
    timeout_ms = Sooner(timeout_ms, listener->retry_at - now);
  }
  if (next_tick()) timeout_ms = Sooner(timeout_ms, *next_tick() - now);  // the idle tick
  return timeout_ms;
}

void EpollLoop::HandleAccept(Listener* listener) {
  if (listener->backing_off) return;  // a stale event from this batch
  for (int i = 0; i < kMaxAcceptsPerEvent; ++i) {
    if (!AcceptOne(listener)) return;
  }
}

// Accepts one connection; false when the backlog is empty or the listener had to back off.
bool EpollLoop::AcceptOne(Listener* listener) {
  int fd = accept4(listener->fd, nullptr, nullptr, SOCK_NONBLOCK | SOCK_CLOEXEC);
  if (fd >= 0) {
    HandOver(listener->on_accept, fd);
    RunDeferred();
    return true;
  }
  switch (AfterAcceptError(listener->fd, errno)) {
    case AcceptNext::kWaitForMore:
      return false;
    case AcceptNext::kAcceptAgain:
      return true;
    case AcceptNext::kBackOff:
      BackOff(listener);
      return false;
  }
  return false;
}

// --- Streams ---------------------------------------------------------------------------------

std::unique_ptr<EventLoopCore::StreamState> EpollLoop::NewStream() {
  return std::make_unique<Stream>();
}

absl::Status EpollLoop::StartStream(StreamState* state) {
  epoll_event event{};
  event.events = EPOLLIN | EPOLLRDHUP;
  event.data.ptr = static_cast<Source*>(static_cast<Stream*>(state));
  if (epoll_ctl(epoll_fd_.get(), EPOLL_CTL_ADD, state->fd.get(), &event) < 0) {
    return ErrnoStatus("epoll_ctl(stream)");
  }
  return absl::OkStatus();
}

void EpollLoop::UpdateReceiving(StreamState* stream) {
  UpdateInterest(static_cast<Stream*>(stream));
}

void EpollLoop::UpdateInterest(Stream* stream) {
  epoll_event event{};
  uint32_t in = EPOLLIN | EPOLLRDHUP;
  uint32_t out = EPOLLOUT;
  bool receiving = !stream->paused && !stream->peer_closed;
  event.events = (receiving ? in : 0) | (stream->sending ? out : 0);
  event.data.ptr = static_cast<Source*>(stream);
  if (epoll_ctl(epoll_fd_.get(), EPOLL_CTL_MOD, stream->fd.get(), &event) < 0) {
    MarkClosing(stream);  // ENOMEM: better a closed stream than one that is never served
  }
}

// Out of the interest set at once: a closing stream gets no more events, and nothing is in
// flight, so OnClosed follows at the next safe point.
void EpollLoop::CancelIo(StreamState* stream) {
  epoll_ctl(epoll_fd_.get(), EPOLL_CTL_DEL, stream->fd.get(), nullptr);
}

void EpollLoop::HandleReadable(Stream* stream) {
  if (stream->tls == nullptr) {
    // A handler receiving a large value takes the bytes into its own memory (event_loop.h).
    absl::Span<char> target = stream->handler->ReceiveTarget();
    if (!target.empty()) {
      ReadInto(stream, target);
      return;
    }
  }
  ssize_t n = recv(stream->fd.get(), read_buffer_.data(), read_buffer_.size(), 0);
  if (n > 0) {
    std::string_view data(read_buffer_.data(), n);
    if (stream->tls != nullptr) {
      Deliver(stream, data);  // decrypted first
    } else {
      NoteActivity(stream);
      stream->handler->OnReceive(data);  // never held: a paused stream is not read
    }
    return;
  }
  if (n == 0) {
    HandlePeerClosed(stream);  // receiving is over, sending is not
  } else if (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR) {
    MarkClosing(stream);  // a reset, ...
  }
}

void EpollLoop::ReadInto(Stream* stream, absl::Span<char> target) {
  ssize_t n = recv(stream->fd.get(), target.data(), target.size(), 0);
  if (n > 0) {
    NoteActivity(stream);
    stream->handler->OnReceivedInto(static_cast<size_t>(n));
  } else if (n == 0) {
    HandlePeerClosed(stream);
  } else if (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR) {
    MarkClosing(stream);
  }
}

void EpollLoop::StartSend(StreamState* state) {
  auto* stream = static_cast<Stream*>(state);
  WriteSome(stream);
  if (!stream->send.empty() && !stream->closing && !stream->sending) {
    stream->sending = true;
    UpdateInterest(stream);
  }
}

void EpollLoop::WriteSome(Stream* stream) {
  while (!stream->send.empty()) {
    // One code path for one slice or many: sendmsg() of one iovec differs from send() only by
    // copying in the message header and the iovec.
    absl::Span<const iovec> window = stream->send.Window(SendCursor::kMaxSlicesPerCall);
    msghdr message{};
    message.msg_iov = const_cast<iovec*>(window.data());
    message.msg_iovlen = window.size();
    // MSG_NOSIGNAL: a peer that reset the connection must cost an EPIPE, not the process.
    ssize_t n = sendmsg(stream->fd.get(), &message, MSG_NOSIGNAL);
    if (n > 0) {
      NoteActivity(stream);
      stream->send.Advance(n);
      continue;
    }
    if (n < 0 && errno == EINTR) continue;
    if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) return;
    MarkClosing(stream);  // EPIPE, ECONNRESET, ...
    return;
  }
  CompleteSendLater(stream);
}

void EpollLoop::HandleWritable(Stream* stream) {
  if (!stream->sending) return;
  WriteSome(stream);
  if (stream->send.empty() && !stream->closing) {
    stream->sending = false;
    UpdateInterest(stream);
  }
}

}  // namespace memkv::server
