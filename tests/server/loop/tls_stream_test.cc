// TLS streams (EventLoop::AddTlsStream) on every engine variant, over real loopback sockets with
// a real OpenSSL client on a blocking socket: the handler sees the same calls as on a plain
// stream (the echo of tests/support/event_loop_harness.h runs unchanged), 16 MiB pass through a
// small receive window (the ciphertext's sends stop and resume, and each of the handler's sends
// completes only once its ciphertext is written), the peer's close_notify and FIN end receiving
// once with the replies still written, and a client that speaks no TLS is closed without its
// bytes reaching the handler.
//
// As event_loop_test.cc: no sleeps and no timeouts; a broken loop hangs and ctest fails it.
#include <openssl/ssl.h>
#include <sys/socket.h>

#include <memory>
#include <string>

#include "gtest/gtest.h"
#include "server/loop/event_loop.h"
#include "server/loop/socket_util.h"
#include "server/tls/tls_context.h"
#include "tests/support/event_loop_harness.h"
#include "tests/support/test_pki.h"

namespace memkv::server {
namespace {

// A TLS client on a blocking loopback socket, trusting the test CA, showing no certificate.
class TlsClient {
 public:
  explicit TlsClient(int port, int receive_buffer = 0) : fd_(Connect(port, receive_buffer)) {
    ctx_ = SSL_CTX_new(TLS_client_method());
    X509_STORE_add_cert(SSL_CTX_get_cert_store(ctx_), TestPki().ca.cert.get());
    SSL_CTX_set_verify(ctx_, SSL_VERIFY_PEER, nullptr);
    ssl_ = SSL_new(ctx_);
    SSL_set_fd(ssl_, fd_.get());
    SSL_set_tlsext_host_name(ssl_, "localhost");
  }
  ~TlsClient() {
    SSL_free(ssl_);
    SSL_CTX_free(ctx_);
  }

  bool Handshake() { return SSL_connect(ssl_) == 1; }
  void WriteAll(std::string_view data) {
    size_t written = 0;
    ASSERT_EQ(SSL_write_ex(ssl_, data.data(), data.size(), &written), 1);
    ASSERT_EQ(written, data.size());
  }
  std::string ReadExactly(size_t size) {
    std::string out;
    char buffer[65536];
    while (out.size() < size) {
      size_t got = 0;
      if (SSL_read_ex(ssl_, buffer, std::min(sizeof(buffer), size - out.size()), &got) != 1) break;
      out.append(buffer, got);
    }
    return out;
  }
  // close_notify, then the FIN.
  void CloseWriting() {
    SSL_shutdown(ssl_);
    shutdown(fd_.get(), SHUT_WR);
  }

 private:
  UniqueFd fd_;
  SSL_CTX* ctx_ = nullptr;
  SSL* ssl_ = nullptr;
};

class TlsStreamTest : public EngineTest {
 protected:
  void SetUp() override {
    EngineTest::SetUp();
    absl::StatusOr<std::unique_ptr<TlsContext>> tls =
        TlsContext::Create(TestServerConfig(ClientCertificates::kIgnored));
    ASSERT_TRUE(tls.ok()) << tls.status();
    tls_ = *std::move(tls);
  }

  EchoServer StartTlsEchoServer() {
    EchoServer server;
    server.listener = ListenLoopback(&server.port);
    server.loop = StartLoop();
    server.loop->set_tls(tls_.get());
    server.loop->AcceptEcho(server.listener.get());
    return server;
  }

  std::unique_ptr<TlsContext> tls_;  // outlives the loops: declared before them in each test
};

TEST_P(TlsStreamTest, EchoesSmallRequests) {
  EchoServer echo = StartTlsEchoServer();
  TlsClient client(echo.port);
  ASSERT_TRUE(client.Handshake());
  for (int i = 0; i < 100; ++i) {
    std::string request = "get key" + std::to_string(i) + "\r\n";
    client.WriteAll(request);
    EXPECT_EQ(client.ReadExactly(request.size()), request);
  }
  EchoHandler* handler = echo.loop->AwaitHandler(1);
  EXPECT_EQ(handler->closed(), 0);
}

TEST_P(TlsStreamTest, Echoes16MiBThroughPartialWrites) {
  EchoServer echo = StartTlsEchoServer();
  // Everything is written before anything is read, through a 64 KiB receive window: the
  // ciphertext cannot fit in the socket buffers, so the loop's sends must stop and resume.
  TlsClient client(echo.port, 64 * 1024);
  ASSERT_TRUE(client.Handshake());
  const std::string data = Pattern(16 << 20, 11);
  client.WriteAll(data);
  EXPECT_TRUE(client.ReadExactly(data.size()) == data);  // no 16 MiB diff when not
  EchoHandler* handler = echo.loop->AwaitHandler(1);
  EXPECT_EQ(handler->received(), data.size());
  EXPECT_GE(handler->sends_completed(), 1);
}

TEST_P(TlsStreamTest, CloseNotifyAndFinDeliverAllThenPeerClosedAndTheReplySurvives) {
  EchoServer echo = StartTlsEchoServer();
  TlsClient client(echo.port);
  ASSERT_TRUE(client.Handshake());
  const std::string data = Pattern(300 * 1024, 5);
  client.WriteAll(data);
  client.CloseWriting();
  EXPECT_TRUE(client.ReadExactly(data.size()) == data);
  EchoHandler* handler = echo.loop->AwaitHandler(1);
  EXPECT_EQ(handler->AwaitClosed(), 1);  // the echo closes once it owes nothing after the FIN
  EXPECT_EQ(handler->peer_closed(), 1);
  EXPECT_EQ(handler->received_at_peer_closed(), data.size());
}

TEST_P(TlsStreamTest, PlaintextClientIsClosedUnheard) {
  EchoServer echo = StartTlsEchoServer();
  UniqueFd plain = Connect(echo.port);
  WriteAll(plain.get(), "get a\r\nflush_all\r\n");
  EchoHandler* handler = echo.loop->AwaitHandler(1);
  EXPECT_EQ(handler->AwaitClosed(), 1);
  EXPECT_EQ(handler->received(), 0u);
  // And the next client is served.
  TlsClient client(echo.port);
  ASSERT_TRUE(client.Handshake());
  client.WriteAll("version\r\n");
  EXPECT_EQ(client.ReadExactly(9), "version\r\n");
}

INSTANTIATE_TEST_SUITE_P(Engines, TlsStreamTest, ::testing::ValuesIn(kEngines), EngineName);

}  // namespace
}  // namespace memkv::server
