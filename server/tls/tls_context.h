// TlsContext: the server side of TLS for one listening port: its certificate chain and key, the
// CAs that client certificates must chain to, and whether a client must present one
// (--tls-auth-clients, as Redis's tls-auth-clients). It makes a TlsSession for each accepted
// connection. An OpenSSL SSL_CTX underneath, loaded once at start from PEM files.
//
// Threads: Create on one thread; afterwards NewSession may be called from any number of threads
// at once (OpenSSL makes new SSL objects from a shared SSL_CTX under its own locks).
#ifndef MEMKV_SERVER_TLS_TLS_CONTEXT_H_
#define MEMKV_SERVER_TLS_TLS_CONTEXT_H_

#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "server/tls/tls_session.h"

typedef struct ssl_ctx_st SSL_CTX;

namespace memkv::server {

// Whether a client must show a certificate signed by one of the --tls-ca-cert-file CAs.
enum class ClientCertificates {
  kRequired,  // yes: the handshake fails without a valid one (Redis's default)
  kOptional,  // optional: none is fine; one that is shown must be valid
  kIgnored,   // no: none is asked for
};

struct TlsConfig {
  std::string cert_file;     // --tls-cert-file: PEM, the server's certificate (chain)
  std::string key_file;      // --tls-key-file: PEM, its private key
  std::string ca_cert_file;  // --tls-ca-cert-file: PEM, CAs for client certificates
  ClientCertificates client_certificates = ClientCertificates::kRequired;
};

class TlsContext {
 public:
  // Loads the files. Errors name the file and OpenSSL's reason (InvalidArgument), so that a bad
  // path or a key that does not match the certificate stops the server at start.
  static absl::StatusOr<std::unique_ptr<TlsContext>> Create(const TlsConfig& config);
  ~TlsContext();
  TlsContext(const TlsContext&) = delete;
  TlsContext& operator=(const TlsContext&) = delete;

  // A session in the server role, waiting for the client's hello.
  absl::StatusOr<std::unique_ptr<TlsSession>> NewSession() const;

 private:
  explicit TlsContext(SSL_CTX* ctx) : ctx_(ctx) {}
  SSL_CTX* const ctx_;  // owned
};

}  // namespace memkv::server

#endif  // MEMKV_SERVER_TLS_TLS_CONTEXT_H_
