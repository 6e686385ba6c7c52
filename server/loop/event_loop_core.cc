#include "server/loop/event_loop_core.h"

#include <errno.h>
#include <fcntl.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <utility>

namespace memkv::server {
namespace {

UniqueFd OpenSpareFd() { return UniqueFd(open("/dev/null", O_RDONLY | O_CLOEXEC)); }

void Wake(int event_fd) {
  uint64_t one = 1;
  // Cannot fail short of a counter overflow (2^64 - 1 wake-ups nobody read).
  [[maybe_unused]] ssize_t r = write(event_fd, &one, sizeof(one));
}

}  // namespace

EventLoopCore::EventLoopCore(UniqueFd wake_fd)
    : wake_fd_(std::move(wake_fd)), spare_fd_(OpenSpareFd()) {}

// Engines close their streams in their own destructors, while their hooks still exist.
EventLoopCore::~EventLoopCore() = default;

// --- Run, Stop, Post -------------------------------------------------------------------------

void EventLoopCore::Run() {
  if (ran_) return;
  ran_ = true;
  if (!stop_.load(std::memory_order_acquire) && StartEngine()) {
    while (!stop_.load(std::memory_order_acquire)) {
      if (!WaitAndHandle()) break;
      RunPostedTasks();
      TickIfDue();
      graveyard_.clear();
    }
    StopEngine();
  }
  CloseAllStreams();
  DropPostedTasks();
}

void EventLoopCore::Stop() {
  stop_.store(true, std::memory_order_release);
  Wake(wake_fd_.get());
}

void EventLoopCore::Post(absl::AnyInvocable<void() &&> task) {
  bool was_empty;
  {
    absl::MutexLock lock(&post_mutex_);
    was_empty = posted_.empty();
    posted_.push_back(std::move(task));
  }
  // One wake-up per batch of posts: the loop swaps out the whole queue every turn, and the
  // eventfd stays readable (or its read completed) until then.
  if (was_empty) Wake(wake_fd_.get());
}

// Taken under the lock, run or destroyed outside it: a task (or its destructor) may Post.
std::vector<absl::AnyInvocable<void() &&>> EventLoopCore::TakePostedTasks() {
  std::vector<absl::AnyInvocable<void() &&>> tasks;
  absl::MutexLock lock(&post_mutex_);
  tasks.swap(posted_);
  return tasks;
}

void EventLoopCore::RunPostedTasks() {
  for (auto& task : TakePostedTasks()) {
    std::move(task)();
    RunDeferred();
  }
}

// Tasks that missed the last turn are destroyed here, on the loop thread, without running:
// whatever they own (a handed-over socket, say) is released by their destructors.
void EventLoopCore::DropPostedTasks() { TakePostedTasks(); }

// --- The tick: idle streams ------------------------------------------------------------------

void EventLoopCore::SetIdleTimeout(std::chrono::milliseconds timeout) {
  if (timeout <= std::chrono::milliseconds::zero()) {
    next_tick_.reset();
    return;
  }
  // A period of at most a second, so that a stream is told at most a second late; shorter for a
  // shorter timeout (the tests'), which then takes one period.
  Clock::duration period = std::min<Clock::duration>(timeout, std::chrono::seconds(1));
  tick_period_ = period;
  idle_ticks_ = static_cast<uint64_t>((timeout + period - Clock::duration(1)) / period);
  next_tick_ = Clock::now() + period;
}

void EventLoopCore::TickIfDue() {
  if (!next_tick_) return;
  Clock::time_point now = Clock::now();
  if (now < *next_tick_) return;
  // From now, not from the deadline: a late tick never brings the next one closer than a
  // period, so that more than idle_ticks_ ticks always span at least the timeout.
  next_tick_ = now + tick_period_;
  ++ticks_;
  CheckIdleStreams();
}

// A stream last active at tick s was active before tick s + 1 ran; at tick T, more than
// idle_ticks_ ticks later, it has been silent for at least (T - s - 1) periods >= the timeout.
void EventLoopCore::CheckIdleStreams() {
  // By index: a handler may add streams (the table may grow) or close them (their slot empties
  // once RunDeferred has finished them).
  for (size_t fd = 0; fd < streams_.size(); ++fd) {
    StreamState* stream = streams_[fd].get();
    if (stream == nullptr || stream->closing) continue;
    if (ticks_ - stream->active_tick <= idle_ticks_) continue;
    stream->handler->OnIdle();
    RunDeferred();
  }
}

// --- Streams ---------------------------------------------------------------------------------

absl::Status EventLoopCore::AddStream(int fd, StreamHandler* handler) {
  return AddStreamWith(fd, handler, nullptr);
}

absl::Status EventLoopCore::AddStreamWith(int fd, StreamHandler* handler,
                                          std::unique_ptr<TlsSession> tls) {
  if (fd < 0) return absl::InvalidArgumentError("AddStream: bad fd");
  if (FindStream(fd) != nullptr) {
    // A caller bug: this number belongs to a live stream, so it is not the caller's to give.
    return absl::AlreadyExistsError("AddStream: fd is already a stream of this loop");
  }
  if (static_cast<size_t>(fd) >= streams_.size()) streams_.resize(fd + 1);
  std::unique_ptr<StreamState> stream = NewStream();
  stream->fd = UniqueFd(fd);  // ours from here on, also when we fail
  stream->handler = handler;
  if (tls != nullptr) {
    stream->tls = std::make_unique<TlsState>();
    stream->tls->session = std::move(tls);
  }
  NoteActivity(stream.get());  // idle from its start, not from the loop's
  StreamState* raw = stream.get();
  streams_[fd] = std::move(stream);
  absl::Status status = StartStream(raw);
  if (!status.ok()) streams_[fd].reset();  // closes the fd; no handler call
  return status;
}

void EventLoopCore::Send(int fd, absl::Span<const iovec> slices) {
  StreamState* stream = FindStream(fd);
  if (stream == nullptr || stream->closing) return;
  if (stream->tls != nullptr) {
    SendTls(stream, slices);
    return;
  }
  stream->send.Reset(slices);
  if (stream->send.empty()) {
    CompleteSendLater(stream);  // nothing to write: complete at the next safe point
    return;
  }
  StartSend(stream);
}

// The one slice may live on this stack frame: the cursor keeps a copy of the slice array.
void EventLoopCore::Send(int fd, std::string_view data) {
  iovec slice{const_cast<char*>(data.data()), data.size()};
  Send(fd, absl::MakeConstSpan(&slice, 1));
}

bool EventLoopCore::HasStreams() const {
  for (const auto& stream : streams_) {
    if (stream != nullptr) return true;
  }
  return false;
}

void EventLoopCore::PauseReceive(int fd) {
  StreamState* stream = FindStream(fd);
  // After OnPeerClosed there is nothing left to receive, so nothing to pause or resume.
  if (stream == nullptr || stream->paused || stream->closing) return;
  if (stream->peer_close_reported) return;
  stream->paused = true;
  UpdateReceiving(stream);
}

void EventLoopCore::ResumeReceive(int fd) {
  StreamState* stream = FindStream(fd);
  if (stream == nullptr || !stream->paused || stream->closing) return;
  stream->paused = false;
  if (!stream->held.empty() || stream->peer_closed) {
    deliveries_.push_back(stream);  // at the next safe point, not inside the caller's callback
  } else {
    UpdateReceiving(stream);
  }
}

void EventLoopCore::CloseStream(int fd) {
  StreamState* stream = FindStream(fd);
  if (stream == nullptr) return;
  if (stream->tls != nullptr && !stream->closing) SayCloseNotify(stream);
  MarkClosing(stream);
}

void EventLoopCore::HandlePeerClosed(StreamState* stream) {
  stream->peer_closed = true;
  UpdateReceiving(stream);  // for good: level-triggered epoll would report the FIN forever
  if (stream->closing || stream->paused || !stream->held.empty()) return;
  ReportPeerClosed(stream);  // else after ResumeReceive has delivered what is held
}

void EventLoopCore::ReportPeerClosed(StreamState* stream) {
  if (stream->peer_close_reported) return;
  stream->peer_close_reported = true;
  stream->handler->OnPeerClosed();
}

void EventLoopCore::MarkClosing(StreamState* stream) {
  if (stream->closing) return;
  stream->closing = true;
  stream->held.clear();
  CancelIo(stream);
  closing_.push_back(stream);
}

void EventLoopCore::MarkAllClosing() {
  for (auto& stream : streams_) {
    if (stream == nullptr) continue;
    if (stream->closing) {
      // Again: it may be waiting for a completion that the engine has given up on.
      closing_.push_back(stream.get());
    } else {
      MarkClosing(stream.get());
    }
  }
}

void EventLoopCore::CloseAllStreams() {
  MarkAllClosing();
  RunDeferred();
  graveyard_.clear();
}

// --- Deferred callbacks ----------------------------------------------------------------------

void EventLoopCore::RunAllDeferred() {
  // The callbacks may send, resume and close again: until all three lists are empty.
  while (!completed_sends_.empty() || !deliveries_.empty() || !closing_.empty()) {
    RunCompletedSends();
    RunDeliveries();
    RunCloses();
  }
}

void EventLoopCore::RunCompletedSends() {
  scratch_.clear();
  scratch_.swap(completed_sends_);
  for (StreamState* stream : scratch_) {
    if (!stream->closing) SendDone(stream);
  }
}

void EventLoopCore::RunDeliveries() {
  scratch_.clear();
  scratch_.swap(deliveries_);
  for (StreamState* stream : scratch_) {
    if (stream->closing || stream->paused) continue;
    if (!stream->held.empty()) {
      std::string held = std::move(stream->held);
      stream->held.clear();
      stream->handler->OnReceive(held);
      if (stream->closing || stream->paused) continue;
    }
    if (stream->peer_closed) {
      ReportPeerClosed(stream);
    } else {
      UpdateReceiving(stream);
    }
  }
}

void EventLoopCore::RunCloses() {
  scratch_.clear();
  scratch_.swap(closing_);
  for (StreamState* stream : scratch_) {
    if (!stream->closed && !HasIoInFlight(*stream)) Finish(stream);
  }
}

void EventLoopCore::Finish(StreamState* stream) {
  stream->closed = true;
  std::unique_ptr<StreamState> owned = std::move(streams_[stream->fd.get()]);
  owned->fd.reset();  // closed before OnClosed: the number may be reused right after
  StreamHandler* handler = owned->handler;
  graveyard_.push_back(std::move(owned));
  handler->OnClosed();
}

// --- Accepting -------------------------------------------------------------------------------

EventLoopCore::AcceptNext EventLoopCore::AfterAcceptError(int listen_fd, int error) {
  if (error == EAGAIN || error == EWOULDBLOCK) return AcceptNext::kWaitForMore;
  if (IsPerConnectionAcceptError(error)) return AcceptNext::kAcceptAgain;
  if ((error == EMFILE || error == ENFILE) && spare_fd_) {
    // Out of descriptors: free the spare, accept and drop the connection (the client sees it
    // closed instead of waiting in the backlog), take the spare back.
    spare_fd_.reset();
    UniqueFd dropped(accept4(listen_fd, nullptr, nullptr, SOCK_CLOEXEC));
    dropped.reset();
    spare_fd_ = OpenSpareFd();
    return AcceptNext::kAcceptAgain;
  }
  return AcceptNext::kBackOff;
}

void EventLoopCore::RestoreSpareFd() {
  if (!spare_fd_) spare_fd_ = OpenSpareFd();
}

void EventLoopCore::HandOver(AcceptCallback& on_accept, int fd) {
  (void)SetNoDelay(fd);  // fails only for non-TCP sockets, where it does not matter
  on_accept(fd);
}

}  // namespace memkv::server
