// Tests of the two EventLoop implementations (epoll, io_uring) over real loopback sockets: echo
// with many connections and with 16 MiB that cannot fit in the socket buffers, peers that close
// or reset mid-send and mid-receive, back-pressure, Post from other threads, CloseStream from a
// callback, two loops on one listening socket, Stop from another thread.
//
// No sleeps and no timeouts: every wait is for a condition the loop must bring about, so a
// broken loop makes a test hang (and ctest's TIMEOUT fail it) rather than pass by luck.
#include "server/loop/event_loop.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <cstring>
#include <memory>
#include <ostream>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "absl/synchronization/mutex.h"
#include "absl/synchronization/notification.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "server/loop/socket_util.h"
#include "server/loop/uring_loop.h"

namespace memkv::server {
namespace {

// --- Plain blocking client sockets and a listening socket on 127.0.0.1 ---------------------

UniqueFd ListenLoopback(int* port) {
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
UniqueFd Connect(int port, int receive_buffer = 0) {
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

void WriteAll(int fd, std::string_view data) {
  while (!data.empty()) {
    ssize_t n = send(fd, data.data(), data.size(), MSG_NOSIGNAL);
    ASSERT_GT(n, 0) << strerror(errno);
    data.remove_prefix(n);
  }
}

std::string ReadExactly(int fd, size_t size) {
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
size_t ReadToEnd(int fd) {
  char buffer[4096];
  size_t total = 0;
  for (;;) {
    ssize_t n = recv(fd, buffer, sizeof(buffer), 0);
    if (n <= 0) return total;
    total += n;
  }
}

// Closes with a reset rather than a FIN: SO_LINGER with a zero timeout.
void Reset(UniqueFd fd) {
  linger option{1, 0};
  setsockopt(fd.get(), SOL_SOCKET, SO_LINGER, &option, sizeof(option));
  fd.reset();
}

std::string Pattern(size_t size, uint32_t seed) {
  std::string out(size, '\0');
  for (size_t i = 0; i < size; ++i) {
    seed = seed * 1664525 + 1013904223;
    out[i] = static_cast<char>(seed >> 24);
  }
  return out;
}

// --- Handlers ------------------------------------------------------------------------------

// Echoes what it receives; after OnPeerClosed it finishes echoing what it owes and then closes,
// as a Connection does. Owned by the test (not self-deleting), so that a second OnClosed or a
// callback after OnClosed is counted instead of being a use after free.
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
    if (reply_.empty()) {
      pending_.append(data);
      MaybeSend();
    } else if (!sending_) {
      sending_ = true;  // a fixed reply, sent once: for the mid-send tests
      loop_->Send(fd_, reply_);
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
  // What had been received when OnPeerClosed came.
  size_t received_at_peer_closed() const { return received_at_peer_closed_.load(); }
  // The setters are for the loop thread, or before the connection sends anything.
  void set_close_on_receive() { close_on_receive_ = true; }
  void set_reply(std::string reply) { reply_ = std::move(reply); }
  // Echo nothing until the peer has closed its side, then everything: a reply that exists only
  // after the half-close, as when a worker answers after the FIN was read.
  void set_hold_until_peer_closed() { hold_until_peer_closed_ = true; }
  // PauseReceive from inside the first OnReceive.
  void set_pause_on_receive() { pause_on_receive_ = true; }
  void set_toggle_pause_on_peer_closed() { toggle_pause_on_peer_closed_ = true; }
  // Sends data as if it had been received; on the loop thread, or before Run().
  void Echo(std::string_view data) {
    pending_.append(data);
    MaybeSend();
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
  bool close_requested_ = false;
  std::string reply_;
  std::string pending_;
  std::string in_flight_;
  bool sending_ = false;
  std::atomic<size_t> received_{0};
  std::atomic<size_t> received_at_peer_closed_{0};
  std::atomic<int> sends_completed_{0};
  std::atomic<int> peer_closed_{0};
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

class LoopThread {
 public:
  explicit LoopThread(std::unique_ptr<EventLoop> loop) : loop_(std::move(loop)) {
    thread_ = std::thread([this] { loop_->Run(); });
  }
  ~LoopThread() { StopAndJoin(); }

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
    absl::Status status = loop_->AddStream(fd, handler.get());
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
  absl::Mutex mu_;
  std::vector<std::unique_ptr<EchoHandler>> handlers_ ABSL_GUARDED_BY(mu_);
};

// --- The tests -----------------------------------------------------------------------------

// One engine, or io_uring with features turned off to run its fallbacks on this kernel.
struct Engine {
  const char* name;
  IoEngine engine;
  UringLoop::Options uring;
};

const Engine kEngines[] = {
    {"Epoll", IoEngine::kEpoll, {}},
    {"Uring", IoEngine::kUring, {}},
    // 4 provided buffers: multishot receives run out all the time (ENOBUFS) and must re-arm.
    {"UringFewBuffers", IoEngine::kUring, {.provided_buffers = 4}},
    // What a 5.6 - 5.18 kernel offers: no setup flags, no multishot, no buffer rings.
    {"UringSingleShot",
     IoEngine::kUring,
     {.optional_setup_flags = false, .multishot_accept = false, .provided_buffers = 0}},
};

void PrintTo(const Engine& engine, std::ostream* os) { *os << engine.name; }

absl::StatusOr<std::unique_ptr<EventLoop>> MakeLoop(const Engine& engine) {
  if (engine.engine == IoEngine::kEpoll) return MakeEpollLoop();
  absl::StatusOr<std::unique_ptr<UringLoop>> loop = UringLoop::Create(engine.uring);
  if (!loop.ok()) return loop.status();
  return std::unique_ptr<EventLoop>(*std::move(loop));
}

class EventLoopTest : public ::testing::TestWithParam<Engine> {
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

  std::unique_ptr<LoopThread> StartLoop() { return std::make_unique<LoopThread>(NewLoop()); }
};

TEST(MakeEventLoopTest, GivesTheEngineAskedForOrUnavailable) {
  absl::StatusOr<std::unique_ptr<EventLoop>> epoll = MakeEventLoop(IoEngine::kEpoll);
  ASSERT_TRUE(epoll.ok()) << epoll.status();
  EXPECT_EQ((*epoll)->engine(), IoEngine::kEpoll);
  EXPECT_EQ((*epoll)->Describe(), "epoll");
  absl::StatusOr<std::unique_ptr<EventLoop>> uring = MakeEventLoop(IoEngine::kUring);
  if (uring.ok()) {
    EXPECT_EQ((*uring)->engine(), IoEngine::kUring);
    // Says which optional features this kernel gave it, e.g. "io_uring (...; multishot accept
    // when unshared; multishot receive, provided buffers)".
    EXPECT_THAT((*uring)->Describe(), ::testing::StartsWith("io_uring ("));
    EXPECT_THAT((*uring)->Describe(), ::testing::HasSubstr("accept"));
  } else {
    EXPECT_TRUE(absl::IsUnavailable(uring.status())) << uring.status();
  }
}

TEST_P(EventLoopTest, EchoesOnManyConnections) {
  int port;
  UniqueFd listener = ListenLoopback(&port);
  std::unique_ptr<LoopThread> loop = StartLoop();
  loop->AcceptEcho(listener.get());
  constexpr int kClients = 200;
  std::vector<UniqueFd> clients;
  for (int i = 0; i < kClients; ++i) clients.push_back(Connect(port));
  for (int round = 0; round < 3; ++round) {
    for (int i = 0; i < kClients; ++i) WriteAll(clients[i].get(), Pattern(1 + i * 37, i + round));
    for (int i = 0; i < kClients; ++i) {
      ASSERT_EQ(ReadExactly(clients[i].get(), 1 + i * 37), Pattern(1 + i * 37, i + round));
    }
  }
  EXPECT_EQ(loop->accepted(), static_cast<size_t>(kClients));
  clients.clear();
  for (EchoHandler* handler : loop->handlers()) EXPECT_EQ(handler->AwaitClosed(), 1);
}

TEST_P(EventLoopTest, EchoesOnUnsharedListener) {
  int port;
  UniqueFd listener = ListenLoopback(&port);
  std::unique_ptr<LoopThread> loop = StartLoop();
  loop->RunSync([&] {
    absl::Status status =
        loop->loop()->StartAcceptingUnshared(listener.get(), [&loop](int fd) { loop->Adopt(fd); });
    ASSERT_TRUE(status.ok()) << status;
  });
  constexpr int kClients = 50;
  std::vector<UniqueFd> clients;
  for (int i = 0; i < kClients; ++i) clients.push_back(Connect(port));
  for (int i = 0; i < kClients; ++i) WriteAll(clients[i].get(), Pattern(100 + i, i));
  for (int i = 0; i < kClients; ++i) {
    ASSERT_EQ(ReadExactly(clients[i].get(), 100 + i), Pattern(100 + i, i));
  }
  EXPECT_EQ(loop->accepted(), static_cast<size_t>(kClients));
}

TEST_P(EventLoopTest, StreamAddedAndSentToBeforeRun) {
  std::unique_ptr<EventLoop> made = NewLoop();
  EventLoop* raw = made.get();
  int fds[2];
  ASSERT_EQ(socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0, fds), 0);
  UniqueFd peer(fds[1]);
  fcntl(peer.get(), F_SETFL, fcntl(peer.get(), F_GETFL) & ~O_NONBLOCK);
  EchoHandler handler(raw, fds[0]);
  ASSERT_TRUE(raw->AddStream(fds[0], &handler).ok());
  raw->PauseReceive(fds[0]);
  raw->ResumeReceive(fds[0]);
  const std::string early = "sent before Run";
  handler.Echo(early);  // Send() from the creating thread, before Run(): allowed
  {
    LoopThread loop(std::move(made));
    EXPECT_EQ(ReadExactly(peer.get(), early.size()), early);
    WriteAll(peer.get(), "echo");
    EXPECT_EQ(ReadExactly(peer.get(), 4), "echo");
  }
  EXPECT_EQ(handler.closed(), 1);  // Run() closed it on the way out
}

TEST_P(EventLoopTest, PausedStreamResetWhileSendingCloses) {
  int port;
  UniqueFd listener = ListenLoopback(&port);
  std::unique_ptr<LoopThread> loop = StartLoop();
  loop->AcceptEcho(listener.get());
  UniqueFd client = Connect(port, 4096);
  EchoHandler* handler = loop->AwaitHandler(1);
  EventLoop* raw = loop->loop();
  loop->RunSync([handler] { handler->set_reply(Pattern(8 << 20, 5)); });
  WriteAll(client.get(), "go");
  ASSERT_EQ(ReadExactly(client.get(), 100).size(), 100u);  // the reply is being sent
  // Back-pressure as a Connection applies it: a client that does not read gets paused.
  loop->RunSync([raw, handler] { raw->PauseReceive(handler->fd()); });
  Reset(std::move(client));
  EXPECT_EQ(handler->AwaitClosed(), 1);
  EXPECT_EQ(handler->sends_completed(), 0);
  EXPECT_EQ(handler->peer_closed(), 0);  // a reset is not a half-close
}

TEST_P(EventLoopTest, PausedIdleStreamResetByPeerCloses) {
  if (IsUring()) {
    GTEST_SKIP() << "io_uring: a paused stream with no send in flight has nothing armed and "
                    "notices a reset after ResumeReceive (see uring_loop.h)";
  }
  int port;
  UniqueFd listener = ListenLoopback(&port);
  std::unique_ptr<LoopThread> loop = StartLoop();
  loop->AcceptEcho(listener.get());
  UniqueFd client = Connect(port);
  EchoHandler* handler = loop->AwaitHandler(1);
  EventLoop* raw = loop->loop();
  loop->RunSync([raw, handler] { raw->PauseReceive(handler->fd()); });
  WriteAll(client.get(), "unread");
  Reset(std::move(client));
  // EPOLLERR/EPOLLHUP are reported whatever the mask: the stream must end, not spin.
  EXPECT_EQ(handler->AwaitClosed(), 1);
  EXPECT_EQ(handler->received(), 0u);
  EXPECT_EQ(handler->peer_closed(), 0);
}

TEST_P(EventLoopTest, Echoes16MiBThroughPartialWrites) {
  int port;
  UniqueFd listener = ListenLoopback(&port);
  std::unique_ptr<LoopThread> loop = StartLoop();
  loop->AcceptEcho(listener.get());
  // The client writes everything before it reads anything, through a 64 KiB receive window:
  // the echo cannot fit in the socket buffers, so the loop's sends must stop and resume.
  UniqueFd client = Connect(port, 64 * 1024);
  const std::string data = Pattern(16 << 20, 7);
  WriteAll(client.get(), data);
  EXPECT_TRUE(ReadExactly(client.get(), data.size()) == data);  // no 16 MiB diff when not
  EchoHandler* handler = loop->AwaitHandler(1);
  EXPECT_EQ(handler->received(), data.size());
  EXPECT_GE(handler->sends_completed(), 1);
  client.reset();
  EXPECT_EQ(handler->AwaitClosed(), 1);
}

TEST_P(EventLoopTest, PeerHalfClosesClosesOrResetsMidSend) {
  int port;
  UniqueFd listener = ListenLoopback(&port);
  std::unique_ptr<LoopThread> loop = StartLoop();
  loop->AcceptEcho(listener.get());
  enum Ending { kHalfClose, kClose, kReset };
  const std::string reply = Pattern(16 << 20, 3);
  int count = 0;
  for (Ending ending : {kHalfClose, kClose, kReset}) {
    UniqueFd client = Connect(port, 4096);
    EchoHandler* handler = loop->AwaitHandler(++count);
    loop->RunSync([handler, &reply] { handler->set_reply(reply); });
    WriteAll(client.get(), "go");
    // Some of the reply arrived, and most of 16 MiB cannot have: the send is in progress.
    ASSERT_EQ(ReadExactly(client.get(), 1000).size(), 1000u);
    if (ending == kHalfClose) {
      // A FIN while the server is still sending: the reply still arrives whole, then EOF.
      shutdown(client.get(), SHUT_WR);
      EXPECT_EQ(ReadToEnd(client.get()), reply.size() - 1000);
    } else if (ending == kClose) {
      client.reset();  // closing with unread bytes sends a reset
    } else {
      Reset(std::move(client));
    }
    EXPECT_EQ(handler->AwaitClosed(), 1);
    EXPECT_EQ(handler->sends_completed(), ending == kHalfClose ? 1 : 0);
    EXPECT_EQ(handler->peer_closed(), ending == kHalfClose ? 1 : 0);
  }
  loop->RunSync([] {});
  for (EchoHandler* handler : loop->handlers()) EXPECT_EQ(handler->closed(), 1);
}

TEST_P(EventLoopTest, PeerClosesOrResetsMidReceive) {
  int port;
  UniqueFd listener = ListenLoopback(&port);
  std::unique_ptr<LoopThread> loop = StartLoop();
  loop->AcceptEcho(listener.get());
  for (int i = 0; i < 4; ++i) {
    UniqueFd client = Connect(port);
    WriteAll(client.get(), "get half-a-requ");
    if (i % 2 == 1) {
      Reset(std::move(client));
    } else {
      shutdown(client.get(), SHUT_WR);  // FIN; the echo may still be read, or not
    }
    EchoHandler* handler = loop->AwaitHandler(i + 1);
    EXPECT_EQ(handler->AwaitClosed(), 1);
    EXPECT_EQ(handler->peer_closed(), i % 2 == 0 ? 1 : 0);
  }
  loop->RunSync([] {});
  for (EchoHandler* handler : loop->handlers()) EXPECT_EQ(handler->closed(), 1);
}

// --- The peer's half-close ------------------------------------------------------------------

// (a) A client that sends and then shuts down its sending side (`nc -N`) gets its whole reply,
// also one that the handler only writes after OnPeerClosed; then EOF.
TEST_P(EventLoopTest, HalfCloseDeliversAllThenPeerClosedAndTheReplySurvives) {
  int port;
  UniqueFd listener = ListenLoopback(&port);
  std::unique_ptr<LoopThread> loop = StartLoop();
  loop->AcceptEcho(listener.get());
  int count = 0;
  for (bool hold : {false, true}) {
    UniqueFd client = Connect(port);
    EchoHandler* handler = loop->AwaitHandler(++count);
    if (hold) loop->RunSync([handler] { handler->set_hold_until_peer_closed(); });
    const std::string data = Pattern(10000, count);
    WriteAll(client.get(), data);
    shutdown(client.get(), SHUT_WR);
    EXPECT_EQ(ReadExactly(client.get(), data.size()), data) << (hold ? "held" : "echoed");
    EXPECT_EQ(ReadToEnd(client.get()), 0u);  // EOF: the handler closed once it owed nothing
    EXPECT_EQ(handler->AwaitClosed(), 1);
    EXPECT_EQ(handler->peer_closed(), 1);
    EXPECT_EQ(handler->received_at_peer_closed(), data.size());
  }
}

// (b) The same with a reply far larger than the socket buffers: it is written in many partial
// sends, all of them after the peer's FIN when held.
TEST_P(EventLoopTest, HalfCloseLargeReplyThroughPartialWrites) {
  int port;
  UniqueFd listener = ListenLoopback(&port);
  std::unique_ptr<LoopThread> loop = StartLoop();
  loop->AcceptEcho(listener.get());
  int count = 0;
  for (bool hold : {false, true}) {
    UniqueFd client = Connect(port, 64 * 1024);
    EchoHandler* handler = loop->AwaitHandler(++count);
    if (hold) loop->RunSync([handler] { handler->set_hold_until_peer_closed(); });
    const std::string data = Pattern(8 << 20, 20 + count);
    WriteAll(client.get(), data);
    shutdown(client.get(), SHUT_WR);
    EXPECT_TRUE(ReadExactly(client.get(), data.size()) == data) << (hold ? "held" : "echoed");
    EXPECT_EQ(ReadToEnd(client.get()), 0u);
    EXPECT_EQ(handler->AwaitClosed(), 1);
    EXPECT_EQ(handler->peer_closed(), 1);
    EXPECT_EQ(handler->received_at_peer_closed(), data.size());
    EXPECT_GE(handler->sends_completed(), 1);
  }
}

// Waits until the peer's FIN has reached the server's socket `fd`.
void AwaitFinAt(int fd) {
  pollfd entry{fd, POLLRDHUP, 0};
  ASSERT_EQ(poll(&entry, 1, -1), 1) << strerror(errno);
  ASSERT_TRUE(entry.revents & POLLRDHUP);
}

// (c) A stream paused when the FIN arrives: nothing until ResumeReceive, then the data, and
// only then OnPeerClosed.
TEST_P(EventLoopTest, PausedStreamGetsPeerClosedOnlyAfterResume) {
  int port;
  UniqueFd listener = ListenLoopback(&port);
  std::unique_ptr<LoopThread> loop = StartLoop();
  loop->AcceptEcho(listener.get());
  UniqueFd client = Connect(port);
  EchoHandler* handler = loop->AwaitHandler(1);
  EventLoop* raw = loop->loop();
  loop->RunSync([raw, handler] { raw->PauseReceive(handler->fd()); });
  loop->RunSync([] {});  // a whole turn: whatever the pause submitted has taken effect
  const std::string data = Pattern(5000, 31);
  WriteAll(client.get(), data);
  shutdown(client.get(), SHUT_WR);
  AwaitFinAt(handler->fd());
  for (int i = 0; i < 3; ++i) loop->RunSync([] {});
  EXPECT_EQ(handler->received(), 0u);
  EXPECT_EQ(handler->peer_closed(), 0);
  EXPECT_EQ(handler->closed(), 0);

  loop->RunSync([raw, handler] { raw->ResumeReceive(handler->fd()); });
  EXPECT_EQ(ReadExactly(client.get(), data.size()), data);
  EXPECT_EQ(ReadToEnd(client.get()), 0u);
  EXPECT_EQ(handler->AwaitClosed(), 1);
  EXPECT_EQ(handler->peer_closed(), 1);
  EXPECT_EQ(handler->received_at_peer_closed(), data.size());
}

// (c) The same when the pause comes from inside OnReceive while the rest of the data and the
// FIN are already on their way: io_uring then has completions for them in the same batch and
// must hold the bytes and the FIN, in order, until ResumeReceive.
TEST_P(EventLoopTest, PausedInsideOnReceiveWithDataAndFinBehind) {
  int port;
  UniqueFd listener = ListenLoopback(&port);
  std::unique_ptr<LoopThread> loop = StartLoop();
  loop->AcceptEcho(listener.get());
  UniqueFd client = Connect(port);
  EchoHandler* handler = loop->AwaitHandler(1);
  EventLoop* raw = loop->loop();
  loop->RunSync([handler] { handler->set_pause_on_receive(); });
  // The loop is held in a task while everything arrives, so that it finds the data and the FIN
  // together (several receive completions, 16 KiB each, and the final one for the FIN).
  absl::Notification arrived;
  raw->Post([&arrived] { arrived.WaitForNotification(); });
  const std::string data = Pattern(40000, 37);
  WriteAll(client.get(), data);
  shutdown(client.get(), SHUT_WR);
  AwaitFinAt(handler->fd());
  arrived.Notify();
  for (int i = 0; i < 3; ++i) loop->RunSync([] {});
  EXPECT_GT(handler->received(), 0u);
  EXPECT_EQ(handler->peer_closed(), 0) << "OnPeerClosed while paused";
  EXPECT_EQ(handler->closed(), 0);

  loop->RunSync([raw, handler] { raw->ResumeReceive(handler->fd()); });
  EXPECT_EQ(ReadExactly(client.get(), data.size()), data);
  EXPECT_EQ(ReadToEnd(client.get()), 0u);
  EXPECT_EQ(handler->AwaitClosed(), 1);
  EXPECT_EQ(handler->peer_closed(), 1);
  EXPECT_EQ(handler->received_at_peer_closed(), data.size());
}

// (d) A reset is not a half-close: OnClosed, and no OnPeerClosed before it.
TEST_P(EventLoopTest, ResetGivesOnClosedWithoutPeerClosed) {
  int port;
  UniqueFd listener = ListenLoopback(&port);
  std::unique_ptr<LoopThread> loop = StartLoop();
  loop->AcceptEcho(listener.get());
  constexpr int kClients = 10;
  for (int i = 0; i < kClients; ++i) {
    UniqueFd client = Connect(port);
    WriteAll(client.get(), "ping");
    ASSERT_EQ(ReadExactly(client.get(), 4), "ping");
    if (i % 2 == 1) WriteAll(client.get(), "unread by the server, maybe");
    Reset(std::move(client));
    EchoHandler* handler = loop->AwaitHandler(i + 1);
    EXPECT_EQ(handler->AwaitClosed(), 1);
    EXPECT_EQ(handler->peer_closed(), 0);
  }
}

// (e) OnPeerClosed comes once, never after CloseStream or OnClosed, and Pause/ResumeReceive
// after it do not bring it back. Half of the handlers close on their first bytes, with the FIN
// right behind them.
TEST_P(EventLoopTest, PeerClosedComesOnceAndNeverAfterClose) {
  int port;
  UniqueFd listener = ListenLoopback(&port);
  std::unique_ptr<LoopThread> loop = StartLoop();
  loop->AcceptEcho(listener.get());
  constexpr int kClients = 40;
  std::vector<UniqueFd> clients;
  for (int i = 0; i < kClients; ++i) {
    clients.push_back(Connect(port));
    EchoHandler* handler = loop->AwaitHandler(i + 1);
    loop->RunSync([handler, i] {
      if (i % 2 == 0) {
        handler->set_toggle_pause_on_peer_closed();
      } else {
        handler->set_close_on_receive();
      }
    });
  }
  for (UniqueFd& client : clients) {
    WriteAll(client.get(), "data");
    shutdown(client.get(), SHUT_WR);
  }
  for (int i = 0; i < kClients; ++i) {
    EXPECT_EQ(ReadToEnd(clients[i].get()), i % 2 == 0 ? 4u : 0u);
  }
  std::vector<EchoHandler*> handlers = loop->handlers();
  for (int i = 0; i < kClients; ++i) {
    EXPECT_EQ(handlers[i]->AwaitClosed(), 1);
    EXPECT_EQ(handlers[i]->peer_closed(), i % 2 == 0 ? 1 : 0) << "client " << i;
  }
  for (int i = 0; i < 3; ++i) loop->RunSync([] {});
  for (EchoHandler* handler : handlers) {
    EXPECT_EQ(handler->closed(), 1);
    EXPECT_LE(handler->peer_closed(), 1);
  }
}

TEST_P(EventLoopTest, PauseStopsDeliveryAndResumeRestartsIt) {
  int port;
  UniqueFd listener = ListenLoopback(&port);
  std::unique_ptr<LoopThread> loop = StartLoop();
  loop->AcceptEcho(listener.get());
  UniqueFd client = Connect(port);
  WriteAll(client.get(), "ping");
  ASSERT_EQ(ReadExactly(client.get(), 4), "ping");
  EchoHandler* handler = loop->AwaitHandler(1);
  EventLoop* raw = loop->loop();
  loop->RunSync([raw, handler] { raw->PauseReceive(handler->fd()); });
  loop->RunSync([] {});  // a whole turn: whatever the pause submitted has taken effect

  const std::string data = Pattern(5000, 11);
  WriteAll(client.get(), data);
  // The bytes wait in the server socket, undelivered: nobody reads them while paused.
  int queued = 0;
  while (queued < static_cast<int>(data.size())) {
    ASSERT_EQ(ioctl(handler->fd(), FIONREAD, &queued), 0);
    std::this_thread::yield();
  }
  for (int i = 0; i < 3; ++i) loop->RunSync([] {});
  EXPECT_EQ(handler->received(), 4u);

  loop->RunSync([raw, handler] { raw->ResumeReceive(handler->fd()); });
  EXPECT_EQ(ReadExactly(client.get(), data.size()), data);
  EXPECT_EQ(handler->received(), 4u + data.size());
}

TEST_P(EventLoopTest, PostFromOtherThreadsRunsEachTaskOnceInOrder) {
  std::unique_ptr<LoopThread> loop = StartLoop();
  constexpr int kPosters = 4;
  constexpr int kTasksEach = 20000;
  std::vector<std::vector<int>> seen(kPosters);  // touched on the loop thread only
  absl::Notification all_done;
  std::atomic<int> remaining{kPosters * kTasksEach};
  std::vector<std::thread> posters;
  for (int p = 0; p < kPosters; ++p) {
    posters.emplace_back([&, p] {
      for (int i = 0; i < kTasksEach; ++i) {
        loop->loop()->Post([&, p, i] {
          seen[p].push_back(i);
          if (remaining.fetch_sub(1) == 1) all_done.Notify();
        });
      }
    });
  }
  for (auto& poster : posters) poster.join();
  all_done.WaitForNotification();
  loop->RunSync([] {});
  for (int p = 0; p < kPosters; ++p) {
    ASSERT_EQ(seen[p].size(), static_cast<size_t>(kTasksEach));
    for (int i = 0; i < kTasksEach; ++i) ASSERT_EQ(seen[p][i], i);
  }
}

TEST_P(EventLoopTest, CloseStreamInsideOnReceive) {
  int port;
  UniqueFd listener = ListenLoopback(&port);
  std::unique_ptr<LoopThread> loop = StartLoop();
  EventLoop* raw = loop->loop();
  constexpr int kClients = 20;
  std::vector<absl::Notification> closed(kClients);
  std::atomic<int> next{0};
  loop->RunSync([&] {
    absl::Status status = raw->StartAccepting(listener.get(), [&](int fd) {
      auto* handler = new CloseOnReceiveHandler(raw, fd, &closed[next.fetch_add(1)]);
      ASSERT_TRUE(raw->AddStream(fd, handler).ok());
    });
    ASSERT_TRUE(status.ok()) << status;
  });
  for (int i = 0; i < kClients; ++i) {
    UniqueFd client = Connect(port);
    WriteAll(client.get(), "bye");
    EXPECT_EQ(ReadToEnd(client.get()), 0u);  // closed by the server, nothing echoed
    closed[i].WaitForNotification();
  }
}

TEST_P(EventLoopTest, TwoLoopsShareOneListeningSocket) {
  int port;
  UniqueFd listener = ListenLoopback(&port);
  // The first loop to accept holds on until the other one has accepted too: while it is busy,
  // the kernel must offer the next connection to the other loop.
  absl::Mutex mu;
  int accepted[2] = {0, 0};
  std::unique_ptr<LoopThread> loops[2] = {StartLoop(), StartLoop()};
  for (int i = 0; i < 2; ++i) {
    LoopThread* self = loops[i].get();
    loops[i]->RunSync([&, i, self] {
      absl::Status status = self->loop()->StartAccepting(listener.get(), [&, i, self](int fd) {
        self->Adopt(fd);
        absl::MutexLock lock(&mu);
        ++accepted[i];
        mu.Await(absl::Condition(
            +[](int* other) { return *other > 0; }, &accepted[1 - i]));
      });
      ASSERT_TRUE(status.ok()) << status;
    });
  }
  std::vector<UniqueFd> clients;
  for (int i = 0; i < 8; ++i) clients.push_back(Connect(port));
  for (auto& client : clients) {
    WriteAll(client.get(), "x");
    EXPECT_EQ(ReadExactly(client.get(), 1), "x");
  }
  absl::MutexLock lock(&mu);
  EXPECT_GT(accepted[0], 0);
  EXPECT_GT(accepted[1], 0);
  EXPECT_EQ(accepted[0] + accepted[1], 8);
}

TEST_P(EventLoopTest, StopFromAnotherThreadEndsRunAndClosesStreams) {
  int port;
  UniqueFd listener = ListenLoopback(&port);
  std::unique_ptr<LoopThread> loop = StartLoop();
  loop->AcceptEcho(listener.get());
  UniqueFd client = Connect(port);
  WriteAll(client.get(), "hi");
  ASSERT_EQ(ReadExactly(client.get(), 2), "hi");
  EchoHandler* handler = loop->AwaitHandler(1);
  loop->StopAndJoin();
  EXPECT_EQ(handler->closed(), 1);
  EXPECT_EQ(ReadToEnd(client.get()), 0u);  // the server side was closed
}

TEST_P(EventLoopTest, AdoptsHandedOverSocketpair) {
  std::unique_ptr<LoopThread> loop = StartLoop();
  int fds[2];
  ASSERT_EQ(socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0, fds), 0);
  UniqueFd peer(fds[1]);
  ASSERT_EQ(SetNonBlocking(fds[0]), absl::OkStatus());
  // The acceptor's hand-over: the fd travels in a posted task.
  loop->loop()->Post([&loop, fd = fds[0]] { loop->Adopt(fd); });
  int flags = fcntl(peer.get(), F_GETFL);
  fcntl(peer.get(), F_SETFL, flags & ~O_NONBLOCK);
  WriteAll(peer.get(), "over a unix socket");
  EXPECT_EQ(ReadExactly(peer.get(), 18), "over a unix socket");
  peer.reset();
  EXPECT_EQ(loop->AwaitHandler(1)->AwaitClosed(), 1);
}

TEST_P(EventLoopTest, AddStreamFailureClosesTheFd) {
  std::unique_ptr<LoopThread> loop = StartLoop();
  // A regular file cannot be polled, so both engines refuse it; the loop must still close it.
  UniqueFd file(open("/dev/null", O_RDONLY | O_CLOEXEC));
  int raw_file = file.release();
  absl::Status status;
  EchoHandler handler(loop->loop(), raw_file);
  loop->RunSync([&] { status = loop->loop()->AddStream(raw_file, &handler); });
  if (status.ok()) {
    loop->RunSync([&] { loop->loop()->CloseStream(raw_file); });
    EXPECT_EQ(handler.AwaitClosed(), 1);
  }
  EXPECT_EQ(fcntl(raw_file, F_GETFD), -1) << "fd left open";
}

INSTANTIATE_TEST_SUITE_P(Engines, EventLoopTest, ::testing::ValuesIn(kEngines),
                         [](const ::testing::TestParamInfo<Engine>& info) {
                           return std::string(info.param.name);
                         });

}  // namespace
}  // namespace memkv::server
