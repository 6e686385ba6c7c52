#include "server/conn/dispatch_connection.h"

#include <utility>

namespace memkv::server {
using protocol::ParseStatus;

DispatchConnection::DispatchConnection(uint64_t id, int fd, PortDialect dialect, uint64_t client_id,
                                       Env env, ConnectionSlot slot)
    : Connection(env, fd, dialect, client_id, std::move(slot)), id_(id), host_(env.host) {}

void DispatchConnection::OnBatchDone(DispatchBatch batch) {
  CallbackScope scope(this);
  // Only the batch in flight can come back; anything else would be a host's bug, and dropping
  // it keeps the replies that are written in order.
  if (closed() || !in_flight_ || batch.sequence != sequence_) return;
  in_flight_ = false;
  pipeline().session() = std::move(batch.session);
  std::string& out = output();
  if (out.empty()) {
    out.swap(batch.replies);  // no copy: the worker's buffer becomes the output
  } else {
    out.append(batch.replies);
  }
  if (batch.close) {
    StartClosing();  // quit ran: what was framed after it is never executed
    pending_.Clear();
  }
  ReleaseBuffer(&batch.bytes);
  ReleaseBuffer(&batch.replies);
  batch.Clear();
  spare_ = std::move(batch);
  Settle();
}

PipelineStep DispatchConnection::TakeRequest(std::string_view input) {
  error_.clear();
  PipelineStep step = pipeline().Frame(input, &error_);
  switch (step.status) {
    case ParseStatus::kOk:
      // The value of a store too large to keep is swallowed, not sent along.
      AddRequest(input.substr(0, step.consumed), step.dialect);
      break;
    case ParseStatus::kClientError:
    case ParseStatus::kMustClose:
      AddLiteral(error_);
      break;
    case ParseStatus::kNeedMore:
      break;
  }
  return step;
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
    output().append(reply);
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

bool DispatchConnection::Advance() {
  if (in_flight_ || pending_.items.empty() || OutputFull()) return false;
  SubmitPending();
  return true;
}

void DispatchConnection::SubmitPending() {
  if (pending_.executable == 0) {
    // Only parse errors, answered by the dispatcher itself: nothing for a worker to run.
    for (const DispatchItem& item : pending_.items) {
      output().append(pending_.bytes, item.offset, item.length);
    }
    pending_.Clear();
    return;
  }
  pending_.connection_id = id_;
  pending_.sequence = ++sequence_;
  pending_.resp_inline = pipeline().resp_inline_allowed();
  // Travels with the batch and comes back with it: only one thread holds it at a time.
  pending_.session = std::move(pipeline().session());
  in_flight_ = true;
  DispatchBatch batch = std::move(pending_);
  pending_ = std::move(spare_);
  pending_.Clear();
  host_->Submit(std::move(batch));
}

bool DispatchConnection::WantsReceivePaused() const {
  // Receiving goes on while framing can: once the next batch is full, more input would only
  // pile up in the input buffer. A full batch waiting behind the one in flight counts as
  // blocked too.
  return input_blocked() || (in_flight_ && PendingFull());
}

void DispatchConnection::Release() {
  host_->Closed(id_);  // destroys this: nothing may follow
}

}  // namespace memkv::server
