#include "server/conn/dispatch_batch.h"

#include <string_view>

namespace memkv::server {

void ExecuteDispatchBatch(const PipelineConfig& pipeline, ExecContext& context,
                          DispatchBatch* batch) {
  context.stats->dispatch_batches.Add();
  batch->replies.Release();
  batch->close = false;
  batch->paused_item = batch->items.size();
  context.cursor = &batch->cursor;
  context.spliced = &batch->replies.spliced();
  std::string* out = &batch->replies.bytes();
  for (size_t i = 0; i < batch->items.size(); ++i) {
    const DispatchItem& item = batch->items[i];
    std::string_view bytes = std::string_view(batch->bytes).substr(item.offset, item.length);
    if (item.kind == DispatchItem::Kind::kLiteral) {
      out->append(bytes);
      continue;
    }
    if (i > 0 && batch->replies.size() >= batch->cursor.output_limit) {
      // The replies reached the limit: this request (not started; its cursor is at 0) and the
      // rest wait for the output to drain, as on a connection that executes its own requests.
      batch->paused_item = i;
      break;
    }
    ExecOutcome outcome =
        item.kind == DispatchItem::Kind::kExecuteReceived
            ? RequestPipeline::ExecuteReceivedFramed(pipeline, item.dialect, batch->resp_inline,
                                                     bytes, &batch->values[item.value], context,
                                                     &batch->session, out)
            : RequestPipeline::ExecuteFramed(pipeline, item.dialect, batch->resp_inline, bytes,
                                             context, &batch->session, out);
    if (outcome == ExecOutcome::kPaused) {
      // A multi-key command reached the output limit: the connection writes what there is and
      // sends this item and the rest again, in a later batch.
      batch->paused_item = i;
      break;
    }
    context.stats->requests.Add();
    if (outcome == ExecOutcome::kClose) {
      // quit / QUIT: what follows it on the connection is never run.
      batch->close = true;
      break;
    }
  }
  context.cursor = nullptr;
  context.spliced = nullptr;
}

}  // namespace memkv::server
