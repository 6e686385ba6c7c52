// Fault tests, part two (issue 13 item 7): faults of load, against the real binary in every
// front-end mode and I/O engine, each ending with a well-behaved client's exact answers and the
// server's peak memory (VmHWM) within -m + 128 MiB (FaultTest):
//   - a writer of random-size values (1 B to 1 MB) totalling four times -m: the peak stays
//     bounded, and every key then reads as a miss or as exactly the value written last;
//   - slow clients sending a request a byte at a time beside a fast client: the fast client's
//     round trips are timed with and without them, and must not slow down as they would if each
//     byte held its loop;
//   - SIGTERM under load: clients pounding set and get, then SIGTERM: exit status 0 within 1 s.
// Part one (fault_integration_test.cc) has the faults of many connections.
#include <signal.h>
#include <sys/wait.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cmath>
#include <cstdint>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "gtest/gtest.h"
#include "tests/support/fault_test.h"
#include "tests/support/memkv_process.h"
#include "tests/support/mode_engine_test.h"

namespace memkv {
namespace {

using ::memkv::testing::CombinationName;
using ::memkv::testing::FaultSeed;
using ::memkv::testing::kMemoryLimitMib;
using ::memkv::testing::LetterValue;
using ::memkv::testing::RespCommand;
using ::memkv::testing::Scaled;
using ::memkv::testing::TestClient;

using Clock = std::chrono::steady_clock;

class FaultLoadTest : public ::memkv::testing::FaultTest {};

// One writer's keys and what it wrote last to each: the value's seed and size (0: never written).
struct Written {
  uint64_t seed = 0;
  size_t size = 0;
};

// Stores random-size values under `keys` keys of `prefix` until `total` bytes went out, in the
// text protocol or as RESP SET, each store answered before the next; returns what it wrote last
// per key. A failure is recorded in *error.
std::vector<Written> WriteBeyondLimit(int port, bool resp, const std::string& prefix, int keys,
                                      size_t total, uint64_t seed, std::string* error) {
  std::vector<Written> last(static_cast<size_t>(keys));
  TestClient client(port);
  std::mt19937_64 rng(seed);
  // Log-uniform sizes from 1 B to 1 MB: as many small values as large ones per decade.
  std::uniform_real_distribution<double> log_size(0.0, std::log(1000000.0));
  for (size_t sent = 0; sent < total;) {
    const int k = static_cast<int>(rng() % static_cast<uint64_t>(keys));
    const size_t size = static_cast<size_t>(std::exp(log_size(rng)));
    const uint64_t value_seed = rng();
    const std::string key = prefix + std::to_string(k);
    const std::string value = LetterValue(value_seed, size);
    const std::string reply =
        resp ? client.Call(RespCommand({"SET", key, value}))
             : client.Call("set " + key + " 0 0 " + std::to_string(size) + "\r\n" + value + "\r\n");
    if (reply != (resp ? "+OK\r\n" : "STORED\r\n")) {
      *error = "storing " + std::to_string(size) + " bytes under " + key + ": " + reply;
      return last;
    }
    last[k] = Written{value_seed, size};
    sent += size;
  }
  return last;
}

// Reads every key of a writer (in the other dialect than it wrote in): each must miss or hold
// exactly the value written last. Returns the number of hits; failures are test failures.
int ExpectMissOrLastValue(int port, bool resp, const std::string& prefix,
                          const std::vector<Written>& last) {
  TestClient client(port);
  int hits = 0;
  for (size_t k = 0; k < last.size(); ++k) {
    const std::string key = prefix + std::to_string(k);
    const std::string value = LetterValue(last[k].seed, last[k].size);
    const std::string size = std::to_string(value.size());
    const std::string miss = resp ? "$-1\r\n" : "END\r\n";
    const std::string hit = resp ? "$" + size + "\r\n" + value + "\r\n"
                                 : "VALUE " + key + " 0 " + size + "\r\n" + value + "\r\nEND\r\n";
    if (!client.Send(resp ? RespCommand({"GET", key}) : "get " + key + "\r\n")) {
      ADD_FAILURE() << "the reader's connection broke";
      return hits;
    }
    // Both misses are five bytes, and no hit is shorter: the first five tell which it is.
    std::string reply = client.ReadExactly(miss.size());
    if (reply == miss) continue;
    reply += client.ReadExactly(hit.size() - miss.size());
    EXPECT_TRUE(last[k].size > 0 && reply == hit)
        << key << ": not the value written last (" << last[k].size << " bytes), but "
        << reply.substr(0, 80);
    ++hits;
  }
  return hits;
}

// Two writers (text and RESP, keys of their own) store random-size values totalling four times
// -m; afterwards every key misses or holds exactly its last value, and the peak stayed bounded.
TEST_P(FaultLoadTest, RandomSizeValuesFarBeyondTheMemoryLimit) {
  auto server = StartFaultServer();
  const uint64_t seed = FaultSeed();
  SCOPED_TRACE("MEMKV_FAULT_SEED=" + std::to_string(seed));
  const size_t per_writer = static_cast<size_t>(kMemoryLimitMib << 20) * Scaled(4, 2) / 2;
  // Each writer's keys hold about 60 MB at once (a key is written twice on average, a value
  // is 72 KB on average): together beyond -m, so the engine must evict.
  constexpr int kKeys = 1000;
  std::vector<Written> text_last;
  std::vector<Written> resp_last;
  std::string text_error;
  std::string resp_error;
  std::thread resp_writer([&] {
    resp_last =
        WriteBeyondLimit(server->port(), true, "wr:", kKeys, per_writer, seed + 1, &resp_error);
  });
  text_last = WriteBeyondLimit(server->port(), false, "wt:", kKeys, per_writer, seed, &text_error);
  resp_writer.join();
  EXPECT_EQ(text_error, "");
  EXPECT_EQ(resp_error, "");
  const int hits = ExpectMissOrLastValue(server->port(), true, "wt:", text_last) +
                   ExpectMissOrLastValue(server->port(), false, "wr:", resp_last);
  // Something must have been kept (an engine that dropped everything would pass the rest), and
  // something evicted (or the writers never went beyond -m).
  EXPECT_GT(hits, 0);
  TestClient stats(server->port());
  const int64_t evictions = std::stoll(::memkv::testing::Stats(stats)["evictions"]);
  EXPECT_GT(evictions, 0);
  std::printf("[ fault    ] values beyond -m: %zu MiB written, %d of %d keys kept, %lld evicted\n",
              2 * per_writer >> 20, hits, 2 * kKeys, static_cast<long long>(evictions));
  stats.Close();
  ExpectRecovered("values beyond -m");
}

// The median and 99th percentile of `n` get round trips of `client`, in microseconds, each
// `pace` after the last one ended: spread over time, so that a loop held for a share of the time
// delays about that share of them. (Back to back, or catching up with a schedule, nearly all
// would run in the short gaps between holds, and a loop held 95% of the time would go unseen.)
struct Latency {
  double median_us;
  double p99_us;
};
Latency TimeRoundTrips(TestClient& client, int n, std::chrono::microseconds pace,
                       const std::string& expected, bool* exact) {
  std::vector<double> us;
  for (int i = 0; i < n; ++i) {
    std::this_thread::sleep_for(pace);
    const auto start = Clock::now();
    *exact = *exact && client.Call("get fast\r\n", "END\r\n") == expected;
    us.push_back(std::chrono::duration<double, std::micro>(Clock::now() - start).count());
  }
  std::sort(us.begin(), us.end());
  return {us[us.size() / 2], us[us.size() * 99 / 100]};
}

// Four slow clients each store a 20 KB value one byte per send, about half a millisecond apart,
// while a fast client runs gets. With -t 1, so that in every mode the fast client shares its
// loop (its worker, or the dispatcher) with the slow ones. The fast client's latency is timed
// before and during; the slow clients keep dripping until the timing ends (and then send the rest
// at once), and their values must arrive exact.
TEST_P(FaultLoadTest, SlowClientDoesNotSlowAFastOne) {
  auto server = StartFaultServer({"-t", "1"});
  TestClient fast(server->port());
  const std::string fast_value = LetterValue(7, 100);
  ASSERT_EQ(fast.Call("set fast 0 0 100\r\n" + fast_value + "\r\n"), "STORED\r\n");
  const std::string fast_reply = "VALUE fast 0 100\r\n" + fast_value + "\r\nEND\r\n";
  const int round_trips = Scaled(1000, 500);
  constexpr std::chrono::microseconds kPace(300);
  bool exact = true;
  const Latency alone = TimeRoundTrips(fast, round_trips, kPace, fast_reply, &exact);

  constexpr int kSlow = 4;
  const std::string slow_value = LetterValue(11, 20000);
  const std::string slow_request = "set slow 0 0 20000\r\n" + slow_value + "\r\n";
  std::vector<std::unique_ptr<TestClient>> slow;
  for (int s = 0; s < kSlow; ++s) slow.push_back(std::make_unique<TestClient>(server->port()));
  std::atomic<bool> timing_done{false};
  size_t dripped = 0;
  std::thread dripper([&] {
    for (; dripped < slow_request.size() && !timing_done; ++dripped) {
      for (auto& client : slow) client->Send(slow_request.substr(dripped, 1));
      std::this_thread::sleep_for(std::chrono::microseconds(500));
    }
  });
  std::this_thread::sleep_for(std::chrono::milliseconds(100));  // the drip under way
  const Latency beside_slow = TimeRoundTrips(fast, round_trips, kPace, fast_reply, &exact);
  timing_done = true;
  dripper.join();
  EXPECT_TRUE(exact) << "the fast client got a wrong answer";
  EXPECT_LT(dripped, slow_request.size()) << "the slow clients finished before the timing did";
  for (auto& client : slow) {
    EXPECT_EQ(client->Call(slow_request.substr(dripped)), "STORED\r\n");
    EXPECT_EQ(client->Call("get slow\r\n", "END\r\n"),
              "VALUE slow 0 20000\r\n" + slow_value + "\r\nEND\r\n");
  }
  std::printf(
      "[ fault    ] slow client %s/%s: fast get median %.0f us alone, %.0f us beside "
      "%d slow clients (p99 %.0f / %.0f us; %zu bytes dripped each)\n",
      mode().c_str(), io().c_str(), alone.median_us, beside_slow.median_us, kSlow, alone.p99_us,
      beside_slow.p99_us, dripped);
  // Loose bounds, for a shared 2-core machine, yet tight enough for the fault: with the epoll
  // loop made to sleep 1 ms on each read of under 4 bytes, the median beside the slow clients
  // went from 12-70 us to 1.8-3 ms (10 ms: to 10 ms) in every mode, and this failed.
  EXPECT_LT(beside_slow.median_us, 5 * alone.median_us + 1000);
  EXPECT_LT(beside_slow.p99_us, 10 * alone.p99_us + 50000);
  slow.clear();
  fast.Close();
  ExpectRecovered("slow client");
}

// One pounding client, number `p` (odd ones speak RESP): set and get in a loop, each reply
// compared in full, until the server goes (or 10 s pass). Counts exact and wrong replies; a reply
// cut short by the shutdown is neither.
void Pound(int port, int p, std::atomic<int64_t>* exact, std::atomic<int>* wrong) {
  TestClient client(port, /*timeout_seconds=*/5);
  const bool resp = p % 2 == 1;
  const auto deadline = Clock::now() + std::chrono::seconds(10);
  for (int i = 0; Clock::now() < deadline; ++i) {
    const std::string key = "t" + std::to_string(p) + ":" + std::to_string(i % 1000);
    const std::string value = LetterValue(static_cast<uint64_t>(i), 1 + i % 5000);
    const std::string n = std::to_string(value.size());
    const std::string request =
        resp ? RespCommand({"SET", key, value}) + RespCommand({"GET", key})
             : "set " + key + " 0 0 " + n + "\r\n" + value + "\r\nget " + key + "\r\n";
    const std::string want =
        resp ? "+OK\r\n$" + n + "\r\n" + value + "\r\n"
             : "STORED\r\nVALUE " + key + " 0 " + n + "\r\n" + value + "\r\nEND\r\n";
    if (!client.Send(request)) return;
    const std::string got = client.ReadExactly(want.size());
    if (got != want) {
      if (want.compare(0, got.size(), got) != 0) ++*wrong;
      return;
    }
    ++*exact;
  }
}

// Four clients pound set and get (text and RESP), each checking every reply it gets in full; a
// well-behaved client checks its answers; then SIGTERM: exit status 0 within a second, and every
// pounding client sees its connection end instead of hanging.
TEST_P(FaultLoadTest, SigtermUnderLoadExitsZeroWithinOneSecond) {
  auto server = StartFaultServer();
  constexpr int kPounders = 4;
  std::atomic<int> wrong{0};
  std::atomic<int64_t> exact{0};
  std::vector<std::thread> pounders;
  for (int p = 0; p < kPounders; ++p) {
    pounders.emplace_back([&, p] { Pound(server->port(), p, &exact, &wrong); });
  }
  // At least 300 ms and 2,000 replies of load (fewer under ASan) before the signal.
  std::this_thread::sleep_for(std::chrono::milliseconds(300));
  const auto load_deadline = Clock::now() + std::chrono::seconds(5);
  while (exact < Scaled(2000, 300) && wrong == 0 && Clock::now() < load_deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  EXPECT_GE(exact, Scaled(2000, 300)) << "the load did not get going";
  ExpectExactAnswers("before-sigterm");
  ExpectPeakWithinBound("SIGTERM under load");
  const auto start = Clock::now();
  const int status = server->Stop();
  const double seconds = std::chrono::duration<double>(Clock::now() - start).count();
  for (auto& thread : pounders) thread.join();
  std::printf("[ fault    ] SIGTERM %s/%s: exit after %.3f s, %lld exact replies before it\n",
              mode().c_str(), io().c_str(), seconds, static_cast<long long>(exact.load()));
  EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) << "wait status " << status;
  // Under ASan too: its leak check at exit took 10-30 ms here.
  EXPECT_LT(seconds, 1.0);
  EXPECT_EQ(wrong, 0);
}

INSTANTIATE_TEST_SUITE_P(AllModes, FaultLoadTest, ::memkv::testing::AllModeEngineCombinations(),
                         CombinationName);

}  // namespace
}  // namespace memkv
