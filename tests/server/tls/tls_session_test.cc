// TlsSession and TlsContext against a real OpenSSL client, in memory: the test plays the socket,
// carrying ciphertext between the client's SSL and the server's session, so that handshakes,
// records, alerts and client-certificate policies are exercised without a loop or a port.
// Certificates are made at test time (tests/support/test_pki.h).
#include "server/tls/tls_session.h"

#include <openssl/bio.h>
#include <openssl/ssl.h>
#include <sys/uio.h>

#include <memory>
#include <string>
#include <vector>

#include "gtest/gtest.h"
#include "server/tls/tls_context.h"
#include "tests/support/test_pki.h"

namespace memkv::server {
namespace {

// An OpenSSL client over memory BIOs that trusts the test CA, with an optional certificate.
class Client {
 public:
  explicit Client(const Identity* identity) {
    ctx_ = SSL_CTX_new(TLS_client_method());
    X509_STORE_add_cert(SSL_CTX_get_cert_store(ctx_), TestPki().ca.cert.get());
    SSL_CTX_set_verify(ctx_, SSL_VERIFY_PEER, nullptr);
    if (identity != nullptr) {
      SSL_CTX_use_certificate(ctx_, identity->cert.get());
      SSL_CTX_use_PrivateKey(ctx_, identity->key.get());
    }
    ssl_ = SSL_new(ctx_);
    in_ = BIO_new(BIO_s_mem());
    out_ = BIO_new(BIO_s_mem());
    BIO_set_mem_eof_return(in_, -1);
    SSL_set_bio(ssl_, in_, out_);
    SSL_set_connect_state(ssl_);
    SSL_set_tlsext_host_name(ssl_, "localhost");
  }
  ~Client() {
    SSL_free(ssl_);
    SSL_CTX_free(ctx_);
  }

  // Moves the handshake on; true once it is done on this side.
  bool Handshake() { return SSL_do_handshake(ssl_) == 1; }
  void Write(const std::string& plain) {
    size_t written = 0;
    ASSERT_EQ(SSL_write_ex(ssl_, plain.data(), plain.size(), &written), 1);
    ASSERT_EQ(written, plain.size());
  }
  // Everything decrypted so far.
  std::string Read() {
    std::string plain;
    char buffer[16384];
    size_t got = 0;
    while (SSL_read_ex(ssl_, buffer, sizeof(buffer), &got) == 1) plain.append(buffer, got);
    return plain;
  }
  void CloseNotify() { SSL_shutdown(ssl_); }
  std::string TakeOutgoing() {
    char* data = nullptr;
    long size = BIO_get_mem_data(out_, &data);
    std::string out(data, size > 0 ? size : 0);
    (void)BIO_reset(out_);
    return out;
  }
  void Give(const std::string& ciphertext) { BIO_write(in_, ciphertext.data(), ciphertext.size()); }

 private:
  SSL_CTX* ctx_ = nullptr;
  SSL* ssl_ = nullptr;
  BIO* in_ = nullptr;
  BIO* out_ = nullptr;
};

// The wire between a client and a server session; counts the ciphertext the server sends.
struct Link {
  Link(Client* client, TlsSession* server) : client(client), server(server) {}

  Client* client;
  TlsSession* server;
  std::string server_plain;  // what the server decrypted
  size_t server_ciphertext_bytes = 0;
  absl::Status server_status;
  bool close_notify = false;

