// DispatchPool: the worker threads of the dispatch and hybrid modes. They never touch a socket:
// each takes batches of requests from its own inbox (a WorkQueue fed by every dispatcher),
// executes them against the engine with its own ExecContext and CommandStats, and hands the
// answered batches back to the dispatcher each came from.
//
// Load balancing is per batch, not per connection: a dispatcher asks PickLeastLoaded() for the
// worker with the fewest requests queued or executing (ties rotate, so idle workers share the
// work) and hands the batch to it. The load counts are atomics written once per batch by each
// side, never locked.
//
// Threads: construction, SetReturns, Start, Stop and Join on the front end's thread;
// PickLeastLoaded and Hand on any dispatcher thread; the rest on the pool's own threads.
#ifndef MEMKV_SERVER_FRONTEND_DISPATCH_POOL_H_
#define MEMKV_SERVER_FRONTEND_DISPATCH_POOL_H_

#include <atomic>
#include <cstdint>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "server/conn/dispatch_batch.h"
#include "server/conn/request_pipeline.h"
#include "server/exec/command_stats.h"
#include "server/exec/exec_context.h"
#include "server/frontend/work_queue.h"
#include "storage/engine.h"

namespace memkv::server {

class DispatchPool {
 public:
  // A worker hands answered batches back once it has executed this many requests since the
  // last hand-back, even before its inbox is empty, so that a worker that took many batches at
  // once does not hold the first answers until the last request ran.
  static constexpr int kReturnEveryRequests = 64;

  // `count` workers. Everything pointed to outlives the pool.
  DispatchPool(int count, const PipelineConfig* pipeline, storage::Engine* engine,
               ServerInfo* info);
  // Stops and joins the threads if they still run.
  ~DispatchPool();
  DispatchPool(const DispatchPool&) = delete;
  DispatchPool& operator=(const DispatchPool&) = delete;

  // Where answered batches go: returns[b.dispatcher]. REQUIRES: before Start(); every entry
  // outlives the pool's threads.
  void SetReturns(std::vector<BatchReturn*> returns) { returns_ = std::move(returns); }

  void Start();
  // Any thread: closes every inbox; each worker finishes what it already took and ends.
  void Stop();
  void Join();

  int size() const { return static_cast<int>(workers_.size()); }
  const CommandStats* stats(int worker) const { return &workers_[worker]->stats; }
  int64_t load(int worker) const { return workers_[worker]->load.load(std::memory_order_relaxed); }

  // Dispatcher thread. The worker with the least load, scanning from *cursor so that ties
  // rotate; `requests` is added to its load at once, so the next pick already sees it.
  int PickLeastLoaded(int* cursor, int requests);
  // Dispatcher thread. Queues every batch of *batches (leaving it empty) for `worker`, which
  // PickLeastLoaded chose for each of them.
  void Hand(int worker, std::vector<DispatchBatch>* batches);

 private:
  // One worker's state, on its own cache lines: the load counter is written by dispatchers and
  // by the worker, and should not share a line with another worker's.
  struct alignas(64) WorkerState {
    WorkQueue<DispatchBatch> inbox;
    std::atomic<int64_t> load{0};  // requests handed to it and not yet executed
    CommandStats stats;
    std::thread thread;
  };

  void Run(WorkerState* worker);
  // Hands every non-empty done[d] back to dispatcher d.
  void ReturnAll(std::vector<std::vector<DispatchBatch>>* done);

  const PipelineConfig* const pipeline_;
  storage::Engine* const engine_;
  ServerInfo* const info_;
  std::vector<BatchReturn*> returns_;
  std::vector<std::unique_ptr<WorkerState>> workers_;
};

}  // namespace memkv::server

#endif  // MEMKV_SERVER_FRONTEND_DISPATCH_POOL_H_
