// The Prometheus exposition and what feeds it: the histogram's log2 buckets, the command families
// (a fixed set whatever a client sends), and the text itself for two threads' counters over a real
// engine: each sample once, counters summed over threads, cumulative buckets ending in +Inf equal
// to _count. tests/server/prometheus_test.py has the real binary scraped by a real Prometheus.
#include "server/exec/prometheus_exposition.h"

#include <atomic>
#include <map>
#include <memory>
#include <string>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "protocol/memcache/meta_request.h"
#include "protocol/memcache/text_request.h"
#include "protocol/resp/resp_request.h"
#include "server/exec/command_family.h"
#include "server/exec/command_stats.h"
#include "storage/clock.h"
#include "storage/engine.h"
#include "tests/support/fake_server_info.h"

namespace memkv::server {
namespace {

using ::testing::HasSubstr;

TEST(LatencyHistogramTest, BucketsAreLog2Microseconds) {
  EXPECT_EQ(LatencyHistogram::BucketOf(0), 0);
  EXPECT_EQ(LatencyHistogram::BucketOf(1), 0);     // 1 ns: le 1 us
  EXPECT_EQ(LatencyHistogram::BucketOf(1000), 0);  // 1 us
  EXPECT_EQ(LatencyHistogram::BucketOf(1001), 1);  // just over: le 2 us
  EXPECT_EQ(LatencyHistogram::BucketOf(2000), 1);
  EXPECT_EQ(LatencyHistogram::BucketOf(3000), 2);        // le 4 us
  EXPECT_EQ(LatencyHistogram::BucketOf(1'000'000), 10);  // 1 ms: le 1024 us
  EXPECT_EQ(LatencyHistogram::BucketOf(uint64_t{1} << 40), LatencyHistogram::kFiniteBuckets);
  EXPECT_DOUBLE_EQ(LatencyHistogram::UpperBoundSeconds(0), 1e-6);
  EXPECT_DOUBLE_EQ(LatencyHistogram::UpperBoundSeconds(10), 1024e-6);
}

TEST(CommandFamilyTest, EveryDialectMapsOntoAFixedSet) {
  protocol::TextRequest text;
  text.command = protocol::TextCommand::kGats;
  EXPECT_EQ(FamilyOf(text), CommandFamily::k_get);
  text.command = protocol::TextCommand::kCas;
  EXPECT_EQ(FamilyOf(text), CommandFamily::k_set);
  text.command = protocol::TextCommand::kVersion;
  EXPECT_EQ(FamilyOf(text), CommandFamily::k_text_other);
  protocol::MetaRequest meta;
  meta.command = protocol::MetaCommand::kArithmetic;
  EXPECT_EQ(FamilyOf(meta), CommandFamily::k_ma);
  protocol::RespRequest resp;
  resp.args = {"mGeT", "a", "b"};
  EXPECT_EQ(FamilyOf(resp), CommandFamily::k_resp_get);
  resp.args = {"incrbyfloat", "a", "1.5"};
  EXPECT_EQ(FamilyOf(resp), CommandFamily::k_resp_incr_decr);
  resp.args = {"made-up-command-name"};
  EXPECT_EQ(FamilyOf(resp), CommandFamily::k_resp_other);
  EXPECT_EQ(CommandFamilyName(CommandFamily::k_resp_expire), "resp_expire");
}

// name{labels} -> value, and how often each appeared.
std::map<std::string, std::string> Samples(const std::string& text,
                                           std::map<std::string, int>* seen) {
  std::map<std::string, std::string> out;
  size_t start = 0;
  while (start < text.size()) {
    size_t eol = text.find('\n', start);
    std::string line = text.substr(start, eol - start);
    start = eol + 1;
    if (line.empty() || line[0] == '#') continue;
    size_t space = line.rfind(' ');
    out[line.substr(0, space)] = line.substr(space + 1);
    ++(*seen)[line.substr(0, space)];
  }
  return out;
}

TEST(PrometheusExpositionTest, CountersSumThreadsAndHistogramsAreCumulative) {
  storage::FakeClock clock;
  storage::EngineOptions options;
  options.start_background_reclaimer = false;
  std::unique_ptr<storage::Engine> engine = storage::Engine::Create(options, &clock).value();
  CommandStats worker0, worker1;
  worker0.cmd_get.Add(3);
  worker1.cmd_get.Add(4);
  worker0.get_hits.Add(5);
  worker1.curr_connections.Add(2);
  worker0.latency[static_cast<size_t>(CommandFamily::k_get)].Record(500);        // le 1 us
  worker1.latency[static_cast<size_t>(CommandFamily::k_get)].Record(3'000);      // le 4 us
  worker1.latency[static_cast<size_t>(CommandFamily::k_get)].Record(5'000'000);  // le 8192 us
  // worker1 is a dispatch-pool worker: its queue and batches are shown, worker0's are not.
  std::atomic<int64_t> queue{5};
  worker1.queued_requests = &queue;
  worker1.dispatch_batches.Add(9);
  FakeServerInfo info({{"worker0", &worker0}, {"worker1", &worker1}});

  std::string text = PrometheusExposition(info, *engine, FakeServerInfo::kStartMillis + 90'000);
  std::map<std::string, int> seen;
  std::map<std::string, std::string> values = Samples(text, &seen);
  for (const auto& [name, count] : seen) EXPECT_EQ(count, 1) << name << " appears " << count;

  EXPECT_EQ(values["memkv_cmd_get_total"], "7");
  EXPECT_EQ(values["memkv_get_hits_total"], "5");
  EXPECT_EQ(values["memkv_connections_total"], "0");  // total_connections, not _total_total
  EXPECT_EQ(values["memkv_curr_connections"], "2");
  EXPECT_EQ(values["memkv_uptime_seconds"], "90");
  EXPECT_EQ(values["memkv_threads"], "2");
  EXPECT_EQ(values["memkv_thread_connections{thread=\"worker1\"}"], "2");
  EXPECT_EQ(values["memkv_thread_queued_requests{thread=\"worker1\"}"], "5");
  EXPECT_EQ(values["memkv_thread_batches_total{thread=\"worker1\"}"], "9");
  EXPECT_EQ(values.count("memkv_thread_queued_requests{thread=\"worker0\"}"), 0u);
  EXPECT_EQ(values["memkv_memory_limit_bytes"], std::to_string(options.memory_limit_bytes));

  const std::string get = "memkv_command_duration_seconds_bucket{command=\"get\",le=";
  EXPECT_EQ(values[get + "\"1e-06\"}"], "1");
  EXPECT_EQ(values[get + "\"2e-06\"}"], "1");
  EXPECT_EQ(values[get + "\"4e-06\"}"], "2");
  EXPECT_EQ(values[get + "\"0.008192\"}"], "3");
  EXPECT_EQ(values[get + "\"+Inf\"}"], "3");
  EXPECT_EQ(values["memkv_command_duration_seconds_count{command=\"get\"}"], "3");
  EXPECT_EQ(values["memkv_command_duration_seconds_sum{command=\"get\"}"], "0.005003500");
  // A family that never ran has no series.
  EXPECT_EQ(values.count("memkv_command_duration_seconds_count{command=\"set\"}"), 0u);
  EXPECT_THAT(text, HasSubstr("# TYPE memkv_command_duration_seconds histogram\n"));
  EXPECT_THAT(text, HasSubstr("memkv_info{version=\""));
}

}  // namespace
}  // namespace memkv::server
