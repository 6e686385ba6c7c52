// What each front-end mode promises beyond serving correctly, checked on the real binary through
// the per-thread counters of `stats` (thread:workerN:...), over both I/O engines:
//   - reuseport: the kernel spreads connections over more than one worker's socket;
//   - acceptor --balance least-conn: each new connection goes to the emptiest worker.
#include <algorithm>
#include <map>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "gtest/gtest.h"
#include "tests/support/memkv_process.h"

namespace memkv {
namespace {

using ::memkv::testing::MemkvProcess;
using ::memkv::testing::Stats;
using ::memkv::testing::TestClient;

const std::string kIoEngines[] = {"epoll", "uring"};

// Open connections per worker ("worker0" -> 3), from the per-thread stats lines.
std::map<std::string, int64_t> ConnectionsPerWorker(TestClient& client) {
  std::map<std::string, int64_t> out;
  constexpr std::string_view kPrefix = "thread:";
  constexpr std::string_view kSuffix = ":curr_connections";
  for (const auto& [key, value] : Stats(client)) {
    if (key.rfind("thread:worker", 0) == 0 && key.size() > kSuffix.size() &&
        key.compare(key.size() - kSuffix.size(), kSuffix.size(), kSuffix) == 0) {
      out[key.substr(kPrefix.size(), key.size() - kSuffix.size() - kPrefix.size())] =
          std::stoll(value);
    }
  }
  return out;
}

int64_t Total(const std::map<std::string, int64_t>& counts) {
  int64_t sum = 0;
  for (const auto& [name, n] : counts) sum += n;
  return sum;
}

// Polls until the server counts `want` open connections (closing is asynchronous).
std::map<std::string, int64_t> WaitForTotal(TestClient& client, int64_t want) {
  std::map<std::string, int64_t> counts;
  for (int i = 0; i < 2000; ++i) {
    counts = ConnectionsPerWorker(client);
    if (Total(counts) == want) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  return counts;
}

class ModePromiseTest : public ::testing::TestWithParam<std::string> {};

TEST_P(ModePromiseTest, ReuseportSpreadsConnectionsOverWorkers) {
  MemkvProcess server(MEMKV_BINARY_PATH, {"--mode", "reuseport", "--io", GetParam(), "-t", "4"});
  ASSERT_TRUE(server.ok()) << server.error();
  std::vector<std::unique_ptr<TestClient>> clients;
  for (int i = 0; i < 40; ++i) {
    clients.push_back(std::make_unique<TestClient>(server.port()));
    ASSERT_EQ(clients.back()->Call("version\r\n"), "VERSION 1.6.18-memkv-0.1\r\n");
  }
  auto counts = ConnectionsPerWorker(*clients[0]);
  ASSERT_EQ(counts.size(), 4u);
  int busy = 0;
  for (const auto& [name, n] : counts) busy += n > 0 ? 1 : 0;
  // 40 connections all hashed to one of 4 sockets: probability 4^-39.
  EXPECT_GE(busy, 2) << "every connection landed on one worker";
  clients.clear();
  EXPECT_EQ(server.Stop(), 0) << "memkv did not exit cleanly on SIGTERM";
}

// Opens one connection and returns the worker it landed on; checks that this worker had the
// fewest connections just before.
std::string OpenOnEmptiest(int port, TestClient& observer,
                           std::vector<std::unique_ptr<TestClient>>* clients) {
  auto before = ConnectionsPerWorker(observer);
  int64_t fewest = before.empty() ? 0 : before.begin()->second;
  for (const auto& [name, n] : before) fewest = std::min(fewest, n);
  clients->push_back(std::make_unique<TestClient>(port));
  EXPECT_EQ(clients->back()->Call("version\r\n"), "VERSION 1.6.18-memkv-0.1\r\n");
  auto after = ConnectionsPerWorker(observer);
  for (const auto& [name, n] : after) {
    if (n == before[name] + 1) {
      EXPECT_EQ(before[name], fewest) << name << " was not the emptiest worker";
      return name;
    }
  }
  ADD_FAILURE() << "the new connection was not counted by any worker";
  return "";
}

TEST_P(ModePromiseTest, LeastConnSendsNewConnectionsToTheEmptiestWorker) {
  MemkvProcess server(MEMKV_BINARY_PATH, {"--mode", "acceptor", "--balance", "least-conn", "--io",
                                          GetParam(), "-t", "3"});
  ASSERT_TRUE(server.ok()) << server.error();
  TestClient observer(server.port());
  WaitForTotal(observer, 1);  // only the observer: the readiness probe has been closed
  std::vector<std::unique_ptr<TestClient>> clients;
  std::vector<std::string> landed;
  for (int i = 0; i < 6; ++i) landed.push_back(OpenOnEmptiest(server.port(), observer, &clients));
  // Empty one worker by closing every test connection it owns, then open three more: the first
  // must go there (round-robin would not care), and each must go to an emptiest worker.
  std::string emptied = landed[0];
  int closed = 0;
  for (size_t i = 0; i < clients.size(); ++i) {
    if (landed[i] == emptied) {
      clients[i]->Close();
      ++closed;
    }
  }
  WaitForTotal(observer, 7 - closed);
  std::string first = OpenOnEmptiest(server.port(), observer, &clients);
  EXPECT_EQ(first, emptied);
  for (int i = 0; i < 2; ++i) OpenOnEmptiest(server.port(), observer, &clients);
  EXPECT_EQ(server.Stop(), 0) << "memkv did not exit cleanly on SIGTERM";
}

INSTANTIATE_TEST_SUITE_P(Engines, ModePromiseTest, ::testing::ValuesIn(kIoEngines),
                         [](const auto& info) { return std::string(info.param); });

}  // namespace
}  // namespace memkv
