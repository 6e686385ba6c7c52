// Tests of the two EventLoop implementations (epoll, io_uring) over real loopback sockets: echo
// with many connections and with 16 MiB that cannot fit in the socket buffers, peers that close
// or reset mid-send and mid-receive, back-pressure, Post from other threads, CloseStream from a
// callback, two loops on one listening socket, Stop from another thread, and the peer's
// half-close (FIN): everything received, then OnPeerClosed, with replies still written after it;
// and a handler's receive target (bytes received straight into its own memory).
// The harness (clients, counting handlers, the loop thread, the engine variants) is in
// tests/support/event_loop_harness.h; the gather Send (a list of slices) has gather_send_test.cc.
//
// No sleeps and no timeouts: every wait is for a condition the loop must bring about, so a
// broken loop makes a test hang (and ctest's TIMEOUT fail it) rather than pass by luck.
#include "server/loop/event_loop.h"

#include <fcntl.h>
#include <sys/ioctl.h>
#include <sys/socket.h>

#include <atomic>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "absl/synchronization/mutex.h"
#include "absl/synchronization/notification.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "server/loop/socket_util.h"
#include "server/loop/uring_loop.h"
#include "tests/support/event_loop_harness.h"

namespace memkv::server {
namespace {

class EventLoopTest : public EngineTest {};

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
  EchoServer echo = StartEchoServer();
  const int port = echo.port;
  TestLoopThread* loop = echo.loop.get();
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
  std::unique_ptr<TestLoopThread> loop = StartLoop();
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
    TestLoopThread loop(std::move(made));
    EXPECT_EQ(ReadExactly(peer.get(), early.size()), early);
    WriteAll(peer.get(), "echo");
    EXPECT_EQ(ReadExactly(peer.get(), 4), "echo");
  }
  EXPECT_EQ(handler.closed(), 1);  // Run() closed it on the way out
}

