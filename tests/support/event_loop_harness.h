// Test harness for the EventLoop implementations: blocking loopback clients, handlers that
// count every callback (so that a callback out of order is a test failure, not a use after free),
// a loop on its own thread, and the engine variants the tests run on with their fixture.
// Header-only, for tests/server/loop/event_loop_test.cc and gather_send_test.cc. The handlers
// and TestLoopThread's loop run on the loop thread; the rest is for the test thread, which reads
// the handlers' counters (atomics) and never blocks the loop except through RunSync.
#ifndef MEMKV_TESTS_SUPPORT_EVENT_LOOP_HARNESS_H_
#define MEMKV_TESTS_SUPPORT_EVENT_LOOP_HARNESS_H_

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstring>
#include <memory>
#include <optional>
#include <ostream>
#include <string>
#include <string_view>
#include <thread>
#include <utility>
#include <vector>

#include "absl/functional/any_invocable.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "absl/synchronization/notification.h"
#include "absl/types/span.h"
#include "gtest/gtest.h"
#include "server/loop/event_loop.h"
#include "server/loop/socket_util.h"
#include "server/loop/uring_loop.h"

namespace memkv::server {

// --- Plain blocking client sockets and a listening socket on 127.0.0.1 ---------------------

inline UniqueFd ListenLoopback(int* port) {
  UniqueFd fd(socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0));
  EXPECT_TRUE(fd.valid());
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  EXPECT_EQ(bind(fd.get(), reinterpret_cast<sockaddr*>(&addr), sizeof(addr)), 0);
  EXPECT_EQ(listen(fd.get(), 1024), 0);
  socklen_t len = sizeof(addr);
  EXPECT_EQ(getsockname(fd.get(), reinterpret_cast<sockaddr*>(&addr), &len), 0);
  *port = ntohs(addr.sin_port);
  return fd;
}

// A blocking client. A small receive buffer (set before connecting, so the window is small from
// the start) makes the server's sends fill up quickly.
inline UniqueFd Connect(int port, int receive_buffer = 0) {
  UniqueFd fd(socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0));
  EXPECT_TRUE(fd.valid());
  if (receive_buffer > 0) {
    setsockopt(fd.get(), SOL_SOCKET, SO_RCVBUF, &receive_buffer, sizeof(receive_buffer));
  }
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = htons(port);
  EXPECT_EQ(connect(fd.get(), reinterpret_cast<sockaddr*>(&addr), sizeof(addr)), 0)
      << strerror(errno);
  return fd;
}

inline void WriteAll(int fd, std::string_view data) {
  while (!data.empty()) {
    ssize_t n = send(fd, data.data(), data.size(), MSG_NOSIGNAL);
    ASSERT_GT(n, 0) << strerror(errno);
    data.remove_prefix(n);
  }
}

inline std::string ReadExactly(int fd, size_t size) {
  std::string out(size, '\0');
  size_t got = 0;
  while (got < size) {
    ssize_t n = recv(fd, out.data() + got, size - got, 0);
    if (n <= 0) break;
    got += n;
  }
  out.resize(got);
  return out;
}

// Reads until EOF or an error; returns the number of bytes read before it.
inline size_t ReadToEnd(int fd) {
  char buffer[4096];
  size_t total = 0;
  for (;;) {
    ssize_t n = recv(fd, buffer, sizeof(buffer), 0);
    if (n <= 0) return total;
    total += n;
  }
}

// Waits until the peer's FIN has reached the server's socket `fd`.
inline void AwaitFinAt(int fd) {
  pollfd entry{fd, POLLRDHUP, 0};
  ASSERT_EQ(poll(&entry, 1, -1), 1) << strerror(errno);
  ASSERT_TRUE(entry.revents & POLLRDHUP);
}

// Closes with a reset rather than a FIN: SO_LINGER with a zero timeout.
inline void Reset(UniqueFd fd) {
  linger option{1, 0};
  setsockopt(fd.get(), SOL_SOCKET, SO_LINGER, &option, sizeof(option));
  fd.reset();
}

inline std::string Pattern(size_t size, uint32_t seed) {
  std::string out(size, '\0');
  for (size_t i = 0; i < size; ++i) {
    seed = seed * 1664525 + 1013904223;
    out[i] = static_cast<char>(seed >> 24);
  }
  return out;
}

// --- Handlers ------------------------------------------------------------------------------

