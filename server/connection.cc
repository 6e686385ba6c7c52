#include "server/connection.h"

#include <algorithm>
#include <cstdio>
#include <utility>

namespace memkv::server {

using protocol::ParseStatus;

bool ConnectionLimiter::TryAcquire() {
  // Optimistic increment, undone when over the limit: one atomic operation per accepted
  // connection, and the count never stays above the limit.
  if (open_.fetch_add(1, std::memory_order_relaxed) >= limit_) {
    open_.fetch_sub(1, std::memory_order_relaxed);
    return false;
  }
  return true;
}

ConnectionSlot::ConnectionSlot(ConnectionLimiter* limiter, std::atomic<int64_t>* assigned)
    : limiter_(limiter), assigned_(assigned) {}

ConnectionSlot::ConnectionSlot(ConnectionSlot&& other) noexcept
    : limiter_(std::exchange(other.limiter_, nullptr)),
      assigned_(std::exchange(other.assigned_, nullptr)) {}

ConnectionSlot& ConnectionSlot::operator=(ConnectionSlot&& other) noexcept {
  if (this != &other) {
    Reset();
    limiter_ = std::exchange(other.limiter_, nullptr);
    assigned_ = std::exchange(other.assigned_, nullptr);
  }
  return *this;
}

void ConnectionSlot::Reset() {
  if (limiter_ != nullptr) limiter_->Release();
  if (assigned_ != nullptr) assigned_->fetch_sub(1, std::memory_order_relaxed);
  limiter_ = nullptr;
  assigned_ = nullptr;
}

class Connection::CallbackScope {
 public:
  explicit CallbackScope(Connection* c) : c_(c) { ++c_->callback_depth_; }
  ~CallbackScope() {
    if (--c_->callback_depth_ == 0 && c_->closed_) c_->self_.reset();  // may delete *c_
  }

