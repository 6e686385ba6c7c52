#include "server/conn/connection.h"

#include <algorithm>
#include <utility>

#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "server/conn/protected_mode.h"
#include "server/loop/socket_util.h"

namespace memkv::server {

using protocol::ParseStatus;

Connection::CallbackScope::~CallbackScope() {
  // May release (and delete) *c_: nothing may follow.
  if (--c_->callback_depth_ == 0 && c_->closed_) c_->Release();
}

Connection::Connection(const Env& env, int fd, PortDialect dialect, uint64_t client_id,
                       ConnectionSlot slot)
    : env_(env), fd_(fd), slot_(std::move(slot)), pipeline_(env.pipeline, dialect) {
  pipeline_.session().client_id = client_id;
  env_.stats->curr_connections.Add(1);
  env_.stats->total_connections.Add();
  if (env.pipeline->connections != nullptr) {
    registration_ = env.pipeline->connections->Register(fd, MemcachedSocketAddress(fd, true),
                                                        MemcachedSocketAddress(fd, false),
                                                        absl::ToUnixMillis(absl::Now()));
  }
  if (ProtectedModeDeniesSocket(env.pipeline->protected_mode, fd)) {
    pipeline_.Deny();
    // Counted at accept, as Redis counts it (stat_rejected_conn), whether or not it speaks.
    env_.stats->rejected_connections.Add();
    env_.stats->protected_mode_denials.Add();
  }
}

void Connection::Opened() {
  // On the memcached port the dialect, and so the line, is known only from the first byte.
  if (!pipeline_.denied() || pipeline_.connection_dialect() != Dialect::kResp) return;
  CallbackScope scope(this);
  output().append(kRespProtectedModeDenied);
  StartClosing();
  Settle();  // sends, then closes once written; may release this when the scope ends
}

Connection::~Connection() { env_.stats->curr_connections.Add(-1); }

void Connection::OnReceive(std::string_view data) {
  CallbackScope scope(this);
  env_.stats->bytes_read.Add(data.size());
  if (closing_) return;  // after quit or a fatal error nothing more is read
  BeforeReceive();
  // memcached's last_cmd_time is per command line; one clock read per wake-up is enough for
  // whole seconds.
  if (env_.pipeline->connections != nullptr) {
    registration_.SetLastCommand(absl::ToUnixMillis(absl::Now()));
    registration_.SetState(ConnState::kParse);
  }
  input_.Receive(data, [this](std::string_view bytes) { return Consume(bytes); });
  if (closing_) input_.Discard();
  Settle();
}

void Connection::OnSendComplete() {
  CallbackScope scope(this);
  sending_ = false;
  out_[active_ ^ 1].Release();  // the pins of the values it spliced go here
  // Re-entered from StartSend (the send completed at once): the Settle() that called it goes on.
  if (callback_depth_ > 1) return;
  OnSendDone();
  Settle();
}

void Connection::OnPeerClosed() {
  CallbackScope scope(this);
  // The requests already received still run and are answered; Settle closes once they are.
  peer_closed_ = true;
  Settle();
}

void Connection::OnClosed() {
  closed_ = true;
  slot_.Reset();
  if (callback_depth_ == 0) Release();  // may delete this: nothing may follow
}

// Nothing came in or went out for the idle timeout. memcached 1.6 (conn_close_idle) kicks only a
// connection that waits for a command: one blocked writing replies to a client that does not
// read them (conn_mwrite) stays open however long that lasts (tried with 1.6.18 and
// idle_timeout=1: 5 s of replies left unread, all of them delivered afterwards). memkv does the
// same: while replies wait to be written (a send in progress or output buffered), requests wait
// in the input (a spent budget, a full batch) or a batch is at a worker, the connection is busy,
// not idle, and OnIdle comes again at the next tick. One difference: memcached counts from the
// last command, so it kicks such a client right after its replies are out; the loop counts
// bytes written as activity too (as Redis does), so here that takes another timeout. A partial
// request does not protect a connection: memcached also kicks a client that stopped in the
// middle of a command line, though not one in the middle of a value (conn_nread), a
// distinction Redis's `timeout` does not make either. The close is silent, as both servers'
// are: no error line, only the end of the stream.
void Connection::OnIdle() {
  CallbackScope scope(this);
  if (closing_ || close_requested_ || sending_ || input_blocked_ || WorkInFlight() ||
      !out_[active_].empty()) {
    return;
  }
  env_.stats->idle_kicks.Add();
  StartClosing();
  Settle();  // owes nothing: closes at once
}

void Connection::JoinMemoryBudget(ClientMemoryBudget* budget, ClientMemoryBudget::Evictor evictor) {
  memory_.Attach(budget, std::move(evictor));
}

size_t Connection::MemoryFootprint() const {
  // Capacities, not sizes: what the allocator holds for this connection. Spliced values are
  // items (inside -m, shared between connections) and are left out.
  // A value being received counts from its header on, as memcached's item does: its whole size
  // is allocated then.
  return input_.capacity() + receiving_.bytes() + out_[0].bytes().capacity() +
         out_[1].bytes().capacity() + slices_.capacity() * sizeof(iovec) +
         pipeline_.RetainedBytes() + FlavourMemory();
}

void Connection::Evict() {
  if (closed_ || close_requested_) return;
  CallbackScope scope(this);
  memory_.CountEviction();
  closing_ = true;
  close_requested_ = true;
  input_.Discard();
  out_[active_].Release();  // the other buffer may be in a send: freed once the stream closes
  memory_.Update(MemoryFootprint());
  env_.loop->CloseStream(fd_);
}

void Connection::StartClosing() {
  closing_ = true;
  input_.Discard();
}

absl::Span<char> Connection::ReceiveTarget() {
  if (closing_ || close_requested_) return {};
  return receiving_.Target();
}

void Connection::OnReceivedInto(size_t n) {
  CallbackScope scope(this);
  env_.stats->bytes_read.Add(n);
  env_.stats->bytes_read_direct.Add(n);
  if (closing_) return;
  BeforeReceive();
  if (env_.pipeline->connections != nullptr) {
    registration_.SetLastCommand(absl::ToUnixMillis(absl::Now()));
  }
  // The bytes are in the value's block already; the CRLF after it comes through OnReceive.
  receiving_.Filled(n);
  // A binary request ends with its value: it runs now. (Text and meta wait for their CRLF.)
  if (receiving_.active() && receiving_.value_complete()) ConsumeBuffered();
  Settle();
}

size_t Connection::StartReceivingValue(std::string_view input) {
  const size_t threshold = env_.pipeline->direct_value_bytes;
  if (threshold == 0 || env_.engine == nullptr) return 0;
  // Measured (docs/benchmarks.md, "Receiving set values"): a value the store adopts (one of
  // large_value_bytes() or more) is received faster straight into its block at any size; one it
  // copies into a segment gains only from about 64 KiB (the default threshold), and at 16 KiB
  // over io_uring costs more than buffering (the multishot receive is cancelled and re-armed).
  const size_t min_value_bytes = std::min(threshold, env_.engine->large_value_bytes());
  size_t header_bytes = 0;
  size_t value_bytes = 0;
  Dialect dialect = Dialect::kUndecided;
  if (!pipeline_.FindLargeValue(input, min_value_bytes, &header_bytes, &value_bytes, &dialect)) {
    return 0;
  }
  const size_t value_taken =
      receiving_.Start(dialect, input.substr(0, header_bytes),
                       env_.engine->AllocateValue(value_bytes), input.substr(header_bytes));
  env_.stats->values_received_direct.Add();
  // An io_uring multishot receive already armed would go on filling the loop's buffers.
  env_.loop->ReceiveTargetChanged(fd_);
  // Not the whole input: bytes after the value (a CR whose LF is still to come) are the start of
  // its trailer, checked once the rest arrives. Consuming them lost that request's reply (about
  // one large set in 100,000 over epoll).
  return header_bytes + value_taken;
}

size_t Connection::Consume(std::string_view input) {
  size_t pos = 0;
  input_blocked_ = false;
  while (!closing_) {
    if (receiving_.active() && receiving_.value_complete()) {
      // The value is whole; the bytes after it (text and meta: its CRLF; binary: none) end it.
      const size_t trailer = receiving_.trailer_bytes();
      if (input.size() - pos < trailer) break;
      AfterStep(TakeReceivedValue(&receiving_, input.substr(pos, trailer)));
      pos += trailer;
      continue;
    }
    if (pos >= input.size()) break;
    if (swallow_ > 0) {
      size_t n = std::min(swallow_, input.size() - pos);
      swallow_ -= n;
      pos += n;
      continue;
    }
    if (receiving_.active()) {
      // Bytes of a large value that came through the loop's buffer after all (a receive that
      // was under way, a TLS stream): copied into its block.
      pos += receiving_.Take(input.substr(pos));
      continue;
    }
    if (!ReadyForRequest()) {
      input_blocked_ = true;
      break;
    }
    PipelineStep step = TakeRequest(input.substr(pos));
    if (step.status == ParseStatus::kNeedMore) {
      const size_t taken = StartReceivingValue(input.substr(pos));
      if (taken == 0) break;
      pos += taken;
      continue;
    }
    if (step.outcome == ExecOutcome::kPaused) {
      // A multi-key command at its output limit: it runs again, from its cursor, once the
      // output has drained (ReadyForRequest says when).
      input_blocked_ = true;
      break;
    }
    pos += step.consumed;
    AfterStep(step);
  }
  return pos;
}

void Connection::AfterStep(const PipelineStep& step) {
  switch (step.status) {
    case ParseStatus::kOk:
      swallow_ = step.swallow;  // the value of a store too large to keep, answered already
      if (step.outcome == ExecOutcome::kClose) closing_ = true;
      break;
    case ParseStatus::kClientError:
      if (!step.partial) CountRefusal(step.auth);
      swallow_ = step.swallow;
      break;
    case ParseStatus::kMustClose:
      // A denied connection's answer is no protocol error: it was counted when accepted.
      if (step.auth != AuthStep::kDenied) env_.stats->protocol_errors.Add();
      closing_ = true;
      break;
    case ParseStatus::kNeedMore:
      break;
  }
}

void Connection::CountRefusal(AuthStep auth) {
  if (auth == AuthStep::kNone) {
    env_.stats->protocol_errors.Add();
  } else if (auth != AuthStep::kRefused) {
    CountAuthAttempt(auth == AuthStep::kAccepted, env_.stats);
  }
}

void Connection::ConsumeBuffered() {
  input_.ConsumeBuffered([this](std::string_view bytes) { return Consume(bytes); });
  if (closing_) input_.Discard();
}

void Connection::Settle() {
  SettleSteps();
  UpdateRegistration();
  // After every event: one comparison when nothing changed, one atomic add when it did.
  memory_.Update(MemoryFootprint());
}

void Connection::UpdateRegistration() {
  if (env_.pipeline->connections == nullptr) return;
  ConnState state = ConnState::kWaiting;
  if (closing_ || closed_) {
    state = ConnState::kClosing;
  } else if (WorkInFlight()) {
    state = ConnState::kParse;  // a batch at a dispatch worker
  } else if (unsent_bytes() > 0) {
    state = ConnState::kMwrite;
  } else if (input_.has_unread() || swallow_ > 0 || receiving_.active()) {
    state = ConnState::kNread;
  }
  registration_.SetState(state);
}

void Connection::SettleSteps() {
  // Each step either moves work forward or is skipped; stop when a whole round did nothing.
  for (bool progress = true; progress;) {
    if (closed_) return;
    progress = Advance();
    if (!sending_ && !out_[active_].empty()) {
      StartSend();  // may complete at once, or even close
      if (closed_) return;
      progress = true;
    }
    if (!closing_ && input_blocked_ && ReadyForRequest()) {
      ConsumeBuffered();  // what a limit held back
      progress = true;
    }
  }
  // After the peer's FIN, a connection with no whole request left waiting is done once its
  // replies are written; a partial request at the end can never complete.
  if (closing_ || (peer_closed_ && !input_blocked_)) {
    if (Finished() && !close_requested_) {
      close_requested_ = true;
      env_.loop->CloseStream(fd_);
    }
    return;
  }
  AfterSettle();
  UpdateReceivePause();
}

bool Connection::Finished() const { return !WorkInFlight() && !sending_ && out_[active_].empty(); }

void Connection::StartSend() {
  int sending = active_;
  active_ ^= 1;
  sending_ = true;
  const OutputBuffer& out = out_[sending];
  env_.stats->bytes_written.Add(out.size());
  // May complete at once and re-enter OnSendComplete, which then sees the state set above.
  if (!out.has_splices()) {
    env_.loop->Send(fd_, out.bytes());
    return;
  }
  // Reply bytes and stored values in one gather send; the values stay pinned until it is done.
  out.Slices(&slices_);
  env_.loop->Send(fd_, absl::Span<const iovec>(slices_));
}

void Connection::UpdateReceivePause() {
  bool want_pause = WantsReceivePaused();
  if (want_pause == paused_) return;
  paused_ = want_pause;
  if (paused_) {
    env_.loop->PauseReceive(fd_);
  } else {
    env_.loop->ResumeReceive(fd_);
  }
}

}  // namespace memkv::server