TEST_P(EventLoopTest, PausedStreamResetWhileSendingCloses) {
  EchoServer echo = StartEchoServer();
  const int port = echo.port;
  TestLoopThread* loop = echo.loop.get();
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
  EchoServer echo = StartEchoServer();
  const int port = echo.port;
  TestLoopThread* loop = echo.loop.get();
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
  EchoServer echo = StartEchoServer();
  const int port = echo.port;
  TestLoopThread* loop = echo.loop.get();
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
  EchoServer echo = StartEchoServer();
  const int port = echo.port;
  TestLoopThread* loop = echo.loop.get();
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
  EchoServer echo = StartEchoServer();
  const int port = echo.port;
  TestLoopThread* loop = echo.loop.get();
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

void SendThenHalfClose(int client, std::string_view data) {
  WriteAll(client, data);
  ASSERT_EQ(shutdown(client, SHUT_WR), 0);  // the FIN, as `nc -N` sends it
}

// How every half-close ends: the client reads the whole echo and then EOF, because the handler
// saw every byte before OnPeerClosed (once) and closed once it owed nothing.
void ExpectEchoThenClosed(int client, EchoHandler* handler, const std::string& data) {
  EXPECT_TRUE(ReadExactly(client, data.size()) == data);  // no megabyte diff when not
  EXPECT_EQ(ReadToEnd(client), 0u);
  EXPECT_EQ(handler->AwaitClosed(), 1);
  EXPECT_EQ(handler->peer_closed(), 1);
  EXPECT_EQ(handler->received_at_peer_closed(), data.size());
}

// (a) A client that sends and then shuts down its sending side (`nc -N`) gets its whole reply,
// also one that the handler only writes after OnPeerClosed; then EOF.
TEST_P(EventLoopTest, HalfCloseDeliversAllThenPeerClosedAndTheReplySurvives) {
  EchoServer echo = StartEchoServer();
  const int port = echo.port;
  TestLoopThread* loop = echo.loop.get();
  int count = 0;
  for (bool hold : {false, true}) {
    UniqueFd client = Connect(port);
    EchoHandler* handler = loop->AwaitHandler(++count);
    if (hold) loop->RunSync([handler] { handler->set_hold_until_peer_closed(); });
    const std::string data = Pattern(10000, count);
    SendThenHalfClose(client.get(), data);
    ExpectEchoThenClosed(client.get(), handler, data);
  }
}

// (b) The same with a reply far larger than the socket buffers: it is written in many partial
// sends, all of them after the peer's FIN when held.
TEST_P(EventLoopTest, HalfCloseLargeReplyThroughPartialWrites) {
  EchoServer echo = StartEchoServer();
  const int port = echo.port;
  TestLoopThread* loop = echo.loop.get();
  int count = 0;
  for (bool hold : {false, true}) {
    UniqueFd client = Connect(port, 64 * 1024);
    EchoHandler* handler = loop->AwaitHandler(++count);
    if (hold) loop->RunSync([handler] { handler->set_hold_until_peer_closed(); });
    const std::string data = Pattern(8 << 20, 20 + count);
    SendThenHalfClose(client.get(), data);
    ExpectEchoThenClosed(client.get(), handler, data);
    EXPECT_GE(handler->sends_completed(), 1);
  }
}

// (c) A stream paused when the FIN arrives: nothing until ResumeReceive, then the data, and
// only then OnPeerClosed.
TEST_P(EventLoopTest, PausedStreamGetsPeerClosedOnlyAfterResume) {
  EchoServer echo = StartEchoServer();
  const int port = echo.port;
  TestLoopThread* loop = echo.loop.get();
  UniqueFd client = Connect(port);
  EchoHandler* handler = loop->AwaitHandler(1);
  EventLoop* raw = loop->loop();
  loop->RunSync([raw, handler] { raw->PauseReceive(handler->fd()); });
  loop->RunSync([] {});  // a whole turn: whatever the pause submitted has taken effect
  const std::string data = Pattern(5000, 31);
  SendThenHalfClose(client.get(), data);
  AwaitFinAt(handler->fd());
  for (int i = 0; i < 3; ++i) loop->RunSync([] {});
  EXPECT_EQ(handler->received(), 0u);
  EXPECT_EQ(handler->peer_closed(), 0);
  EXPECT_EQ(handler->closed(), 0);

  loop->RunSync([raw, handler] { raw->ResumeReceive(handler->fd()); });
  ExpectEchoThenClosed(client.get(), handler, data);
}

// (c) The same when the pause comes from inside OnReceive while the rest of the data and the
// FIN are already on their way: io_uring then has completions for them in the same batch and
// must hold the bytes and the FIN, in order, until ResumeReceive.
TEST_P(EventLoopTest, PausedInsideOnReceiveWithDataAndFinBehind) {
  EchoServer echo = StartEchoServer();
  const int port = echo.port;
  TestLoopThread* loop = echo.loop.get();
  UniqueFd client = Connect(port);
  EchoHandler* handler = loop->AwaitHandler(1);
  EventLoop* raw = loop->loop();
  loop->RunSync([handler] { handler->set_pause_on_receive(); });
  // The loop is held in a task while everything arrives, so that it finds the data and the FIN
  // together (several receive completions, 16 KiB each, and the final one for the FIN).
  absl::Notification arrived;
  raw->Post([&arrived] { arrived.WaitForNotification(); });
  const std::string data = Pattern(40000, 37);
  SendThenHalfClose(client.get(), data);
  AwaitFinAt(handler->fd());
  arrived.Notify();
  for (int i = 0; i < 3; ++i) loop->RunSync([] {});
  EXPECT_GT(handler->received(), 0u);
  EXPECT_EQ(handler->peer_closed(), 0) << "OnPeerClosed while paused";
  EXPECT_EQ(handler->closed(), 0);

  loop->RunSync([raw, handler] { raw->ResumeReceive(handler->fd()); });
  ExpectEchoThenClosed(client.get(), handler, data);
}

// (d) A reset is not a half-close: OnClosed, and no OnPeerClosed before it.
TEST_P(EventLoopTest, ResetGivesOnClosedWithoutPeerClosed) {
  EchoServer echo = StartEchoServer();
  const int port = echo.port;
  TestLoopThread* loop = echo.loop.get();
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
  EchoServer echo = StartEchoServer();
  const int port = echo.port;
  TestLoopThread* loop = echo.loop.get();
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
  EchoServer echo = StartEchoServer();
  const int port = echo.port;
  TestLoopThread* loop = echo.loop.get();
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
  std::unique_ptr<TestLoopThread> loop = StartLoop();
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
  std::unique_ptr<TestLoopThread> loop = StartLoop();
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

// Receives `size` bytes into memory of its own once the first bytes have come (as a connection
// receives a large value into its block): asks the loop to receive into its target, says "R",
// takes bytes either way (OnReceive copies, OnReceivedInto counts), and notifies when full.
class TargetHandler final : public StreamHandler {
 public:
  TargetHandler(EventLoop* loop, int fd, size_t size) : loop_(loop), fd_(fd), buffer_(size, '\0') {}
  void OnReceive(std::string_view data) override {
    const size_t n = std::min(data.size(), buffer_.size() - filled_);
    std::copy_n(data.data(), n, buffer_.data() + filled_);
    filled_ += n;
    if (!started_) {
      started_ = true;
      loop_->ReceiveTargetChanged(fd_);
      loop_->Send(fd_, "R");
    }
    MaybeFull();
  }
  absl::Span<char> ReceiveTarget() override {
    if (!started_) return {};
    return absl::Span<char>(buffer_.data() + filled_, buffer_.size() - filled_);
  }
  void OnReceivedInto(size_t n) override {
    ASSERT_LE(n, buffer_.size() - filled_);
    filled_ += n;
    direct_ += n;
    MaybeFull();
  }
  void OnSendComplete() override {}
  void OnPeerClosed() override { loop_->CloseStream(fd_); }
  void OnClosed() override { closed_.Notify(); }

  // After full() is notified, from any thread.
  const std::string& buffer() const { return buffer_; }
  size_t direct() const { return direct_; }
  absl::Notification& full() { return full_; }
  absl::Notification& closed() { return closed_; }

 private:
  void MaybeFull() {
    if (filled_ == buffer_.size() && !full_.HasBeenNotified()) full_.Notify();
  }

  EventLoop* const loop_;
  const int fd_;
  std::string buffer_;
  size_t filled_ = 0;
  size_t direct_ = 0;
  bool started_ = false;
  absl::Notification full_;
  absl::Notification closed_;
};

// The receive target (StreamHandler::ReceiveTarget): every byte arrives once, in order, and most
// of them straight into the handler's memory, in every engine variant (io_uring: its multishot
// receive is cancelled and single-shot receives read into the target).
TEST_P(EventLoopTest, ReceivesIntoTheHandlersTarget) {
  int port;
  UniqueFd listener = ListenLoopback(&port);
  std::unique_ptr<TestLoopThread> loop = StartLoop();
  EventLoop* raw = loop->loop();
  const std::string data = Pattern(1 << 20, 3);
  std::unique_ptr<TargetHandler> handler;
  loop->RunSync([&] {
    absl::Status status = raw->StartAccepting(listener.get(), [&](int fd) {
      handler = std::make_unique<TargetHandler>(raw, fd, data.size());
      ASSERT_TRUE(raw->AddStream(fd, handler.get()).ok());
    });
    ASSERT_TRUE(status.ok()) << status;
  });
  UniqueFd client = Connect(port);
  WriteAll(client.get(), data.substr(0, 10));
  ASSERT_EQ(ReadExactly(client.get(), 1), "R");  // the target is set: the rest goes into it
  for (size_t at = 10; at < data.size(); at += 4096) {
    WriteAll(client.get(), data.substr(at, 4096));
  }
  // The handler was created on the loop thread before "R" was sent.
  TargetHandler* h = nullptr;
  loop->RunSync([&] { h = handler.get(); });
  h->full().WaitForNotification();
  EXPECT_TRUE(h->buffer() == data);  // no 1 MiB diff when not
  EXPECT_GT(h->direct(), data.size() / 2);
  client.reset();
  h->closed().WaitForNotification();
  loop->StopAndJoin();
}

TEST_P(EventLoopTest, TwoLoopsShareOneListeningSocket) {
  int port;
  UniqueFd listener = ListenLoopback(&port);
  // The first loop to accept holds on until the other one has accepted too: while it is busy,
  // the kernel must offer the next connection to the other loop.
  absl::Mutex mu;
  int accepted[2] = {0, 0};
  std::unique_ptr<TestLoopThread> loops[2] = {StartLoop(), StartLoop()};
  for (int i = 0; i < 2; ++i) {
    TestLoopThread* self = loops[i].get();
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
  EchoServer echo = StartEchoServer();
  const int port = echo.port;
  TestLoopThread* loop = echo.loop.get();
  UniqueFd client = Connect(port);
  WriteAll(client.get(), "hi");
  ASSERT_EQ(ReadExactly(client.get(), 2), "hi");
  EchoHandler* handler = loop->AwaitHandler(1);
  loop->StopAndJoin();
  EXPECT_EQ(handler->closed(), 1);
  EXPECT_EQ(ReadToEnd(client.get()), 0u);  // the server side was closed
}

TEST_P(EventLoopTest, AdoptsHandedOverSocketpair) {
  std::unique_ptr<TestLoopThread> loop = StartLoop();
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
  std::unique_ptr<TestLoopThread> loop = StartLoop();
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

INSTANTIATE_TEST_SUITE_P(Engines, EventLoopTest, ::testing::ValuesIn(kEngines), EngineName);

}  // namespace
}  // namespace memkv::server