// Echoes what it receives; after OnPeerClosed it finishes echoing what it owes and then closes,
// as a Connection does, and so it does on OnIdle (unless told to keep the stream). Owned by the
// test (not self-deleting), so that a second OnClosed or a callback after OnClosed is counted
// instead of being a use after free.
class EchoHandler final : public StreamHandler {
 public:
  EchoHandler(EventLoop* loop, int fd) : loop_(loop), fd_(fd) {}

  void OnReceive(std::string_view data) override {
    EXPECT_EQ(closed_.load(), 0) << "OnReceive after OnClosed";
    EXPECT_EQ(peer_closed_.load(), 0) << "OnReceive after OnPeerClosed";
    received_.fetch_add(data.size());
    if (close_on_receive_) {
      Close();
      return;
    }
    if (pause_on_receive_) {
      pause_on_receive_ = false;
      loop_->PauseReceive(fd_);
    }
    if (reply_.empty() && !reply_slices_.has_value()) {
      pending_.append(data);
      MaybeSend();
    } else if (!sending_) {
      sending_ = true;  // a fixed reply, sent once: for the mid-send tests
      if (reply_slices_.has_value()) {
        loop_->Send(fd_, absl::MakeConstSpan(*reply_slices_));
      } else {
        loop_->Send(fd_, reply_);
      }
    }
  }
  void OnSendComplete() override {
    EXPECT_EQ(closed_.load(), 0) << "OnSendComplete after OnClosed";
    EXPECT_TRUE(sending_);
    sends_completed_.fetch_add(1);
    sending_ = false;
    in_flight_.clear();
    MaybeSend();
    CloseIfDone();
  }
  void OnPeerClosed() override {
    EXPECT_EQ(closed_.load(), 0) << "OnPeerClosed after OnClosed";
    EXPECT_FALSE(close_requested_) << "OnPeerClosed after CloseStream";
    EXPECT_EQ(peer_closed_.load(), 0) << "OnPeerClosed twice";
    received_at_peer_closed_.store(received_.load());
    peer_closed_.fetch_add(1);
    if (toggle_pause_on_peer_closed_) {
      // No receiving is left to pause: both must be no-ops (no second OnPeerClosed).
      loop_->PauseReceive(fd_);
      loop_->ResumeReceive(fd_);
      loop_->PauseReceive(fd_);
    }
    MaybeSend();
    CloseIfDone();
  }
  void OnClosed() override {
    absl::MutexLock lock(&mu_);
    closed_.fetch_add(1);
  }
  void OnIdle() override {
    EXPECT_EQ(closed_.load(), 0) << "OnIdle after OnClosed";
    EXPECT_FALSE(close_requested_) << "OnIdle after CloseStream";
    idle_.fetch_add(1);
    if (!keep_when_idle_) Close();
  }

  // Waits until OnClosed has run at least once; returns how often it ran.
  int AwaitClosed() {
    absl::MutexLock lock(&mu_);
    mu_.Await(absl::Condition(
        +[](std::atomic<int>* closed) { return closed->load() > 0; }, &closed_));
    return closed_.load();
  }

  int fd() const { return fd_; }
  int closed() const { return closed_.load(); }
  size_t received() const { return received_.load(); }
  int sends_completed() const { return sends_completed_.load(); }
  int peer_closed() const { return peer_closed_.load(); }
  int idle() const { return idle_.load(); }  // OnIdle calls so far
  // What had been received when OnPeerClosed came.
  size_t received_at_peer_closed() const { return received_at_peer_closed_.load(); }
  // The setters are for the loop thread, or before the connection sends anything.
  void set_close_on_receive() { close_on_receive_ = true; }
  void set_reply(std::string reply) { reply_ = std::move(reply); }
  // As set_reply, sent as one gather of these slices; the caller keeps the bytes alive.
  void set_reply_slices(std::vector<iovec> slices) { reply_slices_ = std::move(slices); }
  // Echo nothing until the peer has closed its side, then everything: a reply that exists only
  // after the half-close, as when a worker answers after the FIN was read.
  void set_hold_until_peer_closed() { hold_until_peer_closed_ = true; }
  // PauseReceive from inside the first OnReceive.
  void set_pause_on_receive() { pause_on_receive_ = true; }
  void set_toggle_pause_on_peer_closed() { toggle_pause_on_peer_closed_ = true; }
  // OnIdle leaves the stream open (it is counted all the same).
  void set_keep_when_idle() { keep_when_idle_ = true; }
  // Sends data as if it had been received; on the loop thread, or before Run().
  void Echo(std::string_view data) {
    pending_.append(data);
    MaybeSend();
  }
  // A gather send of slices, which the caller keeps until OnSendComplete; on the loop thread.
  void SendSlices(absl::Span<const iovec> slices) {
    ASSERT_FALSE(sending_);
    sending_ = true;
    loop_->Send(fd_, slices);
  }

