#include "server/dispatch_connection.h"

#include <algorithm>
#include <utility>

namespace memkv::server {

using protocol::ParseStatus;

class DispatchConnection::CallbackScope {
 public:
  explicit CallbackScope(DispatchConnection* c) : c_(c) { ++c_->callback_depth_; }
  ~CallbackScope() {
    // May destroy *c_: nothing may follow.
    if (--c_->callback_depth_ == 0 && c_->closed_) c_->env_.host->Closed(c_->id_);
  }

 private:
  DispatchConnection* const c_;
};

DispatchConnection::DispatchConnection(uint64_t id, int fd, PortDialect dialect, uint64_t client_id,
                                       Env env, ConnectionSlot slot)
    : id_(id), fd_(fd), env_(env), slot_(std::move(slot)), pipeline_(env.pipeline, dialect) {
  pipeline_.session().client_id = client_id;
  env_.stats->curr_connections.Add(1);
  env_.stats->total_connections.Add();
}

DispatchConnection::~DispatchConnection() { env_.stats->curr_connections.Add(-1); }

void DispatchConnection::OnReceive(std::string_view data) {
  CallbackScope scope(this);
  env_.stats->bytes_read.Add(data.size());
  if (closing_) return;  // after quit or a fatal error nothing more is read
  input_.Receive(data, [this](std::string_view bytes) { return Frame(bytes); });
  if (closing_) input_.Discard();
  Settle();
}

void DispatchConnection::OnBatchDone(DispatchBatch batch) {
  CallbackScope scope(this);
  // Only the batch in flight can come back; anything else would be a host's bug, and dropping
  // it keeps the replies that are written in order.
  if (closed_ || !in_flight_ || batch.sequence != sequence_) return;
  in_flight_ = false;
  pipeline_.session() = std::move(batch.session);
  std::string& out = out_[active_];
  if (out.empty()) {
    out.swap(batch.replies);  // no copy: the worker's buffer becomes the output
  } else {
    out.append(batch.replies);
  }
  if (batch.close) {
    closing_ = true;  // quit ran: what was framed after it is never executed
    pending_.Clear();
  }
  ReleaseBuffer(&batch.bytes);
  ReleaseBuffer(&batch.replies);
  batch.Clear();
  spare_ = std::move(batch);
  Settle();
}

void DispatchConnection::OnSendComplete() {
  CallbackScope scope(this);
  sending_ = false;
  ReleaseBuffer(&out_[active_ ^ 1]);
  // Re-entered from StartSend (the send completed at once): the Settle() that called it goes on.
  if (callback_depth_ > 1) return;
  Settle();
}

void DispatchConnection::OnPeerClosed() { env_.loop->CloseStream(fd_); }

void DispatchConnection::OnClosed() {
  closed_ = true;
  slot_.Reset();
  if (callback_depth_ == 0) env_.host->Closed(id_);  // destroys this: nothing may follow
}

size_t DispatchConnection::Frame(std::string_view input) {
  size_t pos = 0;
  framing_blocked_ = false;
  while (pos < input.size() && !closing_) {
    if (swallow_ > 0) {
      size_t n = std::min(swallow_, input.size() - pos);
      swallow_ -= n;
      pos += n;
      continue;
    }
    if (PendingFull()) {
      framing_blocked_ = true;
      break;
    }
    error_.clear();
    PipelineStep step = pipeline_.Frame(input.substr(pos), &error_);
    if (step.status == ParseStatus::kNeedMore) break;
    std::string_view request = input.substr(pos, step.consumed);
    pos += step.consumed;
    switch (step.status) {
      case ParseStatus::kOk:
        AddRequest(request, step.dialect);
        swallow_ = step.swallow;  // the value of a store too large to keep: not sent along
        break;
      case ParseStatus::kClientError:
        env_.stats->protocol_errors.Add();
        swallow_ = step.swallow;
        AddLiteral(error_);
        break;
      case ParseStatus::kMustClose:
        env_.stats->protocol_errors.Add();
        AddLiteral(error_);
        closing_ = true;
        break;
      case ParseStatus::kNeedMore:
        break;
    }
  }
  return pos;
}

void DispatchConnection::FrameBuffered() {
  input_.ConsumeBuffered([this](std::string_view bytes) { return Frame(bytes); });
  if (closing_) input_.Discard();
}

void DispatchConnection::AddRequest(std::string_view bytes, Dialect dialect) {
  DispatchItem item;
  item.kind = DispatchItem::Kind::kExecute;
  item.dialect = dialect;
  item.offset = pending_.bytes.size();
  item.length = bytes.size();
  pending_.bytes.append(bytes);
  pending_.items.push_back(item);
  ++pending_.executable;
}

void DispatchConnection::AddLiteral(std::string_view reply) {
  if (reply.empty()) return;  // the text protocol's silence (noreply)
  if (!in_flight_ && pending_.items.empty()) {
    // Every earlier reply is already in the output: this one can follow it at once.
    out_[active_].append(reply);
    return;
  }
  DispatchItem item;
  item.kind = DispatchItem::Kind::kLiteral;
  item.offset = pending_.bytes.size();
  item.length = reply.size();
  pending_.bytes.append(reply);
  pending_.items.push_back(item);
}

bool DispatchConnection::PendingFull() const {
  return static_cast<int>(pending_.items.size()) >= kMaxBatchRequests ||
         pending_.bytes.size() >= kMaxBatchBytes;
}

void DispatchConnection::Settle() {
  // Each step either moves work forward or is skipped; stop when a whole round did nothing.
  for (bool progress = true; progress;) {
    if (closed_) return;
    progress = false;
    if (!in_flight_ && !pending_.items.empty() && !OutputFull()) {
      SubmitPending();
      progress = true;
    }
    if (!sending_ && !out_[active_].empty()) {
      StartSend();  // may complete at once, or even close
      if (closed_) return;
      progress = true;
    }
    if (!closing_ && framing_blocked_ && !PendingFull()) {
      FrameBuffered();  // what a full batch held back
      progress = true;
    }
  }
  if (closing_) {
    bool drained = !in_flight_ && pending_.items.empty() && !sending_ && out_[active_].empty();
    if (drained && !close_requested_) {
      close_requested_ = true;
      env_.loop->CloseStream(fd_);
    }
    return;
  }
  UpdateReceivePause();
}

void DispatchConnection::SubmitPending() {
  if (pending_.executable == 0) {
    // Only parse errors, answered by the dispatcher itself: nothing for a worker to run.
    for (const DispatchItem& item : pending_.items) {
      out_[active_].append(pending_.bytes, item.offset, item.length);
    }
    pending_.Clear();
    return;
  }
  pending_.connection_id = id_;
  pending_.sequence = ++sequence_;
  pending_.resp_inline = pipeline_.resp_inline_allowed();
  // Travels with the batch and comes back with it: only one thread holds it at a time.
  pending_.session = std::move(pipeline_.session());
  in_flight_ = true;
  DispatchBatch batch = std::move(pending_);
  pending_ = std::move(spare_);
  pending_.Clear();
  env_.host->Submit(std::move(batch));
}

void DispatchConnection::StartSend() {
  int sending = active_;
  active_ ^= 1;
  sending_ = true;
  env_.stats->bytes_written.Add(out_[sending].size());
  // May complete at once and re-enter OnSendComplete, which then sees the state set above.
  env_.loop->Send(fd_, out_[sending]);
}

void DispatchConnection::UpdateReceivePause() {
  // Receiving goes on while framing can: once the next batch is full, more input would only
  // pile up in input_. A full batch waiting behind the one in flight counts as blocked too.
  bool want_pause = framing_blocked_ || (in_flight_ && PendingFull());
  if (want_pause == paused_) return;
  paused_ = want_pause;
  if (paused_) {
    env_.loop->PauseReceive(fd_);
  } else {
    env_.loop->ResumeReceive(fd_);
  }
}

}  // namespace memkv::server
