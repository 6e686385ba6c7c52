#include "server/frontend/dispatcher.h"

#include <cstdio>
#include <optional>
#include <string_view>
#include <utility>

#include "server/frontend/admission.h"
#include "server/loop/log.h"

namespace memkv::server {

Dispatcher::Dispatcher(int index, std::unique_ptr<ServerThread> thread, DispatchPool* pool,
                       ServerContext* server)
    : index_(index),
      pool_(pool),
      server_(server),
      staged_(pool->size()),
      thread_(std::move(thread)) {}

Dispatcher::~Dispatcher() {
  // The loop first, while connections_ still exists for the OnClosed calls it may make.
  thread_.reset();
}

absl::Status Dispatcher::Listen(int listen_fd, PortDialect dialect, const TlsContext* tls) {
  return thread_->loop()->StartAcceptingUnshared(
      listen_fd, [this, dialect, tls](int fd) { Serve(UniqueFd(fd), dialect, tls); });
}

void Dispatcher::Serve(UniqueFd fd, PortDialect dialect, const TlsContext* tls) {
  CommandStats* stats = thread_->stats();
  std::optional<ConnectionSlot> slot = Admit(server_, fd, thread_.get(), stats);
  if (!slot) return;
  uint64_t id = next_connection_id_++;
  int raw = fd.get();
  DispatchConnection::Env env;
  env.loop = thread_->loop();
  env.host = this;
  env.pipeline = server_->pipeline;
  env.stats = stats;
  env.engine = server_->engine;
  uint64_t client_id = server_->next_client_id.fetch_add(1, std::memory_order_relaxed);
  auto conn =
      std::make_unique<DispatchConnection>(id, raw, dialect, client_id, env, *std::move(slot));
  DispatchConnection* handler = conn.get();
  if (server_->client_memory != nullptr) {
    // Called on any thread while the connection is alive; the id finds it, if still open, on
    // this dispatcher's loop.
    handler->JoinMemoryBudget(server_->client_memory,
                              [this, id] { thread_->loop()->Post([this, id] { Evict(id); }); });
  }
  connections_.emplace(id, std::move(conn));
  if (server_->info->verbosity() >= 2) {
    std::fprintf(stderr, "<%d new client connection on %s\n", raw, thread_->name().c_str());
  }
  // The loop owns the fd from here on, also when AddStream fails.
  absl::Status status = tls != nullptr ? thread_->loop()->AddTlsStream(fd.release(), handler, *tls)
                                       : thread_->loop()->AddStream(fd.release(), handler);
  if (!status.ok()) {
    Logf(LogLevel::kError, "cannot serve a connection: %s", status.ToString());
    connections_.erase(id);
    return;
  }
  handler->Opened();  // may close and erase it (protected mode): nothing may follow
}

void Dispatcher::Submit(DispatchBatch batch) {
  batch.dispatcher = index_;
  int worker = pool_->PickLeastLoaded(&cursor_, batch.executable);
  staged_[worker].push_back(std::move(batch));
  if (draining_ || flush_posted_) return;
  // The first batch of this loop turn: hand over after the turn's other events have staged
  // theirs, so that a turn costs one push per worker whatever the number of connections.
  flush_posted_ = true;
  thread_->loop()->Post([this] {
    flush_posted_ = false;
    Flush();
  });
}

void Dispatcher::Flush() {
  for (size_t worker = 0; worker < staged_.size(); ++worker) {
    if (!staged_[worker].empty()) pool_->Hand(static_cast<int>(worker), &staged_[worker]);
  }
}

void Dispatcher::Closed(uint64_t connection_id) {
  if (server_->info->verbosity() >= 2) {
    std::fprintf(stderr, "<connection %llu closed\n",
                 static_cast<unsigned long long>(connection_id));
  }
  connections_.erase(connection_id);
}

void Dispatcher::Evict(uint64_t connection_id) {
  auto it = connections_.find(connection_id);
  // May destroy the connection (and erase it from the map): the iterator is not used after.
  if (it != connections_.end()) it->second->Evict();
}

void Dispatcher::Return(std::vector<DispatchBatch>* done) {
  if (returned_.Push(done)) thread_->loop()->Post([this] { DrainReturned(); });
}

void Dispatcher::DrainReturned() {
  returned_.TakeAll(&returned_scratch_);
  draining_ = true;
  for (DispatchBatch& batch : returned_scratch_) {
    auto it = connections_.find(batch.connection_id);
    if (it == connections_.end()) continue;  // closed meanwhile: the replies have nowhere to go
    // May destroy the connection (and erase it from the map): the iterator is not used after.
    it->second->OnBatchDone(std::move(batch));
  }
  returned_scratch_.clear();
  draining_ = false;
  Flush();
}

}  // namespace memkv::server