 private:
  void MaybeSend() {
    if (sending_ || pending_.empty()) return;
    if (hold_until_peer_closed_ && peer_closed_.load() == 0) return;
    in_flight_.swap(pending_);
    sending_ = true;  // before Send: a loop may complete it at once
    loop_->Send(fd_, in_flight_);
  }
  // Once the peer has closed its side and everything owed is written.
  void CloseIfDone() {
    if (peer_closed_.load() > 0 && !sending_ && pending_.empty()) Close();
  }
  void Close() {
    close_requested_ = true;
    loop_->CloseStream(fd_);
  }

  EventLoop* const loop_;
  const int fd_;
  bool close_on_receive_ = false;
  bool hold_until_peer_closed_ = false;
  bool pause_on_receive_ = false;
  bool toggle_pause_on_peer_closed_ = false;
  bool keep_when_idle_ = false;
  bool close_requested_ = false;
  std::string reply_;
  std::optional<std::vector<iovec>> reply_slices_;
  std::string pending_;
  std::string in_flight_;
  bool sending_ = false;
  std::atomic<size_t> received_{0};
  std::atomic<size_t> received_at_peer_closed_{0};
  std::atomic<int> sends_completed_{0};
  std::atomic<int> peer_closed_{0};
  std::atomic<int> idle_{0};
  absl::Mutex mu_;
  std::atomic<int> closed_{0};
};

// Closes its stream from inside OnReceive and deletes itself in OnClosed.
class CloseOnReceiveHandler final : public StreamHandler {
 public:
  CloseOnReceiveHandler(EventLoop* loop, int fd, absl::Notification* closed)
      : loop_(loop), fd_(fd), closed_(closed) {}
  void OnReceive(std::string_view) override {
    loop_->CloseStream(fd_);
    loop_->CloseStream(fd_);      // twice: still one OnClosed
    loop_->Send(fd_, "ignored");  // after CloseStream: dropped, no OnSendComplete
  }
  void OnSendComplete() override { ADD_FAILURE() << "OnSendComplete after CloseStream"; }
  void OnPeerClosed() override { loop_->CloseStream(fd_); }
  void OnClosed() override {
    closed_->Notify();  // a second OnClosed would Notify twice and crash
    delete this;
  }

 private:
  EventLoop* const loop_;
  const int fd_;
  absl::Notification* const closed_;
};

// --- A loop on its own thread, with its accepted connections ---------------------------------

class TestLoopThread {
 public:
  explicit TestLoopThread(std::unique_ptr<EventLoop> loop) : loop_(std::move(loop)) {
    thread_ = std::thread([this] { loop_->Run(); });
  }
  ~TestLoopThread() { StopAndJoin(); }

  EventLoop* loop() { return loop_.get(); }

  void StopAndJoin() {
    if (!thread_.joinable()) return;
    loop_->Stop();
    thread_.join();
  }

  // Runs fn on the loop thread and waits for it: also a barrier, since tasks run in order.
  void RunSync(absl::AnyInvocable<void() &&> fn) {
    absl::Notification done;
    loop_->Post([&done, fn = std::move(fn)]() mutable {
      std::move(fn)();
      done.Notify();
    });
    done.WaitForNotification();
  }

  // Accepts on listen_fd with an EchoHandler per connection.
  void AcceptEcho(int listen_fd) {
    RunSync([this, listen_fd] {
      absl::Status status = loop_->StartAccepting(listen_fd, [this](int fd) { Adopt(fd); });
      ASSERT_TRUE(status.ok()) << status;
    });
  }

  // Takes fd as a stream of this loop with an EchoHandler; loop thread only.
  void Adopt(int fd) {
    auto handler = std::make_unique<EchoHandler>(loop_.get(), fd);
    if (keep_when_idle_.load()) handler->set_keep_when_idle();
    const TlsContext* tls = tls_.load();
    absl::Status status = tls != nullptr ? loop_->AddTlsStream(fd, handler.get(), *tls)
                                         : loop_->AddStream(fd, handler.get());
    ASSERT_TRUE(status.ok()) << status;
    absl::MutexLock lock(&mu_);
    handlers_.push_back(std::move(handler));
  }