  // Carries bytes both ways until neither side has anything more to say.
  void Pump() {
    for (int round = 0; round < 20; ++round) {
      client->Handshake();
      std::string to_server = client->TakeOutgoing();
      if (!to_server.empty() && server_status.ok()) {
        absl::StatusOr<TlsSession::Received> received = server->Receive(to_server, &server_plain);
        if (!received.ok()) server_status = received.status();
        if (received.ok() && *received == TlsSession::Received::kCloseNotify) close_notify = true;
      }
      std::string to_client;
      server->TakeOutgoing(&to_client);
      server_ciphertext_bytes += to_client.size();
      if (!to_client.empty()) client->Give(to_client);
      if (to_server.empty() && to_client.empty()) return;
    }
  }
};

absl::Status SendText(TlsSession* session, const std::string& text) {
  iovec slice{const_cast<char*>(text.data()), text.size()};
  return session->Send(absl::MakeConstSpan(&slice, 1));
}

std::unique_ptr<TlsSession> NewServer(ClientCertificates policy) {
  absl::StatusOr<std::unique_ptr<TlsContext>> context =
      TlsContext::Create(TestServerConfig(policy));
  EXPECT_TRUE(context.ok()) << context.status();
  absl::StatusOr<std::unique_ptr<TlsSession>> session = (*context)->NewSession();
  EXPECT_TRUE(session.ok()) << session.status();
  // The session holds its own reference to the SSL_CTX: the context may go first.
  return *std::move(session);
}

TEST(TlsSessionTest, HandshakeThenRequestsAndRepliesBothWays) {
  std::unique_ptr<TlsSession> server = NewServer(ClientCertificates::kRequired);
  Client client(&TestPki().client);
  Link link(&client, server.get());
  link.Pump();
  ASSERT_TRUE(link.server_status.ok()) << link.server_status;
  EXPECT_TRUE(server->handshake_done());
  EXPECT_TRUE(client.Handshake());

  client.Write("set a 0 0 5\r\nhello\r\nget a\r\n");
  link.Pump();
  EXPECT_EQ(link.server_plain, "set a 0 0 5\r\nhello\r\nget a\r\n");
  ASSERT_TRUE(SendText(server.get(), "STORED\r\nVALUE a 0 5\r\nhello\r\nEND\r\n").ok());
  link.Pump();
  EXPECT_EQ(client.Read(), "STORED\r\nVALUE a 0 5\r\nhello\r\nEND\r\n");
}

TEST(TlsSessionTest, PlaintextSentDuringTheHandshakeGoesOutAfterIt) {
  std::unique_ptr<TlsSession> server = NewServer(ClientCertificates::kIgnored);
  ASSERT_TRUE(SendText(server.get(), "-DENIED early\r\n").ok());
  EXPECT_TRUE(server->has_unsent_plaintext());
  std::string nothing;
  server->TakeOutgoing(&nothing);
  EXPECT_TRUE(nothing.empty());  // no record before the client's hello
  Client client(nullptr);
  Link link(&client, server.get());
  link.Pump();
  ASSERT_TRUE(link.server_status.ok()) << link.server_status;
  EXPECT_FALSE(server->has_unsent_plaintext());
  EXPECT_EQ(client.Read(), "-DENIED early\r\n");
}

TEST(TlsSessionTest, SmallSlicesShareRecordsAndALargeOneArrivesWhole) {
  std::unique_ptr<TlsSession> server = NewServer(ClientCertificates::kIgnored);
  Client client(nullptr);
  Link link(&client, server.get());
  link.Pump();
  ASSERT_TRUE(server->handshake_done());
  link.server_ciphertext_bytes = 0;

  // A multi-get's reply: 1000 header, value and trailer slices of a few bytes each, then one
  // value of 1 MiB. One record per slice would cost 3000 x (5 + 16 + 1) bytes of overhead.
  std::vector<std::string> parts;
  for (int i = 0; i < 1000; ++i) {
    parts.push_back("VALUE k" + std::to_string(i) + " 0 3\r\n");
    parts.push_back("abc");
    parts.push_back("\r\n");
  }
  parts.push_back(std::string(1 << 20, 'v'));
  parts.push_back("END\r\n");
  std::string expected;
  std::vector<iovec> slices;
  for (std::string& part : parts) {
    expected += part;
    slices.push_back({part.data(), part.size()});
  }
  ASSERT_TRUE(server->Send(slices).ok());
  link.Pump();
  std::string received = client.Read();
  ASSERT_EQ(received.size(), expected.size());
  EXPECT_EQ(received, expected);
  // 16 KiB records: about 70 of them, not 3002.
  EXPECT_LT(link.server_ciphertext_bytes, expected.size() + 100 * 22);
}

TEST(TlsSessionTest, CloseNotifyEndsReceiving) {
  std::unique_ptr<TlsSession> server = NewServer(ClientCertificates::kIgnored);
  Client client(nullptr);
  Link link(&client, server.get());
  link.Pump();
  client.Write("quit\r\n");
  client.CloseNotify();
  link.Pump();
  EXPECT_EQ(link.server_plain, "quit\r\n");
  EXPECT_TRUE(link.close_notify);
}

TEST(TlsSessionTest, PlaintextInsteadOfAHelloIsAnError) {
  std::unique_ptr<TlsSession> server = NewServer(ClientCertificates::kIgnored);
  std::string plain;
  absl::StatusOr<TlsSession::Received> received = server->Receive("get a\r\n", &plain);
  EXPECT_FALSE(received.ok());
  EXPECT_TRUE(plain.empty());
}

TEST(TlsSessionTest, GarbageAfterTheHandshakeIsAnError) {
  std::unique_ptr<TlsSession> server = NewServer(ClientCertificates::kIgnored);
  Client client(nullptr);
  Link link(&client, server.get());
  link.Pump();
  ASSERT_TRUE(server->handshake_done());
  std::string plain;
  // A record header announcing application data, then bytes that do not decrypt.
  std::string forged = std::string("\x17\x03\x03\x00\x20", 5) + std::string(32, 'x');
  EXPECT_FALSE(server->Receive(forged, &plain).ok());
  EXPECT_TRUE(plain.empty());
}

// The client's certificate under each --tls-auth-clients policy: whether a command gets through.
bool CommandGetsThrough(ClientCertificates policy, const Identity* identity) {
  std::unique_ptr<TlsSession> server = NewServer(policy);
  Client client(identity);
  Link link(&client, server.get());
  link.Pump();
  client.Write("version\r\n");
  link.Pump();
  return link.server_status.ok() && link.server_plain == "version\r\n";
}

TEST(TlsSessionTest, ClientCertificateRequired) {
  EXPECT_TRUE(CommandGetsThrough(ClientCertificates::kRequired, &TestPki().client));
  EXPECT_FALSE(CommandGetsThrough(ClientCertificates::kRequired, nullptr));
  EXPECT_FALSE(CommandGetsThrough(ClientCertificates::kRequired, &TestPki().stranger));
}

TEST(TlsSessionTest, ClientCertificateOptional) {
  EXPECT_TRUE(CommandGetsThrough(ClientCertificates::kOptional, &TestPki().client));
  EXPECT_TRUE(CommandGetsThrough(ClientCertificates::kOptional, nullptr));
  EXPECT_FALSE(CommandGetsThrough(ClientCertificates::kOptional, &TestPki().stranger));
}

TEST(TlsSessionTest, ClientCertificateIgnored) {
  EXPECT_TRUE(CommandGetsThrough(ClientCertificates::kIgnored, nullptr));
  EXPECT_TRUE(CommandGetsThrough(ClientCertificates::kIgnored, &TestPki().stranger));
}

TEST(TlsContextTest, BadFilesAreRefusedNamingTheFlag) {
  TlsConfig config = TestServerConfig(ClientCertificates::kRequired);
  config.cert_file = testing::TempDir() + "/no-such-certificate.pem";
  absl::StatusOr<std::unique_ptr<TlsContext>> context = TlsContext::Create(config);
  ASSERT_FALSE(context.ok());
  EXPECT_EQ(context.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_NE(context.status().message().find("--tls-cert-file"), std::string::npos);

  // The client's key does not belong to the server's certificate.
  config = TestServerConfig(ClientCertificates::kRequired);
  config.key_file = WritePem("client_key", nullptr, TestPki().client.key.get());
  context = TlsContext::Create(config);
  ASSERT_FALSE(context.ok());
  EXPECT_NE(context.status().message().find("--tls-key-file"), std::string::npos);
  EXPECT_NE(context.status().message().find("mismatch"), std::string::npos)
      << context.status().message();

  config = TestServerConfig(ClientCertificates::kRequired);
  config.ca_cert_file = testing::TempDir() + "/no-such-ca.pem";
  context = TlsContext::Create(config);
  ASSERT_FALSE(context.ok());
  EXPECT_NE(context.status().message().find("--tls-ca-cert-file"), std::string::npos);
}

}  // namespace
}  // namespace memkv::server
