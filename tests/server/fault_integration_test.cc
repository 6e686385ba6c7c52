// Fault tests, part one (issue 13 item 7): faults of many connections at once, against the real
// binary in every front-end mode and I/O engine, each ending with a well-behaved client's exact
// answers and the server's peak memory (VmHWM) within -m + 128 MiB (FaultTest):
//   - thousands of clients dropping mid-value, in the text, meta and RESP dialects: no item is
//     half-stored, and no connection is left behind;
//   - random bytes on a thousand connections (seeded; the seed is printed on failure);
//   - 5,000 simultaneous connections doing set and get, every reply exact.
// Part two (fault_load_integration_test.cc) has the faults of load: values far beyond -m, a slow
// client beside a fast one, SIGTERM under load. docs/reliability.md lists them all.
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstdint>
#include <iterator>
#include <memory>
#include <random>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "gtest/gtest.h"
#include "tests/support/fault_test.h"
#include "tests/support/memkv_process.h"
#include "tests/support/mode_engine_test.h"

namespace memkv {
namespace {

using ::memkv::testing::CloseWithReset;
using ::memkv::testing::CombinationName;
using ::memkv::testing::ConnectLoopback;
using ::memkv::testing::FaultSeed;
using ::memkv::testing::LetterValue;
using ::memkv::testing::RespCommand;
using ::memkv::testing::Scaled;
using ::memkv::testing::TestClient;
using ::memkv::testing::WaitForConnections;

using FaultTest = ::memkv::testing::FaultTest;

// Sends all of `data` on a blocking socket; false if the connection broke.
bool SendAll(int fd, std::string_view data) {
  while (!data.empty()) {
    ssize_t n = send(fd, data.data(), data.size(), MSG_NOSIGNAL);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return false;
    data.remove_prefix(static_cast<size_t>(n));
  }
  return true;
}

// The start of a 100,000-byte store of `key` in dialect `i % 3` (text set, meta ms, RESP SET),
// cut `i * 7919 % 100000` bytes into the value: never the whole value.
std::string HalfStore(int i, const std::string& key) {
  constexpr int kValueSize = 100000;
  std::string head;
  switch (i % 3) {
    case 0:
      head = "set " + key + " 0 0 " + std::to_string(kValueSize) + "\r\n";
      break;
    case 1:
      head = "ms " + key + " " + std::to_string(kValueSize) + " T0\r\n";
      break;
    default:
      head = "*3\r\n$3\r\nSET\r\n$" + std::to_string(key.size()) + "\r\n" + key + "\r\n$" +
             std::to_string(kValueSize) + "\r\n";
  }
  return head + std::string(static_cast<size_t>(i) * 7919 % kValueSize, 'h');
}

// Thousands of clients each start storing a 100 KB value, send part of it and vanish (half with a
// FIN, half with a reset), 500 at a time so that the server holds many unfinished values at once.
// Half of the keys held an old value before: it must still be there, whole; the others must miss.
TEST_P(FaultTest, ThousandsOfClientsDroppingMidValue) {
  auto server = StartFaultServer();
  constexpr int kKeys = 100;
  const int clients = Scaled(3000, 1500);
  constexpr int kBatch = 500;
  TestClient checker(server->port());
  for (int k = 0; k < kKeys; k += 2) {
    const std::string key = "half:" + std::to_string(k);
    ASSERT_EQ(checker.Call("set " + key + " 0 0 6\r\nold" + std::to_string(100 + k) + "\r\n"),
              "STORED\r\n");
  }
  for (int first = 0; first < clients; first += kBatch) {
    std::vector<int> open;
    for (int i = first; i < first + kBatch && i < clients; ++i) {
      int fd = ConnectLoopback(server->port());
      ASSERT_GE(fd, 0) << "client " << i;
      ASSERT_TRUE(SendAll(fd, HalfStore(i, "half:" + std::to_string(i % kKeys)))) << i;
      open.push_back(fd);
    }
    for (size_t j = 0; j < open.size(); ++j) {
      if (j % 2 == 0) {
        close(open[j]);
      } else {
        CloseWithReset(open[j]);
      }
    }
  }
  ASSERT_TRUE(WaitForConnections(checker, 1)) << "dropped connections are still open";
  for (int k = 0; k < kKeys; ++k) {
    const std::string key = "half:" + std::to_string(k);
    const std::string want =
        k % 2 == 0 ? "VALUE " + key + " 0 6\r\nold" + std::to_string(100 + k) + "\r\nEND\r\n"
                   : "END\r\n";
    EXPECT_EQ(checker.Call("get " + key + "\r\n", "END\r\n"), want) << "a half-sent store showed";
  }
  checker.Close();
  ExpectRecovered("dropping mid-value");
}

// A connection's worth of random bytes, sometimes behind the start of a real command so that the
// parsers get past their first byte: a text line, a meta line, a RESP array, or nothing.
std::string RandomJunk(std::mt19937_64& rng) {
  static const char* const kPrefixes[] = {
      "", "", "*", "*3\r\n$3\r\nSET\r\n$", "*2", "set k 0 0 ", "get ", "mg ", "ms j ", "$"};
  std::string junk = kPrefixes[rng() % std::size(kPrefixes)];
  const size_t size = 1 + rng() % 4096;
  // A third of the connections draw from digits, spaces and line ends, which parse further.
  const bool parseable = rng() % 3 == 0;
  for (size_t i = 0; i < size; ++i) {
    junk.push_back(parseable ? "0123456789 \r\n*$"[rng() % 16] : static_cast<char>(rng()));
  }
  return junk;
}

// A thousand connections each send up to 4 KiB of random bytes (never reading a reply) and close,
// from four threads, while a well-behaved client keeps getting exact answers.
TEST_P(FaultTest, RandomBytesOnAThousandConnections) {
  auto server = StartFaultServer();
  const uint64_t seed = FaultSeed();
  SCOPED_TRACE("MEMKV_FAULT_SEED=" + std::to_string(seed));
  constexpr int kThreads = 4;
  constexpr int kPerThread = 1000 / kThreads;
  std::atomic<int> failed_connects{0};
  std::atomic<int> running{kThreads};
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < kPerThread; ++i) {
        // One generator per connection: a failure replays from the seed whatever the threads did.
        std::mt19937_64 rng(seed + static_cast<uint64_t>(t * kPerThread + i));
        int fd = ConnectLoopback(server->port());
        if (fd < 0) {
          ++failed_connects;
          continue;
        }
        SendAll(fd, RandomJunk(rng));  // the server may close first: that is its right
        if (rng() % 2 == 0) {
          close(fd);
        } else {
          CloseWithReset(fd);
        }
      }
      --running;
    });
  }
  int rounds = 0;
  for (; running > 0 || rounds == 0; ++rounds) {
    ExpectExactAnswers("during-junk-" + std::to_string(rounds));
    if (HasFailure()) break;
  }
  for (auto& thread : threads) thread.join();
  EXPECT_EQ(failed_connects, 0);
  std::printf("[ fault    ] random bytes: %d rounds of exact answers during the junk\n", rounds);
  ExpectRecovered("random bytes");
}

