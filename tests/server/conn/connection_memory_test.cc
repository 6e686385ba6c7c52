// Unit tests of what a Connection reports to the client-memory budget, and of its eviction, over
// a fake EventLoop driven by hand (no sockets but the one the loop is given, no threads).
#include <sys/socket.h>

#include <memory>
#include <string>
#include <utility>

#include "gtest/gtest.h"
#include "server/conn/client_memory_budget.h"
#include "server/conn/executing_connection.h"
#include "server/conn/request_pipeline.h"
#include "storage/clock.h"
#include "storage/engine.h"
#include "tests/support/fake_event_loop.h"
#include "tests/support/fake_server_info.h"

namespace memkv::server {
namespace {

class ConnectionMemoryTest : public ::testing::Test {
 protected:
  ConnectionMemoryTest()
      : engine_(*storage::Engine::Create(EngineOptionsFor(), &clock_)),
        pipeline_(size_t{1} << 20),
        server_(engine_.get(), &info_, &pipeline_, 100) {}

  ~ConnectionMemoryTest() override {
    if (loop_.handler != nullptr && !closed_) loop_.handler->OnClosed();
    loop_.RunPosted();
  }

  // Starts one connection under a budget of `limit` bytes.
  void Start(size_t limit) {
    budget_ = std::make_unique<ClientMemoryBudget>(limit);
    server_.client_memory = budget_.get();
    EXPECT_TRUE(server_.limiter.TryAcquire());
    int fds[2];
    ASSERT_EQ(socketpair(AF_UNIX, SOCK_STREAM, 0, fds), 0);
    peer_ = UniqueFd(fds[1]);
    ExecutingConnection::Start({&loop_, &stats_, "worker0"}, UniqueFd(fds[0]),
                               ConnectionSlot(&server_.limiter, nullptr), PortDialect::kAuto,
                               nullptr, &server_);
  }

  static storage::EngineOptions EngineOptionsFor() {
    storage::EngineOptions options;
    options.start_background_reclaimer = false;
    return options;
  }

  void Receive(std::string_view data) { loop_.handler->OnReceive(data); }

  storage::FakeClock clock_;
  std::unique_ptr<storage::Engine> engine_;
  FakeServerInfo info_;
  PipelineConfig pipeline_;
  ServerContext server_;
  std::unique_ptr<ClientMemoryBudget> budget_;  // outlives the connection, as the server's does
  FakeEventLoop loop_;
  CommandStats stats_;
  UniqueFd peer_;
  bool closed_ = false;
};

TEST_F(ConnectionMemoryTest, AnUnfinishedRequestIsCountedAndGivenBackWhenItCompletes) {
  Start(0);
  const std::string value(200000, 'v');
  Receive("set k 0 0 200000\r\n" + value.substr(0, 150000));
  EXPECT_GE(budget_->used(), 150000u) << "the value waits in the input buffer";
  Receive(value.substr(150000) + "\r\n");
  loop_.CompleteSend();
  EXPECT_LT(budget_->used(), ClientMemoryBudget::kMinEvictableBytes) << "the buffer was freed";
}

TEST_F(ConnectionMemoryTest, PastTheBudgetTheConnectionIsClosedOnItsLoopAndCounted) {
  Start(64 << 10);
  std::string line = "get";
  while (line.size() < 100000) line += " somekey";
  Receive(line);  // no newline: the line waits, and holds more than the budget
  ASSERT_EQ(loop_.posted.size(), 1u) << "the eviction is posted to the connection's own loop";
  EXPECT_FALSE(loop_.close_requested);
  loop_.RunPosted();
  EXPECT_TRUE(loop_.close_requested);
  EXPECT_EQ(budget_->evicted(), 1u);
  EXPECT_LT(budget_->used(), ClientMemoryBudget::kMinEvictableBytes) << "its input is dropped";
  EXPECT_TRUE(loop_.sent.empty()) << "closed without a reply";
  closed_ = true;
  std::exchange(loop_.handler, nullptr)->OnClosed();
  EXPECT_EQ(budget_->used(), 0u);
}

}  // namespace
}  // namespace memkv::server
