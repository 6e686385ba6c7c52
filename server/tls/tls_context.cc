#include "server/tls/tls_context.h"

#include <openssl/ssl.h>

#include <utility>

#include "server/tls/openssl_error.h"

namespace memkv::server {
namespace {

// Session resumption with client certificates needs an id for the context that issued the
// session (else OpenSSL refuses to resume one); any constant unique to this server will do.
constexpr unsigned char kSessionIdContext[] = "memkv";

absl::Status Refuse(const std::string& flag, const std::string& file) {
  return OpenSslError(absl::StatusCode::kInvalidArgument, flag + " " + file);
}

absl::Status LoadCertificate(SSL_CTX* ctx, const TlsConfig& config) {
  if (SSL_CTX_use_certificate_chain_file(ctx, config.cert_file.c_str()) != 1) {
    return Refuse("--tls-cert-file", config.cert_file);
  }
  if (SSL_CTX_use_PrivateKey_file(ctx, config.key_file.c_str(), SSL_FILETYPE_PEM) != 1) {
    return Refuse("--tls-key-file", config.key_file);
  }
  if (SSL_CTX_check_private_key(ctx) != 1) {
    return Refuse("--tls-key-file does not match --tls-cert-file:", config.key_file);
  }
  return absl::OkStatus();
}

absl::Status LoadClientCas(SSL_CTX* ctx, const TlsConfig& config) {
  if (config.client_certificates == ClientCertificates::kIgnored) {
    SSL_CTX_set_verify(ctx, SSL_VERIFY_NONE, nullptr);
    return absl::OkStatus();
  }
  if (SSL_CTX_load_verify_locations(ctx, config.ca_cert_file.c_str(), nullptr) != 1) {
    return Refuse("--tls-ca-cert-file", config.ca_cert_file);
  }
  // The CA names sent in the CertificateRequest, so that a client with several certificates
  // picks one these CAs signed.
  STACK_OF(X509_NAME)* names = SSL_load_client_CA_file(config.ca_cert_file.c_str());
  if (names == nullptr) return Refuse("--tls-ca-cert-file", config.ca_cert_file);
  SSL_CTX_set_client_CA_list(ctx, names);  // takes ownership
  int mode = SSL_VERIFY_PEER;
  if (config.client_certificates == ClientCertificates::kRequired) {
    mode |= SSL_VERIFY_FAIL_IF_NO_PEER_CERT;
  }
  SSL_CTX_set_verify(ctx, mode, nullptr);
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<std::unique_ptr<TlsContext>> TlsContext::Create(const TlsConfig& config) {
  ClearOpenSslErrors();
  SSL_CTX* ctx = SSL_CTX_new(TLS_server_method());
  if (ctx == nullptr) return OpenSslError(absl::StatusCode::kInternal, "SSL_CTX_new");
  std::unique_ptr<TlsContext> context(new TlsContext(ctx));
  // TLS 1.2 and 1.3 only, as Redis's default tls-protocols; no renegotiation (a client could
  // otherwise make the server redo the expensive half of a handshake as often as it likes).
  SSL_CTX_set_min_proto_version(ctx, TLS1_2_VERSION);
  SSL_CTX_set_options(
      ctx, SSL_OP_NO_RENEGOTIATION | SSL_OP_NO_COMPRESSION | SSL_OP_CIPHER_SERVER_PREFERENCE);
  // An idle connection gives its 34 KiB of record buffers back between records.
  SSL_CTX_set_mode(ctx, SSL_MODE_RELEASE_BUFFERS);
  SSL_CTX_set_session_id_context(ctx, kSessionIdContext, sizeof(kSessionIdContext) - 1);
  if (absl::Status status = LoadCertificate(ctx, config); !status.ok()) return status;
  if (absl::Status status = LoadClientCas(ctx, config); !status.ok()) return status;
  return context;
}

TlsContext::~TlsContext() { SSL_CTX_free(ctx_); }

absl::StatusOr<std::unique_ptr<TlsSession>> TlsContext::NewSession() const {
  ClearOpenSslErrors();
  SSL* ssl = SSL_new(ctx_);
  if (ssl == nullptr) return OpenSslError(absl::StatusCode::kResourceExhausted, "SSL_new");
  return TlsSession::Adopt(ssl);
}

}  // namespace memkv::server
