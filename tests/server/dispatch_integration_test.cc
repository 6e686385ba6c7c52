// What the dispatch and hybrid modes promise, checked on the real binary over both I/O engines:
//   - one connection's pipelined requests come back in order and correct although different
//     workers executed them (per-thread counters of `stats` show several workers ran);
//   - a greedy pipelining client does not stop light clients from being served;
//   - a client that sends without reading has its reading paused (its sends end up blocked)
//     while other clients are served, and it gets every reply once it reads;
//   - a client vanishing mid-request, mid-value, mid-response or with batches at the workers
//     costs only its own connection;
//   - in hybrid, connections land on more than one dispatcher.
#include <poll.h>
#include <sys/socket.h>

#include <cerrno>
#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <thread>
#include <tuple>
#include <vector>

#include "gtest/gtest.h"
#include "tests/support/memkv_process.h"

namespace memkv {
namespace {

using ::memkv::testing::MemkvProcess;
using ::memkv::testing::Stats;
using ::memkv::testing::TestClient;
using ::memkv::testing::WaitForConnections;

using Combination = std::tuple<std::string, std::string>;  // mode, io

std::string Repeat(std::string_view piece, int times) {
  std::string out;
  for (int i = 0; i < times; ++i) out.append(piece);
  return out;
}

// "<thread>:<name>" counters of `stats` whose thread name starts with `prefix`, by
// thread ("worker0" -> 17).
std::map<std::string, int64_t> PerThread(TestClient& client, std::string_view prefix,
                                         std::string_view name) {
  std::map<std::string, int64_t> out;
  for (const auto& [key, value] : Stats(client)) {
    size_t colon = key.rfind(':');
    if (colon == std::string::npos || key.substr(colon + 1) != name) continue;
    std::string thread = key.substr(0, colon);
    if (thread.rfind("thread:", 0) == 0) thread.erase(0, 7);
    if (thread.rfind(prefix, 0) == 0) out[thread] = std::stoll(value);
  }
  return out;
}

int CountPositive(const std::map<std::string, int64_t>& counts) {
  int n = 0;
  for (const auto& [thread, count] : counts) n += count > 0 ? 1 : 0;
  return n;
}

class DispatchIntegrationTest : public ::testing::TestWithParam<Combination> {
 protected:
  const std::string& mode() const { return std::get<0>(GetParam()); }
  const std::string& io() const { return std::get<1>(GetParam()); }

