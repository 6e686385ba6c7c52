// RunningServerInfo: the ServerInfo of the running memkv process, the server-wide facts that the
// `stats` and INFO commands print (mode, I/O engine, limits, every thread's counters).
//
// Threads: built on the main thread; AddThreadStats is called by a front end while it starts,
// before or while its threads run; every other method may be called from any thread.
#ifndef MEMKV_SERVER_RUNNING_SERVER_INFO_H_
#define MEMKV_SERVER_RUNNING_SERVER_INFO_H_

#include <atomic>
#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/synchronization/mutex.h"
#include "server/conn/client_memory_budget.h"
#include "server/exec/command_stats.h"
#include "server/exec/server_info.h"
#include "server/options.h"

namespace memkv::server {

class RunningServerInfo final : public ServerInfo {
 public:
  // `io` is the engine actually in use (after any fallback from uring to epoll). `client_memory`
  // (may be null) outlives this object.
  RunningServerInfo(const Options& options, IoEngine io, int64_t start_time_millis,
                    const ClientMemoryBudget* client_memory = nullptr);

  // ServerInfo:
  int64_t start_time_millis() const override { return start_time_millis_; }
  int thread_count() const override;
  std::string_view mode_name() const override { return mode_; }
  std::string_view io_name() const override { return IoEngineName(io_); }
  uint64_t max_connections() const override { return max_connections_; }
  int tcp_port() const override { return tcp_port_; }
  int64_t idle_timeout_seconds() const override { return idle_timeout_seconds_; }
  std::string_view listen_address() const override { return listen_address_; }
  uint64_t proto_max_bulk_len() const override { return proto_max_bulk_len_; }
  void AddThreadStats(std::string name, const CommandStats* stats, ThreadRole role) override;
  std::vector<std::pair<std::string, const CommandStats*>> AllThreadStats() const override;
  ClientMemoryFacts client_memory() const override;
  void SetStatsBaseline(StatsBaseline baseline) override;
  StatsBaseline stats_baseline() const override;
  int verbosity() const override { return verbosity_.load(std::memory_order_relaxed); }
  void SetVerbosity(int level) override { verbosity_.store(level, std::memory_order_relaxed); }
  AdminSettings* admin_settings() override { return &admin_; }
  ConnectionRegistry* connections() override { return &connections_; }

 private:
  const int64_t start_time_millis_;
  const std::string mode_;
  const IoEngine io_;
  const uint64_t max_connections_;
  const int tcp_port_;
  const int64_t idle_timeout_seconds_;
  const std::string listen_address_;
  const uint64_t proto_max_bulk_len_;
  std::atomic<int> verbosity_;
  AdminSettings admin_;
  ConnectionRegistry connections_;
  const ClientMemoryBudget* const client_memory_;

  mutable absl::Mutex mu_;
  std::vector<std::pair<std::string, const CommandStats*>> threads_ ABSL_GUARDED_BY(mu_);
  int executing_threads_ ABSL_GUARDED_BY(mu_) = 0;
  StatsBaseline baseline_ ABSL_GUARDED_BY(mu_);
};

}  // namespace memkv::server

#endif  // MEMKV_SERVER_RUNNING_SERVER_INFO_H_
