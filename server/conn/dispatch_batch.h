// DispatchBatch: the unit of work of the dispatch and hybrid modes, and the interfaces it travels
// through. One batch is one connection's run of consecutive requests: a dispatcher frames them,
// a worker executes them in order and fills in the replies, and the same object travels back to
// the dispatcher, which writes the replies to the connection.
//
// Only plain bytes cross threads: the requests' raw bytes (re-parsed by the worker, see
// RequestPipeline::ExecuteFramed) and the reply bytes. The connection is named by a number that
// is never reused, not by a pointer, so a batch answered after its connection closed is simply
// dropped. The connection's RESP state travels with the batch (one batch in flight per
// connection), so no thread ever shares it.
//
// Threads: a batch belongs to one thread at a time, the one that holds it.
#ifndef MEMKV_SERVER_CONN_DISPATCH_BATCH_H_
#define MEMKV_SERVER_CONN_DISPATCH_BATCH_H_

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "server/conn/output_buffer.h"
#include "server/conn/request_pipeline.h"
#include "server/exec/exec_context.h"
#include "server/exec/resp/resp_session.h"

namespace memkv::server {

// One entry of a batch, in the connection's request order.
struct DispatchItem {
  enum class Kind : uint8_t {
    kExecute,  // bytes are one whole request of `dialect`: execute it
    kLiteral,  // bytes are a reply the dispatcher already knows (a parse error): copy them
    // bytes are the header of a large store whose value the connection received into a block
    // of its own (value_receipt.h), DispatchBatch::values[value]: execute it with the value
    kExecuteReceived,
  };
  Kind kind = Kind::kExecute;
  Dialect dialect = Dialect::kUndecided;
  size_t offset = 0;  // into DispatchBatch::bytes
  size_t length = 0;
  size_t value = 0;  // kExecuteReceived: the index of its value in DispatchBatch::values
};

struct DispatchBatch {
  // Where the answered batch goes back to (the index of the dispatcher that sent it) and which of
  // its connections it belongs to.
  int dispatcher = 0;
  uint64_t connection_id = 0;
  uint64_t sequence = 0;  // the connection's batch number, checked when the batch comes back

  // Set by the dispatcher.
  std::string bytes;  // the requests' raw bytes and literal replies, back to back
  std::vector<DispatchItem> items;
  int executable = 0;  // items of kind kExecute or kExecuteReceived (the load on a worker)
  // The values of kExecuteReceived items. They travel with the batch, so the thread that holds
  // the batch owns them; the worker's store adopts each (or frees it), and a batch dropped with
  // its connection frees what is left.
  std::vector<storage::ValueBuffer> values;
  bool resp_inline = false;
  RespSession session;

  // Where the first item resumes if it is a multi-key command that paused before (next_key),
  // and the reply size at which a multi-key command pauses (output_limit).
  MultiKeyCursor cursor;

  // Set by the worker: the replies (their bytes and the stored values spliced in).
  OutputBuffer replies;
  bool close = false;  // a request asked to close (quit, QUIT): items after it were not run
  // The item that paused at the cursor's output limit (items from it on were not finished and
  // run again in a later batch, from `cursor`), or items.size() when every item ran.
  size_t paused_item = 0;

  void Clear() {
    bytes.clear();
    items.clear();
    values.clear();
    executable = 0;
    cursor.next_key = 0;
    replies.Release();
    close = false;
    paused_item = 0;
  }

  // Whether the worker stopped at a paused multi-key command (see paused_item).
  bool paused() const { return paused_item < items.size(); }
};

// Executes every item of *batch in order on the calling thread (a worker of the dispatch pool),
// filling batch->replies and batch->close; counts each executed request in context.stats.
void ExecuteDispatchBatch(const PipelineConfig& pipeline, ExecContext& context,
                          DispatchBatch* batch);

// Where a worker sends answered batches (a dispatcher). Any thread.
class BatchReturn {
 public:
  virtual ~BatchReturn() = default;
  // Takes every batch of *done (leaving it empty) and wakes the dispatcher's loop if needed.
  virtual void Return(std::vector<DispatchBatch>* done) = 0;
};

}  // namespace memkv::server

#endif  // MEMKV_SERVER_CONN_DISPATCH_BATCH_H_
