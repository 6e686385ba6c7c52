// EventLoop: one thread's completion-style I/O loop, with an epoll and an io_uring implementation.
//
// Completion style (the loop reports "these bytes arrived", "your send finished") rather than
// readiness ("you may read now"), because epoll imitates completions cheaply while io_uring
// cannot imitate readiness cheaply. The loop only moves bytes: it never sees a request.
//
// The loop's one timer serves idle streams (SetIdleTimeout): with a timeout set, the loop ticks
// about once a second, each tick looking at its own streams, so that a connection is only ever
// judged on the thread that owns it; nothing ticks while no timeout is set.
//
// Threads: a loop belongs to the thread that calls Run(). Stop() and Post() may be called from
// any thread; every other method only from the loop's own thread (from inside a handler callback,
// a posted task, or before Run() starts). Handlers are called only on the loop's thread.
#ifndef MEMKV_SERVER_LOOP_EVENT_LOOP_H_
#define MEMKV_SERVER_LOOP_EVENT_LOOP_H_

#include <sys/uio.h>

#include <chrono>
#include <memory>
#include <string>
#include <string_view>
#include <utility>

#include "absl/functional/any_invocable.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/types/span.h"

namespace memkv::server {

class TlsContext;

// Receives the events of one connected socket (a stream). Called on the loop thread only.
class StreamHandler {
 public:
  virtual ~StreamHandler() = default;
  // Bytes arrived. The view is valid only during the call: keep a copy of what is not consumed.
  virtual void OnReceive(std::string_view data) = 0;
  // Every byte of the last Send() was written; its slices and their bytes may be reused.
  virtual void OnSendComplete() = 0;
  // The peer shut down its sending side (a FIN: `nc -N`, socat, shutdown(SHUT_WR)): no
  // OnReceive follows, but the stream stays open for Send, so that replies still owed to the
  // requests received before it can be written. The handler ends the stream with CloseStream
  // once it owes nothing more. A reset or an error is not this: it ends in OnClosed directly.
  virtual void OnPeerClosed() = 0;
  // The stream ended: the peer closed it, an error occurred, or CloseStream() was called. The fd
  // is closed, no operation is in flight, and the loop never touches the handler again after
  // this returns: the handler may delete itself here.
  virtual void OnClosed() = 0;
  // No byte has come in or gone out on the stream for the loop's idle timeout (SetIdleTimeout).
  // The handler decides: CloseStream ends the stream, anything else leaves it open, and OnIdle
  // comes again at every later tick while the stream stays idle. Never on a closing stream.
  virtual void OnIdle() {}
  // Where the handler wants the next received bytes to go when it has memory of its own for
  // them (a large value received straight into the block it will be stored in, as memcached's
  // conn_nread reads into the item); empty, the default, for the loop's buffer and OnReceive.
  // Asked before each receive of a plain stream (a TLS stream's bytes are decrypted first, so
  // they always come through OnReceive). Bytes read into it are reported by OnReceivedInto,
  // which is never held behind a pause: they are in the handler's memory already. The handler
  // keeps the memory alive until OnClosed (a receive may be in flight until then) and does not
  // change it while the stream may be receiving into it.
  virtual absl::Span<char> ReceiveTarget() { return {}; }
  // `n` bytes (at least one) were written at the front of the last ReceiveTarget.
  virtual void OnReceivedInto(size_t n) { static_cast<void>(n); }
};

enum class IoEngine { kEpoll, kUring };

class EventLoop {
 public:
  // Called with each accepted socket (non-blocking, TCP_NODELAY set); the callee owns the fd.
  using AcceptCallback = absl::AnyInvocable<void(int fd)>;

  virtual ~EventLoop() = default;

  virtual IoEngine engine() const = 0;
  // One line for logs: the engine and which of its optional kernel features are in use.
  virtual std::string Describe() const = 0;

  // Runs on the calling thread until Stop(). Streams still open are closed before it returns
  // (their OnClosed runs); tasks posted but not yet run are destroyed without running. A loop
  // runs once: Run() after Stop() returns at once.
  virtual void Run() = 0;
  // Any thread. Makes Run() return soon.
  virtual void Stop() = 0;
  // Any thread. Runs task on the loop thread, in the order posted. This is how an acceptor hands
  // a connection to a worker and how a dispatcher hands work over and gets answers back.
  virtual void Post(absl::AnyInvocable<void() &&> task) = 0;

