#include "server/loop/epoll_loop.h"

#include <errno.h>
#include <fcntl.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <utility>

namespace memkv::server {
namespace {

constexpr size_t kReadBufferBytes = 64 * 1024;
constexpr int kMaxEventsPerWait = 256;
// Accepts per readiness event: enough to drain a burst, bounded so streams are not starved; the
// level-triggered listener reports the rest of the backlog on the next turn.
constexpr int kMaxAcceptsPerEvent = 64;
// How long a listener rests after an accept error that says "no resources" (EMFILE with the spare
// descriptor gone, ENFILE, ENOBUFS, ENOMEM): long enough not to spin, short enough that clients
// barely notice once descriptors are free again.
constexpr auto kAcceptBackOff = std::chrono::milliseconds(100);

UniqueFd OpenSpareFd() { return UniqueFd(open("/dev/null", O_RDONLY | O_CLOEXEC)); }

void Wake(int event_fd) {
  uint64_t one = 1;
  // Cannot fail short of a counter overflow (2^64 - 1 wake-ups nobody read).
  [[maybe_unused]] ssize_t r = write(event_fd, &one, sizeof(one));
}

}  // namespace

absl::StatusOr<std::unique_ptr<EpollLoop>> EpollLoop::Create() {
  UniqueFd epoll_fd(epoll_create1(EPOLL_CLOEXEC));
  if (!epoll_fd) return ErrnoStatus("epoll_create1");
  UniqueFd wake_fd(eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC));
  if (!wake_fd) return ErrnoStatus("eventfd");
  std::unique_ptr<EpollLoop> loop(
      new EpollLoop(std::move(epoll_fd), std::move(wake_fd), OpenSpareFd()));
  epoll_event event{};
  event.events = EPOLLIN;
  event.data.ptr = &loop->wake_source_;
  if (epoll_ctl(loop->epoll_fd_.get(), EPOLL_CTL_ADD, loop->wake_fd_.get(), &event) < 0) {
    return ErrnoStatus("epoll_ctl(eventfd)");
  }
  return loop;
}

absl::StatusOr<std::unique_ptr<EventLoop>> MakeEpollLoop() {
  absl::StatusOr<std::unique_ptr<EpollLoop>> loop = EpollLoop::Create();
  if (!loop.ok()) return loop.status();
  return std::unique_ptr<EventLoop>(std::move(*loop));
}

EpollLoop::EpollLoop(UniqueFd epoll_fd, UniqueFd wake_fd, UniqueFd spare_fd)
    : epoll_fd_(std::move(epoll_fd)),
      wake_fd_(std::move(wake_fd)),
      spare_fd_(std::move(spare_fd)),
      read_buffer_(kReadBufferBytes) {}

EpollLoop::~EpollLoop() { CloseAllStreams(); }

void EpollLoop::Run() {
  epoll_event events[kMaxEventsPerWait];
  while (!stop_.load(std::memory_order_acquire)) {
    int timeout_ms = RetryListenersAndGetTimeout();
    int n = epoll_wait(epoll_fd_.get(), events, kMaxEventsPerWait, timeout_ms);
    if (n < 0 && errno != EINTR) break;  // only EBADF/EINVAL: the loop itself is broken
    for (int i = 0; i < n; ++i) {
      Dispatch(events[i]);
      RunDeferred();
    }
    RunPostedTasks();
    graveyard_.clear();
  }
  CloseAllStreams();
  // Tasks that missed the last turn are destroyed here, on the loop thread, without running:
  // whatever they own (a handed-over socket, say) is released by their destructors.
  std::vector<absl::AnyInvocable<void() &&>> dropped;
  absl::MutexLock lock(&post_mutex_);
  dropped.swap(posted_);
}

