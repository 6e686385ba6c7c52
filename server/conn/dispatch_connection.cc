#include "server/conn/dispatch_connection.h"

#include <utility>

namespace memkv::server {
using protocol::ParseStatus;

namespace {

// A batch's request bytes and items; its replies are counted once they join the output.
size_t BatchMemory(const DispatchBatch& batch) {
  size_t values = 0;
  for (const storage::ValueBuffer& value : batch.values) values += value.size();
  return batch.bytes.capacity() + batch.items.capacity() * sizeof(DispatchItem) + values;
}

}  // namespace

DispatchConnection::DispatchConnection(uint64_t id, int fd, PortDialect dialect, uint64_t client_id,
                                       Env env, ConnectionSlot slot)
    : Connection(env, fd, dialect, client_id, std::move(slot)), id_(id), host_(env.host) {}

void DispatchConnection::OnBatchDone(DispatchBatch batch) {
  CallbackScope scope(this);
  // Only the batch in flight can come back; anything else would be a host's bug, and dropping
  // it keeps the replies that are written in order.
  if (closed() || !in_flight_ || batch.sequence != sequence_) return;
  in_flight_ = false;
  in_flight_bytes_ = 0;
  pipeline().session() = std::move(batch.session);
  output_buffer().Append(std::move(batch.replies));  // no copy when the output was empty
  if (batch.paused()) KeepPausedRest(&batch);
  // Framing stopped after an authentication attempt: once it has run (it was the last request
  // framed, so nothing is left unsubmitted), the session says which limits apply next.
  if (pending_.items.empty() && resumed_.items.empty()) pipeline().AuthSettled();
  if (batch.close) {
    StartClosing();  // quit ran: what was framed after it is never executed
    pending_.Clear();
  }
  ReleaseBuffer(&batch.bytes);
  batch.replies.Release();
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

PipelineStep DispatchConnection::TakeReceivedValue(ValueReceipt* receipt,
                                                   std::string_view trailer) {
  error_.clear();
  storage::ValueBuffer value = receipt->TakeValue();
  PipelineStep step = pipeline().FrameReceived(receipt->dialect(), receipt->header(), value.size(),
                                               trailer, &error_);
  if (step.status != ParseStatus::kOk) {
    AddLiteral(error_);  // the value is freed here, on the connection's thread
    return step;
  }
  // The header is re-parsed by the worker; the value goes along in the batch, and whichever
  // thread holds the batch owns it.
  DispatchItem item;
  item.kind = DispatchItem::Kind::kExecuteReceived;
  item.dialect = receipt->dialect();
  item.offset = pending_.bytes.size();
  item.length = receipt->header().size();
  item.value = pending_.values.size();
  pending_.bytes.append(receipt->header());
  pending_.values.push_back(std::move(value));
  pending_.items.push_back(item);
  ++pending_.executable;
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

void DispatchConnection::KeepPausedRest(DispatchBatch* batch) {
  resumed_.Clear();
  const size_t base = batch->items[batch->paused_item].offset;
  resumed_.bytes.assign(batch->bytes, base);
  for (size_t i = batch->paused_item; i < batch->items.size(); ++i) {
    DispatchItem item = batch->items[i];
    item.offset -= base;
    resumed_.items.push_back(item);
    if (item.kind != DispatchItem::Kind::kLiteral) ++resumed_.executable;
  }
  // The values of received stores not run yet keep their indexes (those run are empty now).
  resumed_.values = std::move(batch->values);
  resumed_.cursor = batch->cursor;
}

void DispatchConnection::AddLiteral(std::string_view reply) {
  if (reply.empty()) return;  // the text protocol's silence (noreply)
  if (!in_flight_ && pending_.items.empty() && resumed_.items.empty()) {
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
  if (in_flight_ || OutputFull()) return false;
  // The rest of a paused batch goes first: its requests came before anything framed since.
  DispatchBatch* next = !resumed_.items.empty() ? &resumed_ : &pending_;
  if (next->items.empty()) return false;
  Submit(next);
  return true;
}

void DispatchConnection::Submit(DispatchBatch* batch) {
  if (batch->executable == 0) {
    // Only parse errors, answered by the dispatcher itself: nothing for a worker to run.
    for (const DispatchItem& item : batch->items) {
      output().append(batch->bytes, item.offset, item.length);
    }
    batch->Clear();
    return;
  }
  batch->connection_id = id_;
  batch->sequence = ++sequence_;
  batch->resp_inline = pipeline().resp_inline_allowed();
  // A multi-key command pauses where no further batch would be sent anyway: at the high-water
  // mark, counting the replies still waiting to be written.
  batch->cursor.output_limit = kOutputHighWater - unsent_bytes();
  // Travels with the batch and comes back with it: only one thread holds it at a time.
  batch->session = std::move(pipeline().session());
  in_flight_ = true;
  in_flight_bytes_ = BatchMemory(*batch);
  DispatchBatch leaving = std::move(*batch);
  *batch = std::move(spare_);
  batch->Clear();
  host_->Submit(std::move(leaving));
}

bool DispatchConnection::WantsReceivePaused() const {
  // Receiving goes on while framing can: once the next batch is full, more input would only
  // pile up in the input buffer. A full batch waiting behind the one in flight counts as
  // blocked too.
  return input_blocked() || (in_flight_ && PendingFull());
}

size_t DispatchConnection::FlavourMemory() const {
  // The batch at a worker is counted as it left: its replies, bounded by the cursor's output
  // limit, are counted once they join the output.
  return BatchMemory(pending_) + BatchMemory(resumed_) + BatchMemory(spare_) + in_flight_bytes_ +
         error_.capacity();
}

void DispatchConnection::Release() {
  host_->Closed(id_);  // destroys this: nothing may follow
}

}  // namespace memkv::server
