#include "server/running_server_info.h"

#include <utility>

namespace memkv::server {

RunningServerInfo::RunningServerInfo(const Options& options, IoEngine io, int64_t start_time_millis,
                                     const ClientMemoryBudget* client_memory)
    : start_time_millis_(start_time_millis),
      mode_(options.mode),
      io_(io),
      max_connections_(static_cast<uint64_t>(options.conn_limit)),
      tcp_port_(options.port),
      idle_timeout_seconds_(options.idle_timeout_seconds),
      listen_address_(options.listen_address),
      proto_max_bulk_len_(options.proto_max_bulk_len),
      verbosity_(options.verbosity),
      admin_(options.prefix_delimiter, options.detail_enabled),
      client_memory_(client_memory) {}

ClientMemoryFacts RunningServerInfo::client_memory() const {
  if (client_memory_ == nullptr) return {};
  return {client_memory_->used(), client_memory_->limit(), client_memory_->evicted()};
}

void RunningServerInfo::AddThreadStats(std::string name, const CommandStats* stats,
                                       ThreadRole role) {
  absl::MutexLock lock(&mu_);
  threads_.emplace_back(std::move(name), stats);
  if (role == ThreadRole::kExecutes) ++executing_threads_;
}

int RunningServerInfo::thread_count() const {
  absl::MutexLock lock(&mu_);
  return executing_threads_;
}

std::vector<std::pair<std::string, const CommandStats*>> RunningServerInfo::AllThreadStats() const {
  absl::MutexLock lock(&mu_);
  return threads_;
}

void RunningServerInfo::SetStatsBaseline(StatsBaseline baseline) {
  absl::MutexLock lock(&mu_);
  baseline_ = std::move(baseline);
}

StatsBaseline RunningServerInfo::stats_baseline() const {
  absl::MutexLock lock(&mu_);
  return baseline_;
}

}  // namespace memkv::server
