#include "server/tls/tls_session.h"

#include <openssl/bio.h>
#include <openssl/ssl.h>

#include <algorithm>
#include <climits>
#include <cstddef>

#include "server/tls/openssl_error.h"

namespace memkv::server {
namespace {

// The largest plaintext of one TLS record: reads go record by record, and writes gather slices
// smaller than this into one record instead of spending a record (22+ bytes, one AEAD pass) each.
constexpr size_t kRecordBytes = 16 * 1024;

absl::Status PeerError(std::string_view what) {
  return OpenSslError(absl::StatusCode::kInvalidArgument, what);
}

}  // namespace

absl::StatusOr<std::unique_ptr<TlsSession>> TlsSession::Adopt(SSL* ssl) {
  BIO* in = BIO_new(BIO_s_mem());
  BIO* out = BIO_new(BIO_s_mem());
  if (in == nullptr || out == nullptr) {
    BIO_free(in);
    BIO_free(out);
    SSL_free(ssl);
    return OpenSslError(absl::StatusCode::kResourceExhausted, "BIO_new");
  }
  // An empty input is "wait for more" (SSL_ERROR_WANT_READ), not the end of the stream: the end
  // comes from the socket, and the loop reports it itself.
  BIO_set_mem_eof_return(in, -1);
  SSL_set_bio(ssl, in, out);  // the SSL owns both from here on
  SSL_set_accept_state(ssl);
  return std::unique_ptr<TlsSession>(new TlsSession(ssl, in, out));
}

TlsSession::~TlsSession() { SSL_free(ssl_); }

bool TlsSession::handshake_done() const { return SSL_is_init_finished(ssl_) == 1; }

bool TlsSession::has_outgoing() const { return BIO_ctrl_pending(out_) > 0; }

absl::StatusOr<TlsSession::Received> TlsSession::Receive(std::string_view ciphertext,
                                                         std::string* plain) {
  ClearOpenSslErrors();
  while (!ciphertext.empty()) {
    int chunk = static_cast<int>(std::min<size_t>(ciphertext.size(), INT_MAX));
    int n = BIO_write(in_, ciphertext.data(), chunk);  // a memory BIO takes it all
    if (n <= 0) return OpenSslError(absl::StatusCode::kResourceExhausted, "BIO_write");
    ciphertext.remove_prefix(static_cast<size_t>(n));
  }
  bool was_done = handshake_done();
  // Everything the input holds, so that no whole record waits inside the session for a read
  // that the loop has no reason to make.
  char buffer[kRecordBytes];
  for (;;) {
    size_t got = 0;
    int result = SSL_read_ex(ssl_, buffer, sizeof(buffer), &got);
    if (result == 1) {
      plain->append(buffer, got);
      continue;
    }
    int error = SSL_get_error(ssl_, result);
    if (error == SSL_ERROR_WANT_READ) break;  // a partial record, or the handshake's next step
    if (error == SSL_ERROR_ZERO_RETURN) return Received::kCloseNotify;
    return PeerError(handshake_done() ? "TLS record" : "TLS handshake");
  }
  if (!was_done && handshake_done()) {
    if (absl::Status status = FlushUnsent(); !status.ok()) return status;
  }
  return Received::kOpen;
}

absl::Status TlsSession::Send(absl::Span<const iovec> slices) {
  if (!handshake_done()) {
    for (const iovec& slice : slices)
      unsent_.append(static_cast<const char*>(slice.iov_base), slice.iov_len);
    return absl::OkStatus();
  }
  ClearOpenSslErrors();
  for (const iovec& slice : slices) {
    std::string_view bytes(static_cast<const char*>(slice.iov_base), slice.iov_len);
    if (bytes.size() < kRecordBytes) {
      staged_.append(bytes);
      if (staged_.size() < kRecordBytes) continue;
      if (absl::Status status = WriteStaged(); !status.ok()) return status;
      continue;
    }
    // A large slice goes from where it lies into records, after what was gathered before it.
    if (absl::Status status = WriteStaged(); !status.ok()) return status;
    if (absl::Status status = Write(bytes); !status.ok()) return status;
  }
  return WriteStaged();
}

absl::Status TlsSession::WriteStaged() {
  if (staged_.empty()) return absl::OkStatus();
  absl::Status status = Write(staged_);
  staged_.clear();
  return status;
}

absl::Status TlsSession::Write(std::string_view plain) {
  while (!plain.empty()) {
    size_t written = 0;
    // Into a memory BIO, which grows: every byte is taken at once (no partial write mode).
    if (SSL_write_ex(ssl_, plain.data(), plain.size(), &written) != 1) {
      return OpenSslError(absl::StatusCode::kInternal, "SSL_write");
    }
    plain.remove_prefix(written);
  }
  return absl::OkStatus();
}

absl::Status TlsSession::FlushUnsent() {
  std::string unsent = std::move(unsent_);
  unsent_.clear();
  iovec slice{unsent.data(), unsent.size()};
  return Send(absl::MakeConstSpan(&slice, 1));
}

void TlsSession::Shutdown(std::string* out) {
  if (!handshake_done()) return;
  ClearOpenSslErrors();
  // 0: close_notify sent, the peer's not seen; the one answer a server closing now needs.
  (void)SSL_shutdown(ssl_);
  ClearOpenSslErrors();
  TakeOutgoing(out);
}

void TlsSession::TakeOutgoing(std::string* out) {
  char* data = nullptr;
  long size = BIO_get_mem_data(out_, &data);
  if (size <= 0) return;
  out->append(data, static_cast<size_t>(size));
  (void)BIO_reset(out_);
}

}  // namespace memkv::server
