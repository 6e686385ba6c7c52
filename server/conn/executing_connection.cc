#include "server/conn/executing_connection.h"

#include <cstdio>
#include <utility>

#include "server/loop/log.h"

namespace memkv::server {

using protocol::ParseStatus;

void ExecutingConnection::Start(const Owner& owner, UniqueFd fd, ConnectionSlot slot,
                                PortDialect dialect, const TlsContext* tls, ServerContext* server) {
  int raw = fd.get();
  Env env;
  env.loop = owner.loop;
  env.pipeline = server->pipeline;
  env.stats = owner.stats;
  env.engine = server->engine;
  std::shared_ptr<ExecutingConnection> conn(
      new ExecutingConnection(env, raw, dialect, std::move(slot), server));
  if (server->info->verbosity() >= 2) {
    std::fprintf(stderr, "<%d new client connection on %.*s\n", raw,
                 static_cast<int>(owner.thread_name.size()), owner.thread_name.data());
  }
  if (server->client_memory != nullptr) {
    // Called on any thread, while the connection is alive: copies the weak reference only.
    conn->JoinMemoryBudget(server->client_memory,
                           [loop = owner.loop, weak = std::weak_ptr<ExecutingConnection>(conn)] {
                             loop->Post([weak] {
                               if (std::shared_ptr<ExecutingConnection> c = weak.lock()) {
                                 c->Evict();
                               }
                             });
                           });
  }
  // The loop owns the fd from here on, also when AddStream fails.
  absl::Status status = tls != nullptr ? owner.loop->AddTlsStream(fd.release(), conn.get(), *tls)
                                       : owner.loop->AddStream(fd.release(), conn.get());
  if (!status.ok()) {
    Logf(LogLevel::kError, "cannot serve a connection: %s", status.ToString());
    return;  // conn is deleted here; its destructor gives back its counters
  }
  ExecutingConnection* opened = conn.get();
  conn->self_ = std::move(conn);
  opened->Opened();  // may close and release it (protected mode): nothing may follow
}

ExecutingConnection::ExecutingConnection(const Env& env, int fd, PortDialect dialect,
                                         ConnectionSlot slot, ServerContext* server)
    : Connection(env, fd, dialect, server->next_client_id.fetch_add(1, std::memory_order_relaxed),
                 std::move(slot)),
      server_(server) {
  exec_.engine = server->engine;
  exec_.stats = env.stats;
  exec_.server = server->info;
  exec_.auth = server->pipeline->auth;
  // A multi-key command pauses where the output would stop taking requests anyway.
  exec_.cursor = &pipeline().cursor();
  exec_.cursor->output_limit = kOutputHighWater;
}

bool ExecutingConnection::OutputFull() const { return output_size() >= kOutputHighWater; }

bool ExecutingConnection::ReadyForRequest() const { return budget_ > 0 && !OutputFull(); }

PipelineStep ExecutingConnection::TakeRequest(std::string_view input) {
  exec_.spliced = &output_spliced();  // the buffer being filled changes after each send
  PipelineStep step = pipeline().ParseAndExecute(input, exec_, &output());
  if (step.status == ParseStatus::kNeedMore) return step;
  --budget_;
  if (step.status == ParseStatus::kOk && step.outcome != ExecOutcome::kPaused) {
    exec_.stats->requests.Add();
  }
  return step;
}

PipelineStep ExecutingConnection::TakeReceivedValue(ValueReceipt* receipt,
                                                    std::string_view trailer) {
  exec_.spliced = &output_spliced();
  storage::ValueBuffer value = receipt->TakeValue();
  PipelineStep step = pipeline().ExecuteReceived(receipt->dialect(), receipt->header(), trailer,
                                                 &value, exec_, &output());
  --budget_;
  if (step.status == ParseStatus::kOk) exec_.stats->requests.Add();
  return step;
}

bool ExecutingConnection::WantsReceivePaused() const {
  // Receive only while the replies fit under the high-water mark and no continuation is
  // waiting with leftover requests: otherwise the input buffer would grow without bound.
  return input_blocked() || continuation_posted_;
}

void ExecutingConnection::OnSendDone() {
  // Input held back with budget left was held back by the output, which just drained: this is
  // a new wake-up for it. (Input held back by a spent budget waits for its continuation.)
  if (input_blocked() && budget_ > 0) budget_ = kRequestsPerWake;
}

void ExecutingConnection::AfterSettle() {
  // Requests left when the budget ran out wait for a continuation, so that the loop serves its
  // other clients first.
  if (input_blocked() && budget_ <= 0 && !continuation_posted_) {
    continuation_posted_ = true;
    loop()->Post([self = self_] { self->Continue(); });
  }
}

void ExecutingConnection::Continue() {
  continuation_posted_ = false;
  if (closed() || closing()) return;
  CallbackScope scope(this);
  budget_ = kRequestsPerWake;
  ConsumeBuffered();
  Settle();
}

void ExecutingConnection::Release() {
  if (server_->info->verbosity() >= 2) std::fprintf(stderr, "<%d connection closed\n", fd());
  self_.reset();  // may delete this: nothing may follow
}

}  // namespace memkv::server