// Raises this process's soft open-file limit to `want`; false if the hard limit is lower.
bool RaiseOwnFileLimit(rlim_t want) {
  rlimit limit{};
  if (getrlimit(RLIMIT_NOFILE, &limit) != 0 || limit.rlim_max < want) return false;
  if (limit.rlim_cur >= want) return true;
  limit.rlim_cur = want;
  return setrlimit(RLIMIT_NOFILE, &limit) == 0;
}

// One simultaneous client of the 5,000: its connection and its key.
struct Simultaneous {
  std::unique_ptr<TestClient> client;
  std::string key;
  std::string value;
};

// Client `i`'s first round: store its own value and read it back; every fourth speaks RESP.
std::string RoundRequest(const Simultaneous& me, int i) {
  if (i % 4 == 3) {
    return RespCommand({"SET", me.key, me.value}) + RespCommand({"GET", me.key});
  }
  return "set " + me.key + " 0 0 " + std::to_string(me.value.size()) + "\r\n" + me.value +
         "\r\nget " + me.key + "\r\n";
}
std::string RoundReply(const Simultaneous& me, int i) {
  if (i % 4 == 3) return "+OK\r\n$" + std::to_string(me.value.size()) + "\r\n" + me.value + "\r\n";
  return "STORED\r\nVALUE " + me.key + " 0 " + std::to_string(me.value.size()) + "\r\n" + me.value +
         "\r\nEND\r\n";
}
// The second round: client `i` reads its neighbour's value, stored by another connection (perhaps
// served by another thread of the server), in its own connection's dialect.
std::string NeighbourRequest(const Simultaneous& neighbour, int i) {
  if (i % 4 == 3) return RespCommand({"GET", neighbour.key});
  return "mg " + neighbour.key + " v\r\n";
}
std::string NeighbourReply(const Simultaneous& neighbour, int i) {
  const std::string size = std::to_string(neighbour.value.size());
  if (i % 4 == 3) return "$" + size + "\r\n" + neighbour.value + "\r\n";
  return "VA " + size + "\r\n" + neighbour.value + "\r\n";
}