void EpollLoop::Dispatch(const epoll_event& event) {
  auto* source = static_cast<Source*>(event.data.ptr);
  switch (source->kind) {
    case Source::Kind::kWakeup: {
      uint64_t ignored;
      [[maybe_unused]] ssize_t r = read(wake_fd_.get(), &ignored, sizeof(ignored));
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
  if (stream->closed) return;  // closed earlier in this batch; the object is in graveyard_
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

void EpollLoop::Stop() {
  stop_.store(true, std::memory_order_release);
  Wake(wake_fd_.get());
}

void EpollLoop::Post(absl::AnyInvocable<void() &&> task) {
  bool was_empty;
  {
    absl::MutexLock lock(&post_mutex_);
    was_empty = posted_.empty();
    posted_.push_back(std::move(task));
  }
  // One wake-up per batch of posts: the loop swaps out the whole queue every turn, and the
  // eventfd stays readable until then.
  if (was_empty) Wake(wake_fd_.get());
}

void EpollLoop::RunPostedTasks() {
  std::vector<absl::AnyInvocable<void() &&>> tasks;
  {
    absl::MutexLock lock(&post_mutex_);
    tasks.swap(posted_);
  }
  for (auto& task : tasks) {
    std::move(task)();
    RunDeferred();
  }
}

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
      if (!spare_fd_) spare_fd_ = OpenSpareFd();
      if (!WatchListener(listener.get()).ok()) BackOff(listener.get());
      continue;
    }
    auto wait = std::chrono::ceil<std::chrono::milliseconds>(listener->retry_at - now);
    int wait_ms = static_cast<int>(wait.count());
    timeout_ms = timeout_ms < 0 ? wait_ms : std::min(timeout_ms, wait_ms);
  }
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
    (void)SetNoDelay(fd);  // fails only for non-TCP sockets, where it does not matter
    listener->on_accept(fd);
    RunDeferred();
    return true;
  }
  int error = errno;
  if (error == EAGAIN || error == EWOULDBLOCK) return false;
  if (IsPerConnectionAcceptError(error)) return true;
  if ((error == EMFILE || error == ENFILE) && spare_fd_) {
    // Out of descriptors: free the spare, accept and drop the connection (the client sees it
    // closed instead of waiting in the backlog), take the spare back.
    spare_fd_.reset();
    UniqueFd dropped(accept4(listener->fd, nullptr, nullptr, SOCK_CLOEXEC));
    dropped.reset();
    spare_fd_ = OpenSpareFd();
    return true;
  }
  BackOff(listener);
  return false;
}

absl::Status EpollLoop::AddStream(int fd, StreamHandler* handler) {
  if (fd < 0) return absl::InvalidArgumentError("AddStream: bad fd");
  if (Find(fd) != nullptr) {
    // A caller bug: this number belongs to a live stream, so it is not the caller's to give.
    return absl::AlreadyExistsError("AddStream: fd is already a stream of this loop");
  }
  UniqueFd owned(fd);  // ours from here on, also when we fail
  if (static_cast<size_t>(fd) >= streams_.size()) streams_.resize(fd + 1);
  auto stream = std::make_unique<Stream>();
  stream->kind = Source::Kind::kStream;
  stream->handler = handler;
  epoll_event event{};
  event.events = EPOLLIN | EPOLLRDHUP;
  event.data.ptr = stream.get();
  if (epoll_ctl(epoll_fd_.get(), EPOLL_CTL_ADD, fd, &event) < 0) {
    return ErrnoStatus("epoll_ctl(stream)");
  }
  stream->fd = std::move(owned);
  streams_[fd] = std::move(stream);
  return absl::OkStatus();
}

EpollLoop::Stream* EpollLoop::Find(int fd) {
  if (fd < 0 || static_cast<size_t>(fd) >= streams_.size()) return nullptr;
  Stream* stream = streams_[fd].get();
  return (stream == nullptr || stream->closed) ? nullptr : stream;
}

void EpollLoop::UpdateInterest(Stream* stream) {
  epoll_event event{};
  uint32_t in = EPOLLIN | EPOLLRDHUP;
  uint32_t out = EPOLLOUT;
  bool receiving = !stream->paused && !stream->peer_closed;
  event.events = (receiving ? in : 0) | (stream->sending ? out : 0);
  event.data.ptr = stream;
  if (epoll_ctl(epoll_fd_.get(), EPOLL_CTL_MOD, stream->fd.get(), &event) < 0) {
    MarkClosing(stream);  // ENOMEM: better a closed stream than one that is never served
  }
}

