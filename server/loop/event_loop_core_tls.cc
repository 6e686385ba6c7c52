// EventLoopCore's TLS streams: the session sits between the engine's bytes and the handler, so
// that both engines and every handler get TLS without knowing of it. Receiving decrypts before
// Deliver's usual path (the plaintext is held behind a pause like any other bytes); sending
// encrypts the handler's slices at once into ciphertext that the engine writes as one slice (the
// "wire"), and only once that is written does the handler's Send complete, so that a client that
// does not read holds back its connection exactly as on a plain stream. Ciphertext the session
// makes of its own accord (the handshake, alerts, TLS 1.3 tickets and key updates) takes the same
// way: it waits behind the wire in flight, never beside it.
#include <sys/socket.h>

#include <utility>

#include "server/loop/event_loop_core.h"
#include "server/tls/tls_context.h"

namespace memkv::server {
namespace {

// A wire or queue that grew past this for one large reply is given back once written, so that
// an idle TLS connection does not keep the size of its largest reply.
constexpr size_t kKeptCiphertextBytes = 64 * 1024;

void ShrinkIfLarge(std::string* bytes) {
  if (bytes->capacity() > kKeptCiphertextBytes) std::string().swap(*bytes);
}

}  // namespace

absl::Status EventLoopCore::AddTlsStream(int fd, StreamHandler* handler, const TlsContext& tls) {
  absl::StatusOr<std::unique_ptr<TlsSession>> session = tls.NewSession();
  if (!session.ok()) {
    UniqueFd closed(fd);  // the fd is the loop's also when this fails
    return session.status();
  }
  return AddStreamWith(fd, handler, *std::move(session));
}

void EventLoopCore::ReceiveTls(StreamState* stream, std::string_view ciphertext) {
  tls_plain_.clear();
  absl::StatusOr<TlsSession::Received> received =
      stream->tls->session->Receive(ciphertext, &tls_plain_);
  PumpTls(stream);  // the handshake's answer, or an alert saying why it failed
  if (!received.ok()) {
    MarkClosing(stream);
    return;
  }
  if (!tls_plain_.empty()) DeliverPlain(stream, tls_plain_);
  // close_notify ends what the peer sends, as a FIN does; the socket's own FIN may follow.
  if (*received == TlsSession::Received::kCloseNotify && !stream->closing && !stream->peer_closed) {
    HandlePeerClosed(stream);
  }
}

void EventLoopCore::SendTls(StreamState* stream, absl::Span<const iovec> slices) {
  stream->tls->handler_send_open = true;
  if (!stream->tls->session->Send(slices).ok()) {
    MarkClosing(stream);
    return;
  }
  PumpTls(stream);
}

void EventLoopCore::PumpTls(StreamState* stream) {
  if (stream->closing) return;
  TlsState& tls = *stream->tls;
  tls.session->TakeOutgoing(&tls.queued);
  if (tls.wire_in_flight) return;  // the queue goes when the wire is written
  // The handler's send is fully encrypted unless part of it waits for the handshake.
  bool handler_send_encrypted = tls.handler_send_open && !tls.session->has_unsent_plaintext();
  if (tls.queued.empty()) {
    if (handler_send_encrypted) {
      // It made no ciphertext (it was empty): it completes at the next safe point.
      tls.handler_send_open = false;
      tls.handler_send_done = true;
      CompleteSendLater(stream);
    }
    return;
  }
  tls.wire.swap(tls.queued);
  tls.queued.clear();
  tls.wire_in_flight = true;
  tls.wire_ends_handler_send = handler_send_encrypted;
  if (handler_send_encrypted) tls.handler_send_open = false;
  iovec slice{tls.wire.data(), tls.wire.size()};
  stream->send.Reset(absl::MakeConstSpan(&slice, 1));
  StartSend(stream);
}

// A handler closes once its replies are written, so the socket's buffer is nearly always empty
// and takes the alert's few dozen bytes at once: one direct non-blocking send, not a send through
// the engine that the close would have to wait for. Not while ciphertext is still on its way (an
// alert must follow it, not overtake it): the peer then sees a cut instead, as it would anyway
// when the socket cannot take the bytes.
void EventLoopCore::SayCloseNotify(StreamState* stream) {
  TlsState& tls = *stream->tls;
  if (tls.wire_in_flight || !tls.queued.empty()) return;
  std::string alert;
  tls.session->Shutdown(&alert);
  if (alert.empty()) return;
  [[maybe_unused]] ssize_t sent =
      ::send(stream->fd.get(), alert.data(), alert.size(), MSG_NOSIGNAL | MSG_DONTWAIT);
}

void EventLoopCore::SendDone(StreamState* stream) {
  if (stream->tls == nullptr) {
    stream->handler->OnSendComplete();
    return;
  }
  TlsState& tls = *stream->tls;
  bool handler_done = std::exchange(tls.handler_send_done, false);
  if (tls.wire_in_flight && stream->send.empty()) {
    tls.wire_in_flight = false;
    handler_done |= std::exchange(tls.wire_ends_handler_send, false);
    ShrinkIfLarge(&tls.wire);
    ShrinkIfLarge(&tls.queued);
  }
  // The handler's next Send, if it makes one here, joins the queue and goes on the next wire.
  if (handler_done) stream->handler->OnSendComplete();
  PumpTls(stream);
}

}  // namespace memkv::server
