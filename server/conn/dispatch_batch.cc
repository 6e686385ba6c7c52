#include "server/conn/dispatch_batch.h"

#include <string_view>

namespace memkv::server {

void ExecuteDispatchBatch(const PipelineConfig& pipeline, ExecContext& context,
                          DispatchBatch* batch) {
  batch->replies.clear();
  batch->close = false;
  for (const DispatchItem& item : batch->items) {
    std::string_view bytes = std::string_view(batch->bytes).substr(item.offset, item.length);
    if (item.kind == DispatchItem::Kind::kLiteral) {
      batch->replies.append(bytes);
      continue;
    }
    context.stats->requests.Add();
    ExecOutcome outcome =
        RequestPipeline::ExecuteFramed(pipeline, item.dialect, batch->resp_inline, bytes, context,
                                       &batch->session, &batch->replies);
    if (outcome == ExecOutcome::kClose) {
      // quit / QUIT: what follows it on the connection is never run.
      batch->close = true;
      break;
    }
  }
}

}  // namespace memkv::server
