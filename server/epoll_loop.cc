#include "server/epoll_loop.h"

#include <errno.h>
#include <fcntl.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <unistd.h>

#include <utility>

namespace memkv::server {
namespace {

constexpr size_t kReadBufferBytes = 64 * 1024;
constexpr int kMaxEventsPerWait = 256;
// Accepts per readiness event: enough to drain a burst, bounded so streams are not starved.
constexpr int kMaxAcceptsPerEvent = 64;

}  // namespace

absl::StatusOr<std::unique_ptr<EpollLoop>> EpollLoop::Create() {
  UniqueFd epoll_fd(epoll_create1(EPOLL_CLOEXEC));
  if (!epoll_fd) return ErrnoStatus("epoll_create1");
  UniqueFd wake_fd(eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC));
  if (!wake_fd) return ErrnoStatus("eventfd");
  UniqueFd spare_fd(open("/dev/null", O_RDONLY | O_CLOEXEC));
  std::unique_ptr<EpollLoop> loop(
      new EpollLoop(std::move(epoll_fd), std::move(wake_fd), std::move(spare_fd)));
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
    int n = epoll_wait(epoll_fd_.get(), events, kMaxEventsPerWait, -1);
    if (n < 0 && errno != EINTR) break;
    for (int i = 0; i < n; ++i) {
      auto* source = static_cast<Source*>(events[i].data.ptr);
      switch (source->kind) {
        case Source::Kind::kWakeup: {
          uint64_t ignored;
          [[maybe_unused]] ssize_t r = read(wake_fd_.get(), &ignored, sizeof(ignored));
          break;
        }
        case Source::Kind::kListener:
          HandleAccept(static_cast<Listener*>(source));
          break;
        case Source::Kind::kStream: {
          auto* stream = static_cast<Stream*>(source);
          if (stream->closed) break;  // closed earlier in this batch
          if (events[i].events & EPOLLOUT) HandleWritable(stream);
          if (!stream->closing && (events[i].events & (EPOLLIN | EPOLLHUP | EPOLLERR))) {
            HandleReadable(stream);
          }
          break;
        }
      }
      RunDeferred();
    }
    RunPostedTasks();
    graveyard_.clear();
  }
  CloseAllStreams();
}

void EpollLoop::Stop() {
  stop_.store(true, std::memory_order_release);
  uint64_t one = 1;
  [[maybe_unused]] ssize_t r = write(wake_fd_.get(), &one, sizeof(one));
}

void EpollLoop::Post(absl::AnyInvocable<void() &&> task) {
  bool was_empty;
  {
    absl::MutexLock lock(&post_mutex_);
    was_empty = posted_.empty();
    posted_.push_back(std::move(task));
  }
  // One wake-up per batch of posts: the loop drains the whole queue when it wakes.
  if (was_empty) {
    uint64_t one = 1;
    [[maybe_unused]] ssize_t r = write(wake_fd_.get(), &one, sizeof(one));
  }
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
  epoll_event event{};
  // EPOLLEXCLUSIVE: when several loops wait on one listening socket, a new connection wakes
  // one of them rather than all (no thundering herd).
  event.events = EPOLLIN | EPOLLEXCLUSIVE;
  event.data.ptr = listener.get();
  if (epoll_ctl(epoll_fd_.get(), EPOLL_CTL_ADD, listen_fd, &event) < 0) {
    return ErrnoStatus("epoll_ctl(listener)");
  }
  listeners_.push_back(std::move(listener));
  return absl::OkStatus();
}

void EpollLoop::HandleAccept(Listener* listener) {
  for (int i = 0; i < kMaxAcceptsPerEvent; ++i) {
    int fd = accept4(listener->fd, nullptr, nullptr, SOCK_NONBLOCK | SOCK_CLOEXEC);
    if (fd >= 0) {
      (void)SetNoDelay(fd);
      listener->on_accept(fd);
      RunDeferred();
      continue;
    }
    if ((errno == EMFILE || errno == ENFILE) && spare_fd_) {
      // Out of descriptors: free the spare, accept and drop the connection, take the spare back.
      spare_fd_.reset();
      int dropped = accept(listener->fd, nullptr, nullptr);
      if (dropped >= 0) close(dropped);
      spare_fd_.reset(open("/dev/null", O_RDONLY | O_CLOEXEC));
      continue;
    }
    return;  // EAGAIN, or an error on a connection that died in the backlog
  }
}

absl::Status EpollLoop::AddStream(int fd, StreamHandler* handler) {
  if (fd < 0) return absl::InvalidArgumentError("bad fd");
  if (static_cast<size_t>(fd) >= streams_.size()) streams_.resize(fd + 1);
  auto stream = std::make_unique<Stream>();
  stream->kind = Source::Kind::kStream;
  stream->fd = UniqueFd(fd);
  stream->handler = handler;
  epoll_event event{};
  event.events = EPOLLIN | EPOLLRDHUP;
  event.data.ptr = stream.get();
  if (epoll_ctl(epoll_fd_.get(), EPOLL_CTL_ADD, fd, &event) < 0) {
    absl::Status status = ErrnoStatus("epoll_ctl(stream)");
    stream->fd.release();  // the caller keeps the fd when we fail
    return status;
  }
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
  event.events = (stream->paused ? 0 : EPOLLIN | EPOLLRDHUP) | (stream->sending ? EPOLLOUT : 0);
  event.data.ptr = stream;
  epoll_ctl(epoll_fd_.get(), EPOLL_CTL_MOD, stream->fd.get(), &event);
}

void EpollLoop::HandleReadable(Stream* stream) {
  if (stream->paused) return;
  ssize_t n = recv(stream->fd.get(), read_buffer_.data(), read_buffer_.size(), 0);
  if (n > 0) {
    stream->handler->OnReceive(std::string_view(read_buffer_.data(), n));
    return;
  }
  if (n < 0 && (errno == EAGAIN || errno == EINTR)) return;
  MarkClosing(stream);  // orderly shutdown by the peer, or a reset
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
    ssize_t n = send(stream->fd.get(), stream->send_data, stream->send_left, MSG_NOSIGNAL);
    if (n > 0) {
      stream->send_data += n;
      stream->send_left -= n;
      continue;
    }
    if (n < 0 && errno == EINTR) continue;
    if (n < 0 && errno == EAGAIN) return;
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
  if (stream == nullptr || stream->paused || stream->closing) return;
  stream->paused = true;
  UpdateInterest(stream);
}

void EpollLoop::ResumeReceive(int fd) {
  Stream* stream = Find(fd);
  if (stream == nullptr || !stream->paused || stream->closing) return;
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
