// Unit tests of a connection that protected mode denies, over a FakeEventLoop driven by hand: on
// the RESP-only port the -DENIED line goes out as the connection opens, on the memcached port
// the first bytes' dialect picks the line; then the close, with nothing executed and the denial
// counted once. The peer is a real TCP socket on loopback, bound to 127.0.0.2 (denied) or
// 127.0.0.1 (served), since the decision reads the accepted socket's peer address.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include <memory>
#include <string>
#include <utility>

#include "gtest/gtest.h"
#include "server/conn/executing_connection.h"
#include "server/conn/protected_mode.h"
#include "server/conn/request_pipeline.h"
#include "storage/clock.h"
#include "storage/engine.h"
#include "tests/support/fake_event_loop.h"
#include "tests/support/fake_server_info.h"

namespace memkv::server {
namespace {

// The accepted end of a TCP connection from `client_address` to 127.0.0.1; the other ends stay
// open as long as the object lives.
struct AcceptedSocket {
  UniqueFd listener, client, accepted;
};

AcceptedSocket Accept(const char* client_address) {
  AcceptedSocket s;
  sockaddr_in server{};
  server.sin_family = AF_INET;
  server.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  s.listener = UniqueFd(socket(AF_INET, SOCK_STREAM, 0));
  EXPECT_EQ(bind(s.listener.get(), reinterpret_cast<sockaddr*>(&server), sizeof(server)), 0);
  EXPECT_EQ(listen(s.listener.get(), 1), 0);
  socklen_t length = sizeof(server);
  EXPECT_EQ(getsockname(s.listener.get(), reinterpret_cast<sockaddr*>(&server), &length), 0);
  sockaddr_in source{};
  source.sin_family = AF_INET;
  EXPECT_EQ(inet_pton(AF_INET, client_address, &source.sin_addr), 1);
  s.client = UniqueFd(socket(AF_INET, SOCK_STREAM, 0));
  EXPECT_EQ(bind(s.client.get(), reinterpret_cast<sockaddr*>(&source), sizeof(source)), 0);
  EXPECT_EQ(connect(s.client.get(), reinterpret_cast<sockaddr*>(&server), sizeof(server)), 0);
  s.accepted = UniqueFd(accept(s.listener.get(), nullptr, nullptr));
  EXPECT_GE(s.accepted.get(), 0);
  return s;
}

class ProtectedModeConnectionTest : public ::testing::Test {
 protected:
  ProtectedModeConnectionTest()
      : engine_(*storage::Engine::Create(EngineOptionsFor(), &clock_)),
        pipeline_(size_t{1} << 20),
        server_(engine_.get(), &info_, &pipeline_, 100) {
    pipeline_.protected_mode = true;
  }

  ~ProtectedModeConnectionTest() override {
    if (loop_.handler != nullptr) std::exchange(loop_.handler, nullptr)->OnClosed();
    loop_.RunPosted();
  }

  static storage::EngineOptions EngineOptionsFor() {
    storage::EngineOptions options;
    options.start_background_reclaimer = false;
    return options;
  }

  // Serves a connection from `client_address` on a port of `dialect`, as the front ends do.
  void Start(const char* client_address, PortDialect dialect) {
    socket_ = Accept(client_address);
    ASSERT_TRUE(server_.limiter.TryAcquire());
    assigned_.fetch_add(1);
    ExecutingConnection::Start({&loop_, &stats_, "worker0"}, std::move(socket_.accepted),
                               ConnectionSlot(&server_.limiter, &assigned_), dialect, nullptr,
                               &server_);
  }

  void Receive(std::string_view data) { loop_.handler->OnReceive(data); }

  // Completes the send in flight; true if the connection then asked to close.
  bool SendCompletesThenCloses() {
    if (!loop_.in_flight) return false;
    loop_.CompleteSend();
    return loop_.close_requested;
  }

  storage::FakeClock clock_;
  std::unique_ptr<storage::Engine> engine_;
  FakeServerInfo info_;
  PipelineConfig pipeline_;
  ServerContext server_;
  FakeEventLoop loop_;
  CommandStats stats_;
  std::atomic<int64_t> assigned_{0};
  AcceptedSocket socket_;
};

TEST_F(ProtectedModeConnectionTest, RespPortSendsTheLineAtOnceAndCloses) {
  Start("127.0.0.2", PortDialect::kRespOnly);
  ASSERT_EQ(loop_.sent.size(), 1u) << "sent before the client says anything";
  EXPECT_EQ(loop_.sent[0], kRespProtectedModeDenied);
  EXPECT_FALSE(loop_.close_requested) << "the line is still being written";
  EXPECT_TRUE(SendCompletesThenCloses());
  EXPECT_EQ(stats_.rejected_connections.Get(), 1u);
  EXPECT_EQ(stats_.protected_mode_denials.Get(), 1u);
  EXPECT_EQ(stats_.protocol_errors.Get(), 0u);
}

TEST_F(ProtectedModeConnectionTest, MemcachedPortAnswersTheFirstRequestInItsDialect) {
  Start("127.0.0.2", PortDialect::kAuto);
  EXPECT_TRUE(loop_.sent.empty()) << "the dialect is not known before the first byte";
  EXPECT_EQ(stats_.protected_mode_denials.Get(), 1u) << "counted at accept";
  Receive("set k 0 0 1\r\nv\r\nflush_all\r\n");
  EXPECT_EQ(loop_.AllSent(), kMemcacheProtectedModeDenied);
  EXPECT_TRUE(SendCompletesThenCloses());
  EXPECT_EQ(stats_.cmd_set.Get(), 0u) << "nothing ran";
  EXPECT_EQ(stats_.cmd_flush.Get(), 0u);
  EXPECT_EQ(stats_.requests.Get(), 0u);
  EXPECT_EQ(stats_.protected_mode_denials.Get(), 1u);
  EXPECT_EQ(stats_.rejected_connections.Get(), 1u);
  EXPECT_EQ(stats_.protocol_errors.Get(), 0u);
}

TEST_F(ProtectedModeConnectionTest, MemcachedPortAnswersRespInRespOnTheFirstByte) {
  Start("127.0.0.2", PortDialect::kAuto);
  Receive("*");  // one byte decides the dialect, and so the answer
  EXPECT_EQ(loop_.AllSent(), kRespProtectedModeDenied);
  EXPECT_TRUE(SendCompletesThenCloses());
  EXPECT_EQ(stats_.cmd_resp.Get(), 0u);
}

TEST_F(ProtectedModeConnectionTest, LocalClientIsServed) {
  Start("127.0.0.1", PortDialect::kAuto);
  Receive("set k 0 0 1\r\nv\r\n");
  EXPECT_EQ(loop_.AllSent(), "STORED\r\n");
  loop_.CompleteSend();
  EXPECT_FALSE(loop_.close_requested);
  EXPECT_EQ(stats_.protected_mode_denials.Get(), 0u);
  EXPECT_EQ(stats_.rejected_connections.Get(), 0u);
}

TEST_F(ProtectedModeConnectionTest, NotInForceServesEveryone) {
  pipeline_.protected_mode = false;  // --protected-mode no, or an --auth-file
  Start("127.0.0.2", PortDialect::kRespOnly);
  EXPECT_TRUE(loop_.sent.empty());
  Receive("PING\r\n");
  EXPECT_EQ(loop_.AllSent(), "+PONG\r\n");
  EXPECT_EQ(stats_.protected_mode_denials.Get(), 0u);
}

}  // namespace
}  // namespace memkv::server