void EpollLoop::HandleReadable(Stream* stream) {
  ssize_t n = recv(stream->fd.get(), read_buffer_.data(), read_buffer_.size(), 0);
  if (n > 0) {
    stream->handler->OnReceive(std::string_view(read_buffer_.data(), n));
    return;
  }
  if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR)) return;
  if (n < 0) {
    MarkClosing(stream);  // a reset, ...
    return;
  }
  // The peer's FIN: receiving is over, sending is not.
  stream->peer_closed = true;
  UpdateInterest(stream);
  if (!stream->closing) stream->handler->OnPeerClosed();
}

void EpollLoop::Send(int fd, std::string_view data) {
  Stream* stream = Find(fd);
  if (stream == nullptr || stream->closing) return;
  stream->send_data = data.data();
  stream->send_left = data.size();
  WriteSome(stream);
  if (stream->send_left > 0 && !stream->closing && !stream->sending) {
    stream->sending = true;
    UpdateInterest(stream);
  }
}

void EpollLoop::WriteSome(Stream* stream) {
  while (stream->send_left > 0) {
    // MSG_NOSIGNAL: a peer that reset the connection must cost an EPIPE, not the process.
    ssize_t n = send(stream->fd.get(), stream->send_data, stream->send_left, MSG_NOSIGNAL);
    if (n > 0) {
      stream->send_data += n;
      stream->send_left -= n;
      continue;
    }
    if (n < 0 && errno == EINTR) continue;
    if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) return;
    MarkClosing(stream);  // EPIPE, ECONNRESET, ...
    return;
  }
  completed_sends_.push_back(stream);
}

void EpollLoop::HandleWritable(Stream* stream) {
  if (!stream->sending) return;
  WriteSome(stream);
  if (stream->send_left == 0 && !stream->closing) {
    stream->sending = false;
    UpdateInterest(stream);
  }
}

void EpollLoop::PauseReceive(int fd) {
  Stream* stream = Find(fd);
  if (stream == nullptr || stream->paused || stream->closing || stream->peer_closed) return;
  stream->paused = true;
  UpdateInterest(stream);
}

void EpollLoop::ResumeReceive(int fd) {
  Stream* stream = Find(fd);
  if (stream == nullptr || !stream->paused || stream->closing || stream->peer_closed) return;
  stream->paused = false;
  UpdateInterest(stream);
}

void EpollLoop::CloseStream(int fd) {
  Stream* stream = Find(fd);
  if (stream != nullptr) MarkClosing(stream);
}

void EpollLoop::MarkClosing(Stream* stream) {
  if (stream->closing) return;
  stream->closing = true;
  closing_.push_back(stream);
}

void EpollLoop::RunDeferred() {
  // Completions may trigger new sends and closes; loop until both lists are empty.
  while (!completed_sends_.empty() || !closing_.empty()) {
    std::vector<Stream*> sends;
    sends.swap(completed_sends_);
    for (Stream* stream : sends) {
      if (!stream->closing) stream->handler->OnSendComplete();
    }
    std::vector<Stream*> closes;
    closes.swap(closing_);
    for (Stream* stream : closes) {
      int fd = stream->fd.get();
      epoll_ctl(epoll_fd_.get(), EPOLL_CTL_DEL, fd, nullptr);
      stream->closed = true;
      std::unique_ptr<Stream> owned = std::move(streams_[fd]);
      owned->fd.reset();  // close before OnClosed: the number may be reused right after
      StreamHandler* handler = owned->handler;
      graveyard_.push_back(std::move(owned));  // stale events in this batch may still point here
      handler->OnClosed();
    }
  }
}

void EpollLoop::CloseAllStreams() {
  for (auto& stream : streams_) {
    if (stream != nullptr && !stream->closed) MarkClosing(stream.get());
  }
  RunDeferred();
  graveyard_.clear();
}

}  // namespace memkv::server