// 5,000 connections open at once (the server counts them all), each storing and reading back a
// value, then reading its neighbour's; four client threads, every reply compared byte for byte.
TEST_P(FaultTest, FiveThousandSimultaneousConnections) {
  const int count = Scaled(5000, 2000);
  if (!RaiseOwnFileLimit(static_cast<rlim_t>(count) + 256)) {
    GTEST_SKIP() << "the open-file hard limit (ulimit -Hn) is below " << count + 256;
  }
  auto server = StartFaultServer({"-c", std::to_string(count + 100)});
  std::vector<Simultaneous> clients(static_cast<size_t>(count));
  for (int i = 0; i < count; ++i) {
    clients[i].key = "sim:" + std::to_string(i);
    clients[i].value = LetterValue(static_cast<uint64_t>(i), 10 + static_cast<size_t>(i) % 300);
  }
  constexpr int kThreads = 4;
  // Each thread runs `step` over its share of the clients, and counts the wrong answers.
  std::atomic<int> wrong{0};
  auto in_threads = [&](auto step) {
    std::vector<std::thread> threads;
    for (int t = 0; t < kThreads; ++t) {
      threads.emplace_back([&, t] {
        for (int i = t; i < count; i += kThreads) {
          if (!step(i)) ++wrong;
        }
      });
    }
    for (auto& thread : threads) thread.join();
  };
  in_threads([&](int i) {
    clients[i].client = std::make_unique<TestClient>(server->port());
    return clients[i].client->ok();
  });
  ASSERT_EQ(wrong, 0) << "connections failed";
  TestClient checker(server->port());
  ASSERT_TRUE(WaitForConnections(checker, count + 1)) << "not all open at once";
  // Every request goes out before any reply is read, so that all are in the server at once.
  in_threads([&](int i) { return clients[i].client->Send(RoundRequest(clients[i], i)); });
  in_threads([&](int i) {
    const std::string want = RoundReply(clients[i], i);
    return clients[i].client->ReadExactly(want.size()) == want;
  });
  EXPECT_EQ(wrong, 0) << "wrong answers to set and get";
  in_threads([&](int i) {
    const Simultaneous& neighbour = clients[(i + 1) % count];
    return clients[i].client->Call(NeighbourRequest(neighbour, i), neighbour.value + "\r\n") ==
           NeighbourReply(neighbour, i);
  });
  EXPECT_EQ(wrong, 0) << "wrong answers to another connection's key";
  in_threads([&](int i) {
    clients[i].client.reset();
    return true;
  });
  checker.Close();
  ExpectRecovered("5,000 connections");
}

INSTANTIATE_TEST_SUITE_P(AllModes, FaultTest, ::memkv::testing::AllModeEngineCombinations(),
                         CombinationName);

}  // namespace
}  // namespace memkv