  // Waits until `count` connections have been accepted; returns the handler of the last one.
  EchoHandler* AwaitHandler(size_t count) {
    absl::MutexLock lock(&mu_);
    auto ready = [this, count]()
                     ABSL_NO_THREAD_SAFETY_ANALYSIS { return handlers_.size() >= count; };
    mu_.Await(absl::Condition(&ready));
    return handlers_[count - 1].get();
  }

  // Handlers made from now on keep their streams on OnIdle; any thread.
  void set_keep_when_idle() { keep_when_idle_.store(true); }
  // Connections accepted from now on speak TLS with `tls` (which outlives the loop); any thread.
  void set_tls(const TlsContext* tls) { tls_.store(tls); }

  size_t accepted() {
    absl::MutexLock lock(&mu_);
    return handlers_.size();
  }

  std::vector<EchoHandler*> handlers() {
    absl::MutexLock lock(&mu_);
    std::vector<EchoHandler*> out;
    for (auto& handler : handlers_) out.push_back(handler.get());
    return out;
  }

 private:
  std::unique_ptr<EventLoop> loop_;
  std::thread thread_;
  std::atomic<bool> keep_when_idle_{false};
  std::atomic<const TlsContext*> tls_{nullptr};
  absl::Mutex mu_;
  std::vector<std::unique_ptr<EchoHandler>> handlers_ ABSL_GUARDED_BY(mu_);
};

// --- The engine variants every test runs on --------------------------------------------------

// One engine, or io_uring with features turned off to run its fallbacks on this kernel.
struct Engine {
  const char* name;
  IoEngine engine;
  UringLoop::Options uring;
};

inline const Engine kEngines[] = {
    {"Epoll", IoEngine::kEpoll, {}},
    {"Uring", IoEngine::kUring, {}},
    // 4 provided buffers: multishot receives run out all the time (ENOBUFS) and must re-arm.
    {"UringFewBuffers", IoEngine::kUring, {.provided_buffers = 4}},
    // What a 5.6 - 5.18 kernel offers: no setup flags, no multishot, no buffer rings.
    {"UringSingleShot",
     IoEngine::kUring,
     {.optional_setup_flags = false, .multishot_accept = false, .provided_buffers = 0}},
};

inline void PrintTo(const Engine& engine, std::ostream* os) { *os << engine.name; }

inline absl::StatusOr<std::unique_ptr<EventLoop>> MakeLoop(const Engine& engine) {
  if (engine.engine == IoEngine::kEpoll) return MakeEpollLoop();
  absl::StatusOr<std::unique_ptr<UringLoop>> loop = UringLoop::Create(engine.uring);
  if (!loop.ok()) return loop.status();
  return std::unique_ptr<EventLoop>(*std::move(loop));
}

// The fixture of the tests that run on every engine variant: skipped where io_uring is
// unavailable, failed where epoll is. Instantiate with ::testing::ValuesIn(kEngines) and
// EngineName.
class EngineTest : public ::testing::TestWithParam<Engine> {
 protected:
  void SetUp() override {
    absl::StatusOr<std::unique_ptr<EventLoop>> probe = MakeLoop(GetParam());
    if (!probe.ok() && IsUring() && absl::IsUnavailable(probe.status())) {
      GTEST_SKIP() << "io_uring is not available here: " << probe.status().message();
    }
    ASSERT_TRUE(probe.ok()) << probe.status();
    EXPECT_EQ((*probe)->engine(), GetParam().engine);
  }

  bool IsUring() const { return GetParam().engine == IoEngine::kUring; }

  std::unique_ptr<EventLoop> NewLoop() {
    absl::StatusOr<std::unique_ptr<EventLoop>> loop = MakeLoop(GetParam());
    EXPECT_TRUE(loop.ok()) << loop.status();
    return *std::move(loop);
  }

  std::unique_ptr<TestLoopThread> StartLoop() {
    return std::make_unique<TestLoopThread>(NewLoop());
  }

  // A loop on its own thread accepting on a loopback port with an EchoHandler per connection.
  // The loop goes first when it is destroyed, then the socket it accepted on.
  struct EchoServer {
    int port = 0;
    UniqueFd listener;
    std::unique_ptr<TestLoopThread> loop;
  };
  EchoServer StartEchoServer() {
    EchoServer server;
    server.listener = ListenLoopback(&server.port);
    server.loop = StartLoop();
    server.loop->AcceptEcho(server.listener.get());
    return server;
  }
};

inline std::string EngineName(const ::testing::TestParamInfo<Engine>& info) {
  return info.param.name;
}

}  // namespace memkv::server

#endif  // MEMKV_TESTS_SUPPORT_EVENT_LOOP_HARNESS_H_
