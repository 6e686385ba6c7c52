// FakeServerInfo: a ServerInfo with fixed facts, for unit tests of executors and connections
// that have no running server around them. Threads registered with AddThreadStats (or given to
// the constructor) are what `stats` adds up; `verbosity N` is recorded.
//
// Threads: the test's thread only.
#ifndef MEMKV_TESTS_SUPPORT_FAKE_SERVER_INFO_H_
#define MEMKV_TESTS_SUPPORT_FAKE_SERVER_INFO_H_

#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "server/exec/command_stats.h"
#include "server/exec/server_info.h"

namespace memkv::server {

class FakeServerInfo : public ServerInfo {
 public:
  // The start time `stats` reports uptime from: 42 s before the FakeClock's start.
  static constexpr int64_t kStartMillis = 1'700'000'000'000 - 42'000;

  FakeServerInfo() = default;
  explicit FakeServerInfo(std::vector<std::pair<std::string, const CommandStats*>> threads)
      : threads_(std::move(threads)) {}

  int64_t start_time_millis() const override { return kStartMillis; }
  int thread_count() const override { return static_cast<int>(threads_.size()); }
  std::string_view mode_name() const override { return "acceptor"; }
  std::string_view io_name() const override { return "epoll"; }
  uint64_t max_connections() const override { return 1024; }
  int tcp_port() const override { return 11211; }
  int64_t idle_timeout_seconds() const override { return 0; }
  void AddThreadStats(std::string name, const CommandStats* stats, ThreadRole) override {
    threads_.emplace_back(std::move(name), stats);
  }
  std::vector<std::pair<std::string, const CommandStats*>> AllThreadStats() const override {
    return threads_;
  }
  void SetStatsBaseline(StatsBaseline baseline) override { baseline_ = std::move(baseline); }
  StatsBaseline stats_baseline() const override { return baseline_; }
  int verbosity() const override { return verbosity_; }
  void SetVerbosity(int level) override { verbosity_ = level; }

 private:
  std::vector<std::pair<std::string, const CommandStats*>> threads_;
  int verbosity_ = 0;
  StatsBaseline baseline_;
};

}  // namespace memkv::server

#endif  // MEMKV_TESTS_SUPPORT_FAKE_SERVER_INFO_H_