  // Accepts connections on a listening socket (non-blocking). Several loops may accept on the
  // same listening socket: each connection is given to exactly one of them, without waking the
  // others (EPOLLEXCLUSIVE, or one io_uring accept per loop). The loop does not own listen_fd.
  virtual absl::Status StartAccepting(int listen_fd, AcceptCallback on_accept) = 0;
  // As StartAccepting, for a listening socket that no other loop accepts on (the acceptor
  // thread's socket, a loop's own SO_REUSEPORT socket). An engine may then accept more eagerly:
  // io_uring keeps one multishot accept armed, which on a shared socket would draw every new
  // connection to this loop, even while it is busy, and starve the others.
  virtual absl::Status StartAcceptingUnshared(int listen_fd, AcceptCallback on_accept) {
    return StartAccepting(listen_fd, std::move(on_accept));
  }

  // Takes ownership of a connected non-blocking socket and starts receiving from it. The fd is
  // the loop's also when this fails (it is closed then), except for AlreadyExists: fd is
  // already one of this loop's streams.
  virtual absl::Status AddStream(int fd, StreamHandler* handler) = 0;
  // As AddStream, for a stream that speaks TLS (a --tls-port connection): the loop runs the
  // server's side of the handshake, gives the handler the plaintext it decrypts and encrypts what
  // the handler sends, so that the handler sees the same calls as on a plain stream. A Send
  // completes once its ciphertext is written; plaintext sent before the handshake has finished
  // waits for it. A failed handshake or a bad record closes the stream (OnClosed). The context
  // must outlive the stream.
  virtual absl::Status AddTlsStream(int fd, StreamHandler* handler, const TlsContext& tls) = 0;
  // Writes every byte of every slice, in order, then calls OnSendComplete: a gather send, so
  // that a reply can be header bytes from one buffer and value bytes from where they are stored,
  // written with one sendmsg (or io_uring SENDMSG) per flush instead of copied together first.
  // One send at a time per stream: the caller waits for OnSendComplete before the next Send, and
  // keeps the slice array and the bytes it points to alive and unchanged until then. Zero-length
  // slices are allowed; a send with no bytes completes at the next safe point. Any number of
  // slices: more than IOV_MAX go out in several system calls.
  virtual void Send(int fd, absl::Span<const iovec> slices) = 0;
  // Send of one slice; the same contract for data.
  virtual void Send(int fd, std::string_view data) = 0;
  // The handler's ReceiveTarget became non-empty: receive into it from now on. An engine that
  // receives ahead (an io_uring multishot receive, armed already) stops doing so; bytes already
  // received still come through OnReceive, so the handler takes bytes either way.
  virtual void ReceiveTargetChanged(int fd) { static_cast<void>(fd); }
  // Back-pressure: stop delivering OnReceive until ResumeReceive.
  virtual void PauseReceive(int fd) = 0;
  virtual void ResumeReceive(int fd) = 0;
  // Ends the stream; OnClosed follows, possibly after this returns, once nothing is in flight.
  virtual void CloseStream(int fd) = 0;

  // Idle streams (memcached's -o idle_timeout, Redis's timeout). With a timeout above zero the
  // loop ticks every min(timeout, 1 s) and, at each tick, calls OnIdle on every stream that has
  // neither received nor written a byte for at least `timeout` (a stream counts as active from
  // AddStream). A stream is told at most one tick period after it became due, so with a timeout
  // of one second between one and two seconds of silence. Zero (the default) stops the ticks.
  // Meant to be set once, before Run() or early in it: a new period takes effect after the tick
  // already scheduled.
  virtual void SetIdleTimeout(std::chrono::milliseconds timeout) = 0;
};

absl::StatusOr<std::unique_ptr<EventLoop>> MakeEpollLoop();

// io_uring loop. Fails with a clear status where io_uring is unavailable (kernel too old,
// kernel.io_uring_disabled, seccomp); callers fall back to epoll unless asked to be strict.
absl::StatusOr<std::unique_ptr<EventLoop>> MakeUringLoop();

absl::StatusOr<std::unique_ptr<EventLoop>> MakeEventLoop(IoEngine engine);

}  // namespace memkv::server

#endif  // MEMKV_SERVER_LOOP_EVENT_LOOP_H_
