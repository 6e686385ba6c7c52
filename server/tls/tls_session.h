// TlsSession: one connection's TLS, over memory buffers instead of a socket. Ciphertext read from
// the socket goes in with Receive, which hands back the plaintext it decrypts; plaintext to send
// goes in with Send; the ciphertext to write to the socket (handshake messages, records, alerts)
// comes out of TakeOutgoing. The session never blocks and never sees a descriptor, so an event
// loop can run it over epoll and io_uring alike, and a test can run two of them against each other
// in memory.
//
// The handshake runs inside Receive (the server answers the client's hello). Plaintext sent before
// it has finished is kept and encrypted once it has (has_unsent_plaintext says so meanwhile).
//
// Threads: one connection's, so one thread at a time.
#ifndef MEMKV_SERVER_TLS_TLS_SESSION_H_
#define MEMKV_SERVER_TLS_TLS_SESSION_H_

#include <sys/uio.h>

#include <memory>
#include <string>
#include <string_view>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/types/span.h"

typedef struct ssl_st SSL;
typedef struct bio_st BIO;

namespace memkv::server {

class TlsSession {
 public:
  // Takes ownership of `ssl`, a server-role SSL without BIOs (TlsContext::NewSession).
  static absl::StatusOr<std::unique_ptr<TlsSession>> Adopt(SSL* ssl);
  ~TlsSession();
  TlsSession(const TlsSession&) = delete;
  TlsSession& operator=(const TlsSession&) = delete;

  enum class Received {
    kOpen,         // more may come
    kCloseNotify,  // the peer ended the TLS session (close_notify): nothing more will come
  };
  // Ciphertext from the peer. Appends what it decrypts to *plain (nothing during the handshake
  // or for a partial record). An error (a failed handshake, a bad record, a client certificate
  // that is missing or not trusted) ends the session: the stream should be closed, after
  // writing TakeOutgoing's alert if it likes.
  absl::StatusOr<Received> Receive(std::string_view ciphertext, std::string* plain);

  // Plaintext to send, in order: encrypted now (records of up to 16 KiB, small slices coalesced
  // into one record), or kept until the handshake has finished.
  absl::Status Send(absl::Span<const iovec> slices);

  // Ends the session from this side: appends close_notify (and whatever was waiting before it)
  // to *out, so that the peer can tell the end of the replies from a cut connection (RFC 8446
  // 6.1: each side sends one before closing). Nothing after the handshake has not finished.
  void Shutdown(std::string* out);

  // Appends the ciphertext waiting to be written to *out.
  void TakeOutgoing(std::string* out);
  bool has_outgoing() const;
  bool handshake_done() const;
  // Plaintext given to Send that waits for the end of the handshake.
  bool has_unsent_plaintext() const { return !unsent_.empty(); }

 private:
  TlsSession(SSL* ssl, BIO* in, BIO* out) : ssl_(ssl), in_(in), out_(out) {}
  // Encrypts `plain` into records.
  absl::Status Write(std::string_view plain);
  // Encrypts the gathered small slices, if any.
  absl::Status WriteStaged();
  // Encrypts what Send kept during the handshake, once it is over.
  absl::Status FlushUnsent();

  SSL* const ssl_;  // owned; owns in_ and out_
  BIO* const in_;   // ciphertext received, not yet consumed
  BIO* const out_;  // ciphertext to send
  std::string unsent_;
  std::string staged_;  // small slices gathered into one record
};

}  // namespace memkv::server

#endif  // MEMKV_SERVER_TLS_TLS_SESSION_H_