 private:
  Connection* const c_;
};

void Connection::Start(Worker* worker, UniqueFd fd, ConnectionSlot slot, PortDialect dialect,
                       ServerContext* server) {
  int raw = fd.get();
  std::shared_ptr<Connection> conn(new Connection(worker, raw, std::move(slot), dialect, server));
  if (server->info->verbosity() >= 2) {
    std::fprintf(stderr, "<%d new client connection on %s\n", raw, worker->name().c_str());
  }
  // The loop owns the fd from here on, also when AddStream fails.
  absl::Status status = worker->loop()->AddStream(fd.release(), conn.get());
  if (!status.ok()) {
    std::fprintf(stderr, "memkv: cannot serve connection: %s\n", status.ToString().c_str());
    return;  // conn is deleted here; its destructor gives back its counters
  }
  conn->self_ = std::move(conn);
}

Connection::Connection(Worker* worker, int fd, ConnectionSlot slot, PortDialect dialect,
                       ServerContext* server)
    : worker_(worker),
      loop_(worker->loop()),
      fd_(fd),
      server_(server),
      slot_(std::move(slot)),
      pipeline_(server->pipeline, dialect) {
  exec_.engine = server->engine;
  exec_.stats = worker->stats();
  exec_.server = server->info;
  pipeline_.session().client_id = server->next_client_id.fetch_add(1, std::memory_order_relaxed);
  exec_.stats->curr_connections.Add(1);
  exec_.stats->total_connections.Add();
}

Connection::~Connection() { exec_.stats->curr_connections.Add(-1); }

void Connection::OnReceive(std::string_view data) {
  CallbackScope scope(this);
  exec_.stats->bytes_read.Add(data.size());
  if (closing_) return;  // after quit or a fatal error nothing more is read
  budget_ = kRequestsPerWake;
  input_.Receive(data, [this](std::string_view bytes) { return Process(bytes); });
  if (closing_) input_.Discard();
  Settle();
}

void Connection::OnSendComplete() {
  CallbackScope scope(this);
  sending_ = false;
  ReleaseBuffer(&out_[active_ ^ 1]);
  // Re-entered from StartSend (the send completed at once): the Settle() that called it goes on.
  if (callback_depth_ > 1) return;
  // A new wake-up: requests that stopped at the high-water mark may run again.
  if (blocked_on_output_) budget_ = kRequestsPerWake;
  Settle();
}

void Connection::OnPeerClosed() { loop_->CloseStream(fd_); }

void Connection::OnClosed() {
  closed_ = true;
  slot_.Reset();
  if (server_->info->verbosity() >= 2) std::fprintf(stderr, "<%d connection closed\n", fd_);
  if (callback_depth_ == 0) self_.reset();  // may delete this: nothing may follow
}

size_t Connection::Process(std::string_view input) {
  size_t pos = 0;
  blocked_on_output_ = false;
  std::string* out = &out_[active_];
  while (pos < input.size() && !closing_) {
    if (swallow_ > 0) {
      size_t n = std::min(swallow_, input.size() - pos);
      swallow_ -= n;
      pos += n;
      continue;
    }
    if (budget_ <= 0) break;
    if (OutputFull()) {
      blocked_on_output_ = true;
      break;
    }
    PipelineStep step = pipeline_.ParseAndExecute(input.substr(pos), exec_, out);
    if (step.status == ParseStatus::kNeedMore) break;
    pos += step.consumed;
    --budget_;
    switch (step.status) {
      case ParseStatus::kOk:
        exec_.stats->requests.Add();
        swallow_ = step.swallow;  // the value of a store too large to keep, answered already
        if (step.outcome == ExecOutcome::kClose) closing_ = true;
        break;
      case ParseStatus::kClientError:
        exec_.stats->protocol_errors.Add();
        swallow_ = step.swallow;
        break;
      case ParseStatus::kMustClose:
        exec_.stats->protocol_errors.Add();
        closing_ = true;
        break;
      case ParseStatus::kNeedMore:
        break;
    }
  }
  return pos;
}

void Connection::ProcessBuffered() {
  input_.ConsumeBuffered([this](std::string_view bytes) { return Process(bytes); });
  if (closing_) input_.Discard();
}

void Connection::Settle() {
  for (;;) {
    if (closed_) return;
    if (!sending_ && !out_[active_].empty()) StartSend();  // may complete at once
    if (closed_) return;
    // Requests stopped by the high-water mark run again once the replies moved to the wire.
    if (closing_ || !blocked_on_output_ || OutputFull() || budget_ <= 0) break;
    blocked_on_output_ = false;
    ProcessBuffered();
  }
  if (closing_) {
    if (!sending_ && !close_requested_) {
      close_requested_ = true;
      loop_->CloseStream(fd_);
    }
    return;
  }
  // Requests left when the budget ran out wait for a continuation, so that the loop serves its
  // other clients first.
  if (input_.has_unread() && budget_ <= 0 && !blocked_on_output_ && !continuation_posted_) {
    continuation_posted_ = true;
    loop_->Post([self = self_] { self->Continue(); });
  }
  UpdateReceivePause();
}

void Connection::StartSend() {
  int sending = active_;
  active_ ^= 1;
  sending_ = true;
  exec_.stats->bytes_written.Add(out_[sending].size());
  // May complete at once and re-enter OnSendComplete, which then sees the state set above.
  loop_->Send(fd_, out_[sending]);
}

void Connection::UpdateReceivePause() {
  // Receive only while the replies fit under the high-water mark and no continuation is
  // waiting with leftover requests: otherwise the input buffer would grow without bound.
  bool want_pause = blocked_on_output_ || continuation_posted_;
  if (want_pause == paused_) return;
  paused_ = want_pause;
  if (paused_) {
    loop_->PauseReceive(fd_);
  } else {
    loop_->ResumeReceive(fd_);
  }
}

void Connection::Continue() {
  continuation_posted_ = false;
  if (closed_ || closing_) return;
  CallbackScope scope(this);
  budget_ = kRequestsPerWake;
  ProcessBuffered();
  Settle();
}

}  // namespace memkv::server