  std::unique_ptr<MemkvProcess> StartServer(int threads, std::vector<std::string> extra = {}) {
    std::vector<std::string> args = {"--mode", mode(), "--io", io(), "-t", std::to_string(threads)};
    if (mode() == "hybrid") {
      args.push_back("--dispatchers");
      args.push_back("2");
    }
    args.insert(args.end(), extra.begin(), extra.end());
    auto server = std::make_unique<MemkvProcess>(MEMKV_BINARY_PATH, args);
    EXPECT_TRUE(server->ok()) << server->error();
    return server;
  }
};

TEST_P(DispatchIntegrationTest, PipelinedMixedRequestsComeBackInOrderFromSeveralWorkers) {
  auto server = StartServer(4);
  TestClient client(server->port());
  ASSERT_TRUE(client.ok());
  // 1000 requests in one write; each get and incr depends on the request before it.
  std::string request;
  std::string expected;
  for (int i = 0; i < 334; ++i) {
    std::string key = "m" + std::to_string(i % 10);
    std::string value = std::to_string(i * 3);
    request += "set " + key + " 0 0 " + std::to_string(value.size()) + "\r\n" + value + "\r\n";
    expected += "STORED\r\n";
    if (i < 333) {
      request += "get " + key + "\r\n";
      expected +=
          "VALUE " + key + " 0 " + std::to_string(value.size()) + "\r\n" + value + "\r\nEND\r\n";
    }
    request += "incr " + key + " 5\r\n";
    expected += std::to_string(i * 3 + 5) + "\r\n";
  }
  ASSERT_TRUE(client.Send(request));
  EXPECT_EQ(client.ReadExactly(expected.size()), expected);
  auto requests = PerThread(client, "worker", "requests");
  EXPECT_EQ(requests.size(), 4u);
  EXPECT_GE(CountPositive(requests), 2) << "one worker executed every batch";
  int64_t total = 0;
  for (const auto& [thread, n] : requests) total += n;
  EXPECT_GE(total, 1000);
}

TEST_P(DispatchIntegrationTest, GreedyPipeliningClientDoesNotStarveLightClients) {
  auto server = StartServer(2);
  TestClient setup(server->port());
  std::string keys;
  for (int k = 0; k < 50; ++k) {
    std::string key = "g" + std::to_string(k);
    ASSERT_EQ(setup.Call("set " + key + " 0 0 100\r\n" + std::string(100, 'g') + "\r\n"),
              "STORED\r\n");
    keys += " " + key;
  }
  constexpr int kGreedyRequests = 2000;
  std::string greedy_reply;
  std::thread greedy([&] {
    TestClient client(server->port());
    std::thread sender([&] { client.Send(Repeat("get" + keys + "\r\n", kGreedyRequests)); });
    std::string one = "";
    for (int k = 0; k < 50; ++k) {
      one += "VALUE g" + std::to_string(k) + " 0 100\r\n" + std::string(100, 'g') + "\r\n";
    }
    one += "END\r\n";
    std::string all = client.ReadExactly(one.size() * kGreedyRequests);
    greedy_reply = all == Repeat(one, kGreedyRequests) ? "ok" : "bad reply";
    sender.join();
  });
  std::vector<std::thread> light;
  std::vector<int> good(5, 0);
  for (int c = 0; c < 5; ++c) {
    light.emplace_back([&, c] {
      TestClient client(server->port());
      for (int i = 0; i < 100; ++i) {
        std::string key = "l" + std::to_string(c);
        std::string value = std::to_string(i);
        std::string reply = client.Call("set " + key + " 0 0 " + std::to_string(value.size()) +
                                            "\r\n" + value + "\r\nget " + key + "\r\n",
                                        "END\r\n");
        if (reply == "STORED\r\nVALUE " + key + " 0 " + std::to_string(value.size()) + "\r\n" +
                         value + "\r\nEND\r\n") {
          ++good[c];
        }
      }
    });
  }
  for (auto& t : light) t.join();
  greedy.join();
  for (int c = 0; c < 5; ++c) EXPECT_EQ(good[c], 100) << "light client " << c;
  EXPECT_EQ(greedy_reply, "ok");
}

// Sends on a non-blocking socket until the kernel refuses more for `patience_ms` (the server
// stopped reading) or `limit` bytes went out. Returns the bytes sent.
size_t SendUntilBlocked(int fd, std::string_view chunk, size_t limit, int patience_ms) {
  size_t sent = 0;
  size_t offset = 0;
  while (sent < limit) {
    ssize_t n = send(fd, chunk.data() + offset, chunk.size() - offset, MSG_NOSIGNAL | MSG_DONTWAIT);
    if (n > 0) {
      sent += static_cast<size_t>(n);
      offset = (offset + static_cast<size_t>(n)) % chunk.size();
      continue;
    }
    if (n < 0 && errno == EINTR) continue;
    if (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK) break;
    pollfd p{fd, POLLOUT, 0};
    if (poll(&p, 1, patience_ms) == 0) break;  // blocked: the server is not reading
  }
  return sent;
}

TEST_P(DispatchIntegrationTest, ClientThatDoesNotReadIsPausedWhileOthersAreServed) {
  auto server = StartServer(2);
  TestClient other(server->port());
  std::string value(64 << 10, 'p');
  ASSERT_EQ(other.Call("set p 0 0 " + std::to_string(value.size()) + "\r\n" + value + "\r\n"),
            "STORED\r\n");
  TestClient stubborn(server->port());
  // 25 MB of replies it never reads, then as many 64 KB sets as the server will take.
  constexpr int kGets = 400;
  ASSERT_TRUE(stubborn.Send(Repeat("get p\r\n", kGets)));
  const std::string set = "set q 0 0 " + std::to_string(value.size()) + "\r\n" + value + "\r\n";
  constexpr size_t kLimit = size_t{1} << 30;
  size_t sent = SendUntilBlocked(stubborn.fd(), set, kLimit, 3000);
  // Without back-pressure the server would read (and store) the whole gigabyte.
  EXPECT_LT(sent, kLimit) << "the server never stopped reading a client that does not read";
  // Others are served meanwhile.
  for (int i = 0; i < 20; ++i) EXPECT_EQ(other.Call("set o 0 0 1\r\n1\r\n"), "STORED\r\n");
  // Once the client reads, it gets every reply, in order. Only whole sets are counted.
  std::string get_reply =
      "VALUE p 0 " + std::to_string(value.size()) + "\r\n" + value + "\r\nEND\r\n";
  std::thread finish([&] {
    // The tail of a cut set, then a marker; sends block until the server reads again.
    size_t partial = sent % set.size();
    if (partial > 0) stubborn.Send(std::string_view(set).substr(partial));
    stubborn.Send("version\r\n");
  });
  size_t sets = (sent + set.size() - 1) / set.size();
  std::string expected = Repeat(get_reply, kGets) + Repeat("STORED\r\n", static_cast<int>(sets)) +
                         "VERSION 1.6.18-memkv-0.1\r\n";
  std::string got = stubborn.ReadExactly(expected.size());
  finish.join();
  EXPECT_TRUE(got == expected) << "got " << got.size() << " of " << expected.size() << " bytes";
}

TEST_P(DispatchIntegrationTest, DisconnectsCostOnlyTheirOwnConnection) {
  auto server = StartServer(2);
  TestClient other(server->port());
  std::string value(500000, 'd');
  ASSERT_EQ(other.Call("set d 0 0 500000\r\n" + value + "\r\n"), "STORED\r\n");
  for (int round = 0; round < 3; ++round) {
    {
      TestClient mid_request(server->port());
      ASSERT_TRUE(mid_request.Send("get d d d"));
    }
    {
      TestClient mid_value(server->port());
      ASSERT_TRUE(mid_value.Send("set half 0 0 100\r\n" + std::string(50, 'h')));
    }
    {
      TestClient mid_response(server->port());
      ASSERT_TRUE(mid_response.Send(Repeat("get d\r\n", 40)));  // 20 MB, barely read
      EXPECT_EQ(mid_response.ReadExactly(10), "VALUE d 0 ");
    }
    {
      // Closed while its batches are at the workers.
      TestClient busy(server->port());
      ASSERT_TRUE(busy.Send(Repeat("incr n 1\r\nget d\r\n", 300)));
    }
    EXPECT_EQ(other.Call("get half\r\n", "END\r\n"), "END\r\n");
    EXPECT_EQ(other.Call("set s 0 0 1\r\n1\r\n"), "STORED\r\n");
  }
  EXPECT_TRUE(WaitForConnections(other, 1));
  TestClient fresh(server->port());
  std::string expected = "VALUE d 0 500000\r\n" + value + "\r\nEND\r\n";
  ASSERT_TRUE(fresh.Send("get d\r\n"));
  EXPECT_TRUE(fresh.ReadExactly(expected.size()) == expected);
  EXPECT_TRUE(server->Running());
}

TEST_P(DispatchIntegrationTest, StatsNameDispatchersAndWorkers) {
  auto server = StartServer(3);
  TestClient client(server->port());
  EXPECT_EQ(client.Call("set k 0 0 1\r\nv\r\n"), "STORED\r\n");
  auto stats = Stats(client);
  EXPECT_EQ(stats["mode"], mode());
  EXPECT_EQ(stats["threads"], "3") << "dispatchers execute nothing and are not counted";
  auto connections = PerThread(client, "dispatcher", "curr_connections");
  EXPECT_EQ(connections.size(), mode() == "hybrid" ? 2u : 1u);
  EXPECT_EQ(PerThread(client, "worker", "requests").size(), 3u);
  // Dispatchers read and write; workers execute.
  int64_t dispatcher_reads = 0;
  for (const auto& [thread, n] : PerThread(client, "dispatcher", "bytes_read")) {
    dispatcher_reads += n;
  }
  EXPECT_GT(dispatcher_reads, 0);
  for (const auto& [thread, n] : PerThread(client, "dispatcher", "requests")) EXPECT_EQ(n, 0);
}

std::string CombinationName(const ::testing::TestParamInfo<Combination>& info) {
  return std::get<0>(info.param) + "_" + std::get<1>(info.param);
}

INSTANTIATE_TEST_SUITE_P(DispatchModes, DispatchIntegrationTest,
                         ::testing::Combine(::testing::Values("dispatch", "hybrid"),
                                            ::testing::Values("epoll", "uring")),
                         CombinationName);

class HybridIntegrationTest : public ::testing::TestWithParam<std::string> {};

TEST_P(HybridIntegrationTest, ConnectionsLandOnMoreThanOneDispatcher) {
  MemkvProcess server(MEMKV_BINARY_PATH,
                      {"--mode", "hybrid", "--io", GetParam(), "-t", "2", "--dispatchers", "3"});
  ASSERT_TRUE(server.ok()) << server.error();
  std::vector<std::unique_ptr<TestClient>> clients;
  for (int i = 0; i < 40; ++i) {
    clients.push_back(std::make_unique<TestClient>(server.port()));
    ASSERT_EQ(clients.back()->Call("version\r\n"), "VERSION 1.6.18-memkv-0.1\r\n");
  }
  // With 40 connections hashed over 3 sockets, all on one has odds of 3^-39.
  auto per_dispatcher = PerThread(*clients[0], "dispatcher", "total_connections");
  EXPECT_EQ(per_dispatcher.size(), 3u);
  EXPECT_GE(CountPositive(per_dispatcher), 2);
}

INSTANTIATE_TEST_SUITE_P(Engines, HybridIntegrationTest, ::testing::Values("epoll", "uring"));

}  // namespace
}  // namespace memkv
