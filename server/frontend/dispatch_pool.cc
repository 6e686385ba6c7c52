#include "server/frontend/dispatch_pool.h"

#include <string_view>
#include <utility>

namespace memkv::server {

DispatchPool::DispatchPool(int count, const PipelineConfig* pipeline, storage::Engine* engine,
                           ServerInfo* info)
    : pipeline_(pipeline), engine_(engine), info_(info) {
  for (int i = 0; i < count; ++i) {
    workers_.push_back(std::make_unique<WorkerState>());
    workers_.back()->stats.queued_requests = &workers_.back()->load;  // for the metrics
  }
}

DispatchPool::~DispatchPool() {
  Stop();
  Join();
}

void DispatchPool::Start() {
  for (auto& worker : workers_) {
    WorkerState* state = worker.get();
    state->thread = std::thread([this, state] { Run(state); });
  }
}

void DispatchPool::Stop() {
  for (auto& worker : workers_) worker->inbox.Close();
}

void DispatchPool::Join() {
  for (auto& worker : workers_) {
    if (worker->thread.joinable()) worker->thread.join();
  }
}

int DispatchPool::PickLeastLoaded(int* cursor, int requests) {
  const int n = size();
  int chosen = *cursor % n;
  int64_t least = workers_[chosen]->load.load(std::memory_order_relaxed);
  for (int k = 1; k < n && least > 0; ++k) {
    int i = (*cursor + k) % n;
    int64_t load = workers_[i]->load.load(std::memory_order_relaxed);
    if (load < least) {
      least = load;
      chosen = i;
    }
  }
  *cursor = chosen + 1;
  workers_[chosen]->load.fetch_add(requests, std::memory_order_relaxed);
  return chosen;
}

void DispatchPool::Hand(int worker, std::vector<DispatchBatch>* batches) {
  // The worker blocks in WaitTakeAll; absl::Mutex wakes it when the push unlocks, so the
  // "wake the consumer" answer is for event-loop consumers only.
  workers_[worker]->inbox.Push(batches);
}

void DispatchPool::Run(WorkerState* worker) {
  ExecContext context;
  context.engine = engine_;
  context.stats = &worker->stats;
  context.server = info_;
  context.auth = pipeline_->auth;
  std::vector<DispatchBatch> taken;
  std::vector<std::vector<DispatchBatch>> done(returns_.size());
  while (worker->inbox.WaitTakeAll(&taken)) {
    int since_return = 0;
    for (DispatchBatch& batch : taken) {
      ExecuteDispatchBatch(*pipeline_, context, &batch);
      worker->load.fetch_sub(batch.executable, std::memory_order_relaxed);
      since_return += batch.executable;
      done[batch.dispatcher].push_back(std::move(batch));
      if (since_return >= kReturnEveryRequests) {
        ReturnAll(&done);
        since_return = 0;
      }
    }
    ReturnAll(&done);
    taken.clear();
  }
}

void DispatchPool::ReturnAll(std::vector<std::vector<DispatchBatch>>* done) {
  for (size_t d = 0; d < done->size(); ++d) {
    if (!(*done)[d].empty()) returns_[d]->Return(&(*done)[d]);
  }
}

}  // namespace memkv::server
