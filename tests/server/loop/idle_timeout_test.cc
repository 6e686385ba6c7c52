// Tests of the loops' one timer, the idle tick (EventLoop::SetIdleTimeout), on every engine
// variant over real loopback sockets: a silent stream gets OnIdle about the timeout after it was
// added (the harness's EchoHandler then closes it, as a Connection does), a stream with bytes
// going in or out does not, OnIdle comes again at every tick while a handler keeps an idle
// stream, and nothing ticks without a timeout. The harness is tests/support/event_loop_harness.h.
//
// Unlike event_loop_test.cc these tests measure time: what they check is a timer. The timeouts
// are short (50 to 200 ms) and the bounds loose, so that a loaded machine or a sanitizer build
// passes; a loop that never ticks fails them within seconds instead of hanging.
#include <poll.h>
#include <sys/socket.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstdint>
#include <memory>
#include <thread>
#include <vector>

#include "gtest/gtest.h"
#include "server/loop/event_loop.h"
#include "server/loop/socket_util.h"
#include "tests/support/event_loop_harness.h"

namespace memkv::server {
namespace {

using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;

class IdleTimeoutTest : public EngineTest {};

// Whether the peer closed `fd` (EOF or a reset) within `limit`; bytes before it are skipped.
bool ClosedWithin(int fd, std::chrono::milliseconds limit) {
  const Clock::time_point deadline = Clock::now() + limit;
  char buffer[4096];
  for (;;) {
    auto left = std::chrono::ceil<std::chrono::milliseconds>(deadline - Clock::now());
    pollfd entry{fd, POLLIN, 0};
    int ready = poll(&entry, 1, static_cast<int>(std::max<int64_t>(left.count(), 0)));
    if (ready < 0 && errno == EINTR) continue;
    if (ready <= 0) return false;
    ssize_t n = recv(fd, buffer, sizeof(buffer), MSG_DONTWAIT);
    if (n == 0) return true;
    if (n < 0 && errno != EAGAIN && errno != EINTR) return errno == ECONNRESET;
  }
}

// Waits (polling, at most `limit`) until fn() holds.
template <typename Fn>
bool Eventually(Fn fn, std::chrono::milliseconds limit = 5s) {
  const Clock::time_point deadline = Clock::now() + limit;
  while (!fn()) {
    if (Clock::now() > deadline) return false;
    std::this_thread::sleep_for(5ms);
  }
  return true;
}

TEST_P(IdleTimeoutTest, SilentStreamIsToldAfterTheTimeout) {
  int port;
  UniqueFd listener = ListenLoopback(&port);
  std::unique_ptr<EventLoop> loop = NewLoop();
  loop->SetIdleTimeout(100ms);  // before Run()
  TestLoopThread thread(std::move(loop));
  thread.AcceptEcho(listener.get());

  const Clock::time_point start = Clock::now();
  UniqueFd client = Connect(port);
  ASSERT_TRUE(ClosedWithin(client.get(), 5s)) << "a silent stream was never closed";
  const auto elapsed = Clock::now() - start;
  // Counted from AddStream, which comes after connect() has begun: never sooner than the timeout.
  EXPECT_GE(elapsed, 100ms);
  EXPECT_LT(elapsed, 2s);  // one or two 100 ms ticks, and a generous margin for a busy machine
  EchoHandler* handler = thread.AwaitHandler(1);
  EXPECT_EQ(handler->AwaitClosed(), 1);
  EXPECT_EQ(handler->idle(), 1);
}

TEST_P(IdleTimeoutTest, StreamsWithBytesGoingInAreLeftAlone) {
  EchoServer echo = StartEchoServer();
  echo.loop->RunSync([&] { echo.loop->loop()->SetIdleTimeout(200ms); });  // while running
  UniqueFd active = Connect(echo.port);
  UniqueFd silent = Connect(echo.port);
  // Five timeouts' worth of traffic, a byte every 50 ms.
  const Clock::time_point end = Clock::now() + 1s;
  while (Clock::now() < end) {
    WriteAll(active.get(), "x");
    ASSERT_EQ(ReadExactly(active.get(), 1), "x");
    std::this_thread::sleep_for(50ms);
  }
  EXPECT_TRUE(ClosedWithin(silent.get(), 0ms)) << "the silent stream beside it is still open";
  std::vector<EchoHandler*> handlers = echo.loop->handlers();
  ASSERT_EQ(handlers.size(), 2u);
  for (EchoHandler* handler : handlers) {
    bool is_active = handler->received() > 0;
    EXPECT_EQ(handler->idle(), is_active ? 0 : 1);
    EXPECT_EQ(handler->closed(), is_active ? 0 : 1);
  }
}

TEST_P(IdleTimeoutTest, BytesGoingOutAloneKeepAStreamActive) {
  EchoServer echo = StartEchoServer();
  // 500 ms against writes every 50 ms: a wide margin, so that a loaded machine delaying this
  // thread for a few hundred ms does not make the stream look idle.
  echo.loop->RunSync([&] { echo.loop->loop()->SetIdleTimeout(500ms); });
  UniqueFd client = Connect(echo.port);
  EchoHandler* handler = echo.loop->AwaitHandler(1);
  // The client never sends; the server writes to it every 50 ms (the client reads each write).
  const Clock::time_point end = Clock::now() + 1500ms;
  while (Clock::now() < end) {
    echo.loop->RunSync([handler] { handler->Echo("y"); });
    ASSERT_EQ(ReadExactly(client.get(), 1), "y");
    std::this_thread::sleep_for(50ms);
  }
  EXPECT_EQ(handler->idle(), 0);
  // Once the writes stop, the stream is idle like any other.
  EXPECT_TRUE(ClosedWithin(client.get(), 5s));
  EXPECT_EQ(handler->AwaitClosed(), 1);
  EXPECT_EQ(handler->idle(), 1);
}

TEST_P(IdleTimeoutTest, OnIdleComesAgainAtEveryTickWhileTheStreamIsKept) {
  EchoServer echo = StartEchoServer();
  echo.loop->set_keep_when_idle();
  echo.loop->RunSync([&] { echo.loop->loop()->SetIdleTimeout(50ms); });
  UniqueFd client = Connect(echo.port);
  EchoHandler* handler = echo.loop->AwaitHandler(1);
  EXPECT_TRUE(Eventually([handler] { return handler->idle() >= 3; }));
  // Kept: still open and served, and active again once bytes move.
  WriteAll(client.get(), "z");
  ASSERT_EQ(ReadExactly(client.get(), 1), "z");
  EXPECT_EQ(handler->closed(), 0);
}

TEST_P(IdleTimeoutTest, NothingIsIdleWithoutATimeout) {
  EchoServer echo = StartEchoServer();
  UniqueFd before = Connect(echo.port);
  EchoHandler* first = echo.loop->AwaitHandler(1);
  // Off by default; and a timeout set back to zero stops the ticks.
  echo.loop->RunSync([&] {
    echo.loop->loop()->SetIdleTimeout(50ms);
    echo.loop->loop()->SetIdleTimeout(0ms);
  });
  UniqueFd after = Connect(echo.port);
  EchoHandler* second = echo.loop->AwaitHandler(2);
  EXPECT_FALSE(ClosedWithin(before.get(), 300ms));
  EXPECT_FALSE(ClosedWithin(after.get(), 0ms));
  EXPECT_EQ(first->idle(), 0);
  EXPECT_EQ(second->idle(), 0);
  WriteAll(after.get(), "w");
  EXPECT_EQ(ReadExactly(after.get(), 1), "w");
}

INSTANTIATE_TEST_SUITE_P(Engines, IdleTimeoutTest, ::testing::ValuesIn(kEngines), EngineName);

}  // namespace
}  // namespace memkv::server
