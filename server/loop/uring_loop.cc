#include "server/loop/uring_loop.h"

#include <errno.h>
#include <poll.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <utility>

#include "absl/strings/str_cat.h"
#include "server/loop/log.h"

namespace memkv::server {
namespace {

constexpr unsigned kSubmissionEntries = 1024;
// Multishot receives post one completion per arrival: room for several per submission.
constexpr unsigned kCompletionEntries = 8 * kSubmissionEntries;
// Completions handled per turn before the posted tasks get their go.
constexpr unsigned kCompletionsPerTurn = 512;
// Provided buffers (count in Options): 16 KiB holds a typical batch of requests in one
// completion.
constexpr uint16_t kBufferGroup = 0;
constexpr size_t kProvidedBufferBytes = 16 * 1024;
// Per-stream buffer of the single-shot fallback.
constexpr size_t kRecvBufferBytes = 16 * 1024;
// One send submission at most; the rest follows as for a short send (sqe->len is 32 bits).
constexpr size_t kMaxSendBytes = 1 << 30;

// --- user_data layout ------------------------------------------------------------------------
//   bits 63..32  the stream's fd (kRecv, kSend*), or the listener's index (kAccept*); else 0
//   bits 31..24  for kCancel only: the operation the cancel aims at (the rest is the target's)
//   bits 23..8   the arm sequence of a receive (16 bits, wrapping): a cancel names the exact
//                receive it aims at, so it can never hit the receive armed after it
//   bits  7..0   the operation, one of Op
// A stream's fd identifies it safely: the fd is closed only after its last completion.
enum Op : uint8_t {
  kWake = 1,     // eventfd read: Post() or Stop()
  kAccept,       // (multishot) accept
  kAcceptPoll,   // waiting for the listener to be readable after EAGAIN
  kAcceptRetry,  // timeout after an accept error that said "no resources"
  kRecv,         // (multishot) receive
  kSend,         // send or sendmsg with MSG_DONTWAIT
  kSendPoll,     // waiting for the stream to be writable after a send's EAGAIN
  kCancel,       // a cancel request; its target is encoded in the rest of user_data
  kTick,         // timeout until the core's next idle tick (SetIdleTimeout)
};

constexpr uint32_t kSeqMask = 0xffff;

uint64_t Pack(Op op, uint32_t id, uint32_t seq = 0) {
  return (uint64_t{id} << 32) | (uint64_t{seq & kSeqMask} << 8) | op;
}

Op OpOf(uint64_t user_data) { return static_cast<Op>(user_data & 0xff); }
uint32_t IdOf(uint64_t user_data) { return static_cast<uint32_t>(user_data >> 32); }
uint32_t SeqOf(uint64_t user_data) { return (user_data >> 8) & kSeqMask; }
uint64_t CancelOf(uint64_t target) {
  return (target & ~uint64_t{0xff}) | (uint64_t{OpOf(target)} << 24) | kCancel;
}

uint64_t TargetOf(uint64_t cancel) {
  return (cancel & ~uint64_t{0xff0000ff}) | ((cancel >> 24) & 0xff);
}

}  // namespace

absl::StatusOr<std::unique_ptr<UringLoop>> UringLoop::Create(const Options& options) {
  absl::StatusOr<std::unique_ptr<UringRing>> ring =
      UringRing::Create(kSubmissionEntries, kCompletionEntries, options.optional_setup_flags);
  if (!ring.ok()) return ring.status();
  // Blocking on purpose: io_uring answers a read of an O_NONBLOCK file with EAGAIN instead of
  // waiting for it. Post() never blocks on it (only a counter overflow could).
  UniqueFd wake_fd(eventfd(0, EFD_CLOEXEC));
  if (!wake_fd) return ErrnoStatus("eventfd");
  std::unique_ptr<ProvidedBuffers> provided;
  if (options.provided_buffers > 0) {
    absl::StatusOr<std::unique_ptr<ProvidedBuffers>> buffers = ProvidedBuffers::Register(
        (*ring)->get(), kBufferGroup, options.provided_buffers, kProvidedBufferBytes);
    // No buffer rings (before 5.19): single-shot receives into per-stream buffers.
    if (buffers.ok()) provided = *std::move(buffers);
  }
  auto loop = std::unique_ptr<UringLoop>(
      new UringLoop(*std::move(ring), std::move(provided), std::move(wake_fd)));
  loop->multishot_accept_ = options.multishot_accept;
  return loop;
}

absl::StatusOr<std::unique_ptr<EventLoop>> MakeUringLoop() {
  absl::StatusOr<std::unique_ptr<UringLoop>> loop = UringLoop::Create(UringLoop::Options());
  if (!loop.ok()) return loop.status();
  return std::unique_ptr<EventLoop>(*std::move(loop));
}

UringLoop::UringLoop(std::unique_ptr<UringRing> ring, std::unique_ptr<ProvidedBuffers> buffers,
                     UniqueFd wake_fd)
    : EventLoopCore(std::move(wake_fd)),
      buffers_(std::move(buffers)),
      multishot_recv_(buffers_ != nullptr),
      ring_(std::move(ring)) {}

// After Run() nothing is left; a loop that never ran has submitted nothing, so its streams can
// be finished directly.
UringLoop::~UringLoop() { CloseAllStreams(); }

std::string UringLoop::Describe() const {
  return absl::StrCat(
      "io_uring (", ring_->DescribeSetup(),
      multishot_accept_ ? "; multishot accept when unshared" : "; single-shot accept",
      multishot_recv_ ? "; multishot receive, provided buffers)" : "; single-shot receive)");
}

// --- Run: start, one turn, drain ----------------------------------------------------------

bool UringLoop::StartEngine() {
  if (absl::Status enabled = ring_->EnableOnThisThread(); !enabled.ok()) {
    Logf(LogLevel::kError, "io_uring loop cannot start: %s", enabled.ToString());
    return false;
  }
  running_ = true;
  ArmWake();
  ArmAll();
  RunDeferred();
  return true;
}

bool UringLoop::WaitAndHandle() {
  ArmTick();
  // The one system call per turn: submits what the last turn prepared, waits for work.
  int result = io_uring_submit_and_wait(ring_->get(), 1);
  if (result < 0 && result != -EINTR && result != -EBUSY && result != -EAGAIN) {
    Logf(LogLevel::kError, "io_uring wait failed: %s", strerror(-result));
    return false;
  }
  ReapCompletions();
  return true;
}

// Cancels everything and waits for the completions, so that every stream ends with nothing in
// flight.
void UringLoop::StopEngine() {
  shutting_down_ = true;
  MarkAllClosing();
  for (auto& listener : listeners_) {
    if (listener->accept_armed) Cancel(Pack(kAccept, listener->index));
    if (listener->waiting_op != 0) {
      Cancel(Pack(static_cast<Op>(listener->waiting_op), listener->index));
    }
  }
  if (wake_armed_) Cancel(Pack(kWake, 0));
  if (tick_armed_) Cancel(Pack(kTick, 0));
  RunDeferred();
  while (AnythingInFlight()) {
    int result = io_uring_submit_and_wait(ring_->get(), 1);
    if (result < 0 && result != -EINTR && result != -EBUSY && result != -EAGAIN) break;
    ReapCompletions();
  }
  // From here HasIoInFlight is false: if the ring broke, what it holds dies with it.
  running_ = false;
}

bool UringLoop::AnythingInFlight() const {
  if (wake_armed_ || tick_armed_) return true;
  for (const auto& listener : listeners_) {
    if (listener->accept_armed || listener->waiting_op != 0) return true;
  }
  return HasStreams();  // a stream leaves the table after its last completion
}

// --- Submissions ---------------------------------------------------------------------------

void UringLoop::ArmAll() {
  for (auto& listener : listeners_) ArmAccept(listener.get());
  ForEachStream([this](StreamState* state) {
    auto* stream = static_cast<Stream*>(state);
    if (stream->closing) return;
    if (!stream->paused) ArmRecv(stream);
    if (!stream->send.empty()) ArmSend(stream);
  });
}

void UringLoop::ArmWake() {
  io_uring_sqe* sqe = ring_->GetSqe();
  io_uring_prep_read(sqe, wake_fd(), &wake_value_, sizeof(wake_value_), 0);
  io_uring_sqe_set_data64(sqe, Pack(kWake, 0));
  wake_armed_ = true;
}

void UringLoop::ArmAccept(Listener* listener) {
  if (!running_ || shutting_down_ || listener->accept_armed || listener->waiting_op != 0) return;
  io_uring_sqe* sqe = ring_->GetSqe();
  if (multishot_accept_ && listener->unshared) {
    io_uring_prep_multishot_accept(sqe, listener->fd, nullptr, nullptr,
                                   SOCK_NONBLOCK | SOCK_CLOEXEC);
  } else {
    io_uring_prep_accept(sqe, listener->fd, nullptr, nullptr, SOCK_NONBLOCK | SOCK_CLOEXEC);
  }
  io_uring_sqe_set_data64(sqe, Pack(kAccept, listener->index));
  listener->accept_armed = true;
}

// A timeout that completes at the core's next tick, so that the wait of that turn ends by then.
// One at a time: when it completes (or a turn ends early), the next turn arms it again for the
// deadline of that moment; the core itself decides whether a tick is due.
void UringLoop::ArmTick() {
  if (tick_armed_ || !next_tick() || shutting_down_) return;
  auto wait = std::max(Clock::duration::zero(), *next_tick() - Clock::now());
  auto seconds = std::chrono::floor<std::chrono::seconds>(wait);
  tick_in_ = {.tv_sec = seconds.count(),
              .tv_nsec = std::chrono::nanoseconds(wait - seconds).count()};
  io_uring_sqe* sqe = ring_->GetSqe();
  io_uring_prep_timeout(sqe, &tick_in_, 0, 0);
  io_uring_sqe_set_data64(sqe, Pack(kTick, 0));
  tick_armed_ = true;
}

// Accepting resumes when the listener is readable (kAcceptPoll) or after a pause
// (kAcceptRetry).
void UringLoop::WaitForListener(Listener* listener, uint8_t op) {
  if (shutting_down_) return;
  io_uring_sqe* sqe = ring_->GetSqe();
  if (op == kAcceptPoll) {
    io_uring_prep_poll_add(sqe, listener->fd, POLLIN);
  } else {
    listener->retry_in = {.tv_sec = 0, .tv_nsec = std::chrono::nanoseconds(kAcceptBackOff).count()};
    io_uring_prep_timeout(sqe, &listener->retry_in, 0, 0);
  }
  io_uring_sqe_set_data64(sqe, Pack(static_cast<Op>(op), listener->index));
  listener->waiting_op = op;
}

void UringLoop::ArmRecv(Stream* stream) {
  if (!running_ || stream->recv_armed || stream->peer_closed) return;
  io_uring_sqe* sqe = ring_->GetSqe();
  int fd = stream->fd.get();
  // A handler receiving a large value takes the bytes into its own memory (event_loop.h): one
  // single-shot receive into it, then the next is armed from the completion. Not while bytes
  // are held: they come first, through OnReceive, and move the target.
  absl::Span<char> target;
  if (stream->tls == nullptr && stream->held.empty()) target = stream->handler->ReceiveTarget();
  stream->recv_into_target = !target.empty();
  stream->recv_retarget = false;
  if (!target.empty()) {
    io_uring_prep_recv(sqe, fd, target.data(), target.size(), 0);
  } else if (multishot_recv_) {
    io_uring_prep_recv_multishot(sqe, fd, nullptr, 0, 0);
    sqe->flags |= IOSQE_BUFFER_SELECT;
    sqe->buf_group = buffers_->group();
  } else {
    if (stream->recv_buffer == nullptr) {
      stream->recv_buffer = std::make_unique<char[]>(kRecvBufferBytes);
    }
    io_uring_prep_recv(sqe, fd, stream->recv_buffer.get(), kRecvBufferBytes, 0);
  }
  stream->recv_seq = (stream->recv_seq + 1) & kSeqMask;
  io_uring_sqe_set_data64(sqe, Pack(kRecv, fd, stream->recv_seq));
  stream->recv_armed = true;
}

void UringLoop::ArmSend(Stream* stream) {
  if (!running_ || stream->send_armed) return;
  io_uring_sqe* sqe = ring_->GetSqe();
  int fd = stream->fd.get();
  // MSG_NOSIGNAL: a peer that reset the connection must cost an EPIPE, not the process.
  // MSG_DONTWAIT: without it, a send to a slow reader that io_uring's internal poll retried
  // without progress is handed to a kernel worker thread, where it blocks (one thread per slow
  // client) and where a cancel may miss it; seen on 6.18 with a client that stops reading.
  // With it, a full socket answers EAGAIN and the loop polls for POLLOUT itself.
  constexpr int kFlags = MSG_NOSIGNAL | MSG_DONTWAIT;
  absl::Span<const iovec> window = stream->send.Window(SendCursor::kMaxSlicesPerCall);
  if (window.size() == 1) {
    // SEND needs no message header copied in and kept by the kernel: the cheaper of the two.
    io_uring_prep_send(sqe, fd, window[0].iov_base, std::min(window[0].iov_len, kMaxSendBytes),
                       kFlags);
  } else {
    // The kernel reads the header and the slices it points to (the stream's copy, see
    // SendCursor) after this returns; neither changes until the completion. It also caps one
    // call at MAX_RW_COUNT bytes, so the result fits the completion's int.
    stream->send_message = msghdr{};
    stream->send_message.msg_iov = const_cast<iovec*>(window.data());
    stream->send_message.msg_iovlen = window.size();
    io_uring_prep_sendmsg(sqe, fd, &stream->send_message, kFlags);
  }
  io_uring_sqe_set_data64(sqe, Pack(kSend, fd));
  stream->send_armed = true;
  stream->send_op = kSend;
}

void UringLoop::ArmSendPoll(Stream* stream) {
  io_uring_sqe* sqe = ring_->GetSqe();
  int fd = stream->fd.get();
  io_uring_prep_poll_add(sqe, fd, POLLOUT);
  io_uring_sqe_set_data64(sqe, Pack(kSendPoll, fd));
  stream->send_armed = true;
  stream->send_op = kSendPoll;
}

void UringLoop::Cancel(uint64_t target) {
  if (!running_) return;  // nothing was submitted yet
  io_uring_sqe* sqe = ring_->GetSqe();
  io_uring_prep_cancel64(sqe, target, 0);
  io_uring_sqe_set_data64(sqe, CancelOf(target));
}

void UringLoop::HandleCancel(uint64_t target, int res) {
  // ENOENT while the target is still armed: it was between two states (a poll that fired, its
  // retry queued as task work), where no cancel can find it. It may re-arm itself from there,
  // so aim again; the next attempt finds it armed or finished. (EALREADY: it runs in a kernel
  // worker, which the cancel has interrupted; its completion follows.)
  if (res == -ENOENT && StillUnwanted(target)) Cancel(target);
}

// Whether the operation `target` is still in flight and still meant to be cancelled.
bool UringLoop::StillUnwanted(uint64_t target) const {
  uint32_t id = IdOf(target);
  Op op = OpOf(target);
  if (op == kWake) return wake_armed_ && shutting_down_;
  if (op == kTick) return tick_armed_ && shutting_down_;
  if (op == kAccept || op == kAcceptPoll || op == kAcceptRetry) {
    const Listener& listener = *listeners_[id];
    bool armed = op == kAccept ? listener.accept_armed : listener.waiting_op == op;
    return armed && shutting_down_;
  }
  const auto* stream = static_cast<const Stream*>(FindStream(static_cast<int>(id)));
  if (stream == nullptr) return false;
  if (op == kRecv) {
    return stream->recv_armed && stream->recv_seq == SeqOf(target) &&
           (stream->closing || stream->paused || stream->recv_retarget);
  }
  return stream->send_armed && stream->send_op == op && stream->closing;
}

// --- Completions ---------------------------------------------------------------------------

void UringLoop::ReapCompletions() {
  // Copied out and the ring advanced first, so that handlers may submit (and the kernel post)
  // freely while the batch is handled.
  io_uring_cqe* cqes[kCompletionsPerTurn];
  unsigned count = io_uring_peek_batch_cqe(ring_->get(), cqes, kCompletionsPerTurn);
  struct Completion {
    uint64_t user_data;
    int res;
    uint32_t flags;
  };
  Completion batch[kCompletionsPerTurn];
  for (unsigned i = 0; i < count; ++i) {
    batch[i] = {cqes[i]->user_data, cqes[i]->res, cqes[i]->flags};
  }
  io_uring_cq_advance(ring_->get(), count);
  for (unsigned i = 0; i < count; ++i) {
    HandleCompletion(batch[i].user_data, batch[i].res, batch[i].flags);
    RunDeferred();
  }
}

void UringLoop::HandleCompletion(uint64_t user_data, int res, uint32_t flags) {
  uint32_t id = IdOf(user_data);
  switch (OpOf(user_data)) {
    case kWake:
      wake_armed_ = false;
      if (!shutting_down_) ArmWake();  // the posted tasks run at the end of this turn
      return;
    case kAccept:
      HandleAccept(listeners_[id].get(), res, flags);
      return;
    case kAcceptPoll:
    case kAcceptRetry:
      listeners_[id]->waiting_op = 0;
      RestoreSpareFd();
      ArmAccept(listeners_[id].get());
      return;
    case kRecv:
    case kSend:
    case kSendPoll:
      HandleStreamCompletion(user_data, res, flags);
      return;
    case kCancel:
      HandleCancel(TargetOf(user_data), res);
      return;
    case kTick:
      tick_armed_ = false;  // -ETIME; the core runs the tick at the end of this turn
      return;
  }
}

void UringLoop::HandleStreamCompletion(uint64_t user_data, int res, uint32_t flags) {
  uint32_t fd = IdOf(user_data);
  Stream* stream = Find(static_cast<int>(fd));
  if (stream == nullptr) {
    // Cannot happen (a stream ends only after its last completion); but never lose a buffer.
    if (flags & IORING_CQE_F_BUFFER) buffers_->Recycle(flags >> IORING_CQE_BUFFER_SHIFT);
    return;
  }
  switch (OpOf(user_data)) {
    case kRecv:
      HandleRecv(stream, SeqOf(user_data), res, flags);
      return;
    case kSend:
      HandleSend(stream, res);
      return;
    default:
      HandleSendPoll(stream);
      return;
  }
}

void UringLoop::HandleAccept(Listener* listener, int res, uint32_t flags) {
  if (!(flags & IORING_CQE_F_MORE)) listener->accept_armed = false;
  if (res >= 0) {
    if (shutting_down_) {
      close(res);
    } else {
      HandOver(listener->on_accept, res);
    }
  } else if (!HandleAcceptError(listener, -res)) {
    return;
  }
  ArmAccept(listener);  // no-op while the multishot accept is still armed
}

// Returns whether to accept again at once.
bool UringLoop::HandleAcceptError(Listener* listener, int error) {
  if (error == ECANCELED) return false;  // shutting down
  if (error == EINVAL && multishot_accept_ && listener->unshared) {
    multishot_accept_ = false;  // before 5.19: one accept per connection
    return true;
  }
  switch (AfterAcceptError(listener->fd, error)) {
    case AcceptNext::kWaitForMore:
      // Kernels that honour the listener's O_NONBLOCK in io_uring answer EAGAIN at once.
      WaitForListener(listener, kAcceptPoll);
      return false;
    case AcceptNext::kAcceptAgain:
      return true;
    case AcceptNext::kBackOff:
      WaitForListener(listener, kAcceptRetry);  // ENOMEM, ENOBUFS, EMFILE without a spare, ...
      return false;
  }
  return false;
}

void UringLoop::HandleRecv(Stream* stream, uint32_t seq, int res, uint32_t flags) {
  if (!(flags & IORING_CQE_F_MORE) && seq == stream->recv_seq) stream->recv_armed = false;
  if (res > 0) {
    if (stream->recv_into_target && !(flags & IORING_CQE_F_BUFFER)) {
      // Already in the handler's memory: reported even while paused (event_loop.h).
      NoteActivity(stream);
      if (!stream->closing) stream->handler->OnReceivedInto(static_cast<size_t>(res));
    } else if (flags & IORING_CQE_F_BUFFER) {
      uint16_t id = flags >> IORING_CQE_BUFFER_SHIFT;
      Deliver(stream, std::string_view(buffers_->data(id), res));
      buffers_->Recycle(id);
    } else {
      Deliver(stream, std::string_view(stream->recv_buffer.get(), res));
    }
  } else if (res == 0) {
    HandlePeerClosed(stream);
  } else {
    HandleRecvError(stream, -res);
  }
  if (stream->recv_armed) return;
  if (stream->closing) {
    FinishWhenIdle(stream);
  } else if (!stream->paused) {
    ArmRecv(stream);  // single-shot, ENOBUFS, cancelled by a pause since undone, ...
  }
}

void UringLoop::HandleRecvError(Stream* stream, int error) {
  switch (error) {
    case ENOBUFS:    // every provided buffer in use: they are back by now, so arm again
    case ECANCELED:  // by PauseReceive or CloseStream
    case EAGAIN:
    case EINTR:
      return;
    case EINVAL:
      if (multishot_recv_) {
        // A kernel with buffer rings but without multishot receive (5.19): fall back for good.
        // The buffers stay: the kernel keeps them registered until the ring goes.
        multishot_recv_ = false;
        return;
      }
      [[fallthrough]];
    default:
      MarkClosing(stream);  // ECONNRESET, ENOTSOCK, ...
  }
}

void UringLoop::HandleSend(Stream* stream, int res) {
  stream->send_armed = false;
  if (stream->closing) {
    FinishWhenIdle(stream);
    return;
  }
  if (res > 0) {
    NoteActivity(stream);
    stream->send.Advance(res);
    if (!stream->send.empty()) {
      ArmSend(stream);  // a short send: the rest goes again
    } else {
      SendDone(stream);
    }
  } else if (res == -EAGAIN) {
    ArmSendPoll(stream);
  } else if (res == -EINTR) {
    ArmSend(stream);
  } else {
    MarkClosing(stream);  // EPIPE, ECONNRESET, ...
    FinishWhenIdle(stream);
  }
}

void UringLoop::HandleSendPoll(Stream* stream) {
  stream->send_armed = false;
  if (stream->closing) {
    FinishWhenIdle(stream);
  } else {
    ArmSend(stream);  // writable, or an error the send will report
  }
}

// --- Listeners -----------------------------------------------------------------------------

absl::Status UringLoop::StartAccepting(int listen_fd, AcceptCallback on_accept) {
  return AddListener(listen_fd, std::move(on_accept), /*unshared=*/false);
}

absl::Status UringLoop::StartAcceptingUnshared(int listen_fd, AcceptCallback on_accept) {
  return AddListener(listen_fd, std::move(on_accept), /*unshared=*/true);
}

absl::Status UringLoop::AddListener(int listen_fd, AcceptCallback on_accept, bool unshared) {
  if (listen_fd < 0) return absl::InvalidArgumentError("StartAccepting: bad fd");
  auto listener = std::make_unique<Listener>();
  listener->fd = listen_fd;
  listener->unshared = unshared;
  listener->index = static_cast<uint32_t>(listeners_.size());
  listener->on_accept = std::move(on_accept);
  listeners_.push_back(std::move(listener));
  ArmAccept(listeners_.back().get());
  return absl::OkStatus();
}

// --- Streams: the core's hooks, and Send ----------------------------------------------------

std::unique_ptr<EventLoopCore::StreamState> UringLoop::NewStream() {
  return std::make_unique<Stream>();
}

absl::Status UringLoop::StartStream(StreamState* stream) {
  if (shutting_down_) {
    MarkClosing(stream);
  } else {
    ArmRecv(static_cast<Stream*>(stream));
  }
  return absl::OkStatus();
}

// PauseReceive cancels the armed receive; ResumeReceive arms one, which is a no-op while the
// cancelled receive has not come back yet (its final completion arms again).
void UringLoop::UpdateReceiving(StreamState* state) {
  auto* stream = static_cast<Stream*>(state);
  if (!stream->paused && !stream->peer_closed) {
    ArmRecv(stream);
  } else if (stream->recv_armed) {
    Cancel(Pack(kRecv, stream->fd.get(), stream->recv_seq));
  }
}

// A multishot receive keeps filling provided buffers; cancel it, so that its final completion
// arms a single-shot receive into the handler's target (ArmRecv). What it completes before the
// cancel lands still comes through OnReceive.
void UringLoop::ReceiveTargetChanged(int fd) {
  Stream* stream = Find(fd);
  if (stream == nullptr || stream->closing || !stream->recv_armed || stream->recv_into_target ||
      stream->recv_retarget || stream->tls != nullptr) {
    return;
  }
  stream->recv_retarget = true;
  Cancel(Pack(kRecv, fd, stream->recv_seq));
}

void UringLoop::CancelIo(StreamState* state) {
  auto* stream = static_cast<Stream*>(state);
  int fd = stream->fd.get();
  if (stream->recv_armed) Cancel(Pack(kRecv, fd, stream->recv_seq));
  if (stream->send_armed) Cancel(Pack(static_cast<Op>(stream->send_op), fd));
}

// Before Run() nothing was submitted; after it, the ring drained or broke (see StopEngine).
bool UringLoop::HasIoInFlight(const StreamState& state) const {
  const auto& stream = static_cast<const Stream&>(state);
  return running_ && (stream.recv_armed || stream.send_armed);
}

void UringLoop::StartSend(StreamState* stream) { ArmSend(static_cast<Stream*>(stream)); }

}  // namespace memkv::server
