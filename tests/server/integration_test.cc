// Integration tests: the real memkv binary over real loopback sockets, once per front-end mode
// and I/O engine. Each test starts its own server on a free port (ctest runs every test as its
// own process, so a server cannot be shared between tests anyway).
//
// Adding a mode to every test: one entry in AllModes() (tests/support/mode_engine_test.h).
#include <linux/io_uring.h>
#include <signal.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <map>
#include <memory>
#include <string>
#include <thread>
#include <tuple>
#include <vector>

#include "gtest/gtest.h"
#include "tests/support/fault_test.h"
#include "tests/support/memkv_process.h"
#include "tests/support/mode_engine_test.h"

namespace memkv {
namespace {

using ::memkv::testing::ExpectPeakRssWithinBound;
using ::memkv::testing::kResidentMemoryScale;
using ::memkv::testing::MemkvProcess;
using ::memkv::testing::Stats;
using ::memkv::testing::TestClient;
using ::memkv::testing::WaitForConnections;

using ::memkv::testing::CombinationName;
using ::memkv::testing::Repeat;

using IntegrationTest = ::memkv::testing::ModeEngineTest;

// The sum of `name` over every per-thread line ("thread:worker0:curr_connections").
int64_t SumThreadStat(const std::map<std::string, std::string>& stats, std::string_view name) {
  int64_t sum = 0;
  for (const auto& [key, value] : stats) {
    size_t colon = key.rfind(':');
    if (key.rfind("thread:", 0) == 0 && key.substr(colon + 1) == name) {
      sum += std::stoll(value);
    }
  }
  return sum;
}

// Whether this kernel lets a process set up an io_uring (not disabled by sysctl or seccomp).
bool KernelHasIoUring() {
  io_uring_params params{};
  long fd = syscall(__NR_io_uring_setup, 4, &params);
  if (fd < 0) return false;
  close(static_cast<int>(fd));
  return true;
}

TEST_P(IntegrationTest, SetThenGetAsInTheReadme) {
  auto server = StartServer();
  TestClient client(server->port());
  ASSERT_TRUE(client.ok());
  EXPECT_EQ(client.Call("set a 0 0 1\r\nx\r\nget a\r\n", "END\r\n"),
            "STORED\r\nVALUE a 0 1\r\nx\r\nEND\r\n");
}

TEST_P(IntegrationTest, AcceptsBareNewlines) {
  auto server = StartServer();
  TestClient client(server->port());
  EXPECT_EQ(client.Call("set b 5 0 2\nhi\r\nget b\n", "END\r\n"),
            "STORED\r\nVALUE b 5 2\r\nhi\r\nEND\r\n");
  EXPECT_EQ(client.Call("version\n"), "VERSION 1.6.18-memkv-0.1\r\n");
}

TEST_P(IntegrationTest, PipelinedRequestsAnswerInOrder) {
  auto server = StartServer();
  TestClient client(server->port());
  // Far more than one wake-up's budget of requests, in one write.
  std::string request;
  std::string expected;
  for (int i = 0; i < 500; ++i) {
    std::string key = "p" + std::to_string(i);
    std::string value = std::to_string(i * 7);
    request += "set " + key + " 0 0 " + std::to_string(value.size()) + "\r\n" + value + "\r\n";
    request += "get " + key + "\r\n";
    expected += "STORED\r\nVALUE " + key + " 0 " + std::to_string(value.size()) + "\r\n" + value +
                "\r\nEND\r\n";
  }
  request += "get p0 p499 missing\r\n";
  expected += "VALUE p0 0 1\r\n0\r\nVALUE p499 0 4\r\n3493\r\nEND\r\n";
  ASSERT_TRUE(client.Send(request));
  EXPECT_EQ(client.ReadExactly(expected.size()), expected);
}

TEST_P(IntegrationTest, StoresAndReturnsOneMegabyteValue) {
  auto server = StartServer();
  TestClient client(server->port());
  std::string value(1000000, 'v');
  for (size_t i = 0; i < value.size(); i += 997) value[i] = static_cast<char>('a' + i % 26);
  EXPECT_EQ(client.Call("set big 0 0 1000000\r\n" + value + "\r\n"), "STORED\r\n");
  std::string expected = "VALUE big 0 1000000\r\n" + value + "\r\nEND\r\n";
  ASSERT_TRUE(client.Send("get big\r\n"));
  EXPECT_TRUE(client.ReadExactly(expected.size()) == expected);
}

TEST_P(IntegrationTest, TooLargeValueIsSwallowedAndConnectionSurvives) {
  auto server = StartServer();
  TestClient client(server->port());
  std::string value(2 << 20, 'x');
  EXPECT_EQ(client.Call("set huge 0 0 " + std::to_string(value.size()) + "\r\n" + value + "\r\n"),
            "SERVER_ERROR object too large for cache\r\n");
  EXPECT_EQ(client.Call("get huge\r\n", "END\r\n"), "END\r\n");
  EXPECT_EQ(client.Call("set small 0 0 2\r\nok\r\nget small\r\n", "END\r\n"),
            "STORED\r\nVALUE small 0 2\r\nok\r\nEND\r\n");
}

TEST_P(IntegrationTest, TooLargeStoresDeleteWhereMemcachedDeletes) {
  auto server = StartServer();
  TestClient client(server->port());
  const std::string value(2 << 20, 'x');
  const std::string size = std::to_string(value.size());
  const std::string kTooLarge = "SERVER_ERROR object too large for cache\r\n";
  // set and every ms form drop the old item; add, replace, append, prepend and cas keep it.
  for (const std::string command : {"set", "ms", "ms-ME", "add", "replace", "append", "cas"}) {
    SCOPED_TRACE(command);
    ASSERT_EQ(client.Call("set k 0 0 3\r\nold\r\n"), "STORED\r\n");
    std::string line;
    if (command == "ms") line = "ms k " + size;
    if (command == "ms-ME") line = "ms k " + size + " ME";
    if (command == "cas") line = "cas k 0 0 " + size + " 1";
    if (line.empty()) line = command + " k 0 0 " + size;
    const bool deletes = command == "set" || command.starts_with("ms");
    EXPECT_EQ(client.Call(line + "\r\n" + value + "\r\nmg k v\r\n", deletes ? "EN\r\n" : "old\r\n"),
              kTooLarge + (deletes ? "EN\r\n" : "VA 3\r\nold\r\n"));
  }
  // Meta commands after leading spaces, as memcached's tokenizer allows.
  EXPECT_EQ(client.Call("  ms k 2\r\nhi\r\n mg k v\r\n", "hi\r\n"), "HD\r\nVA 2\r\nhi\r\n");
}

TEST_P(IntegrationTest, ClientVanishingMidValueCostsOnlyItsConnection) {
  auto server = StartServer();
  TestClient other(server->port());
  {
    TestClient quitter(server->port());
    ASSERT_TRUE(quitter.Send("set half 0 0 100\r\n" + std::string(50, 'h')));
  }
  EXPECT_EQ(other.Call("get half\r\n", "END\r\n"), "END\r\n");
  TestClient fresh(server->port());
  EXPECT_EQ(fresh.Call("set after 0 0 1\r\n1\r\n"), "STORED\r\n");
  EXPECT_TRUE(server->Running());
}

TEST_P(IntegrationTest, ClientVanishingMidResponseCostsOnlyItsConnection) {
  auto server = StartServer();
  TestClient other(server->port());
  std::string value(500000, 'r');
  EXPECT_EQ(other.Call("set r 0 0 500000\r\n" + value + "\r\n"), "STORED\r\n");
  {
    TestClient reader(server->port());
    ASSERT_TRUE(reader.Send(Repeat("get r\r\n", 40)));  // 20 MB of replies, never read
    EXPECT_EQ(reader.ReadExactly(10), "VALUE r 0 ");
  }
  EXPECT_EQ(other.Call("set s 0 0 1\r\n1\r\n"), "STORED\r\n");
  EXPECT_TRUE(WaitForConnections(other, 1));
  EXPECT_TRUE(server->Running());
}

TEST_P(IntegrationTest, FiftyConcurrentClients) {
  auto server = StartServer();
  constexpr int kClients = 50;
  std::vector<std::thread> threads;
  std::vector<int> good(kClients, 0);
  for (int c = 0; c < kClients; ++c) {
    threads.emplace_back([&, c] {
      TestClient client(server->port());
      for (int i = 0; i < 20; ++i) {
        std::string key = "c" + std::to_string(c) + "_" + std::to_string(i);
        std::string reply =
            client.Call("set " + key + " 0 0 3\r\nabc\r\nget " + key + "\r\n", "END\r\n");
        if (reply == "STORED\r\nVALUE " + key + " 0 3\r\nabc\r\nEND\r\n") ++good[c];
      }
    });
  }
  for (auto& t : threads) t.join();
  for (int c = 0; c < kClients; ++c) EXPECT_EQ(good[c], 20) << "client " << c;
}

TEST_P(IntegrationTest, QuitClosesAfterEarlierReplies) {
  auto server = StartServer();
  TestClient client(server->port());
  ASSERT_TRUE(client.Send("set q 0 0 1\r\nx\r\nquit\r\nset r 0 0 1\r\ny\r\n"));
  EXPECT_EQ(client.ReadExactly(8), "STORED\r\n");
  EXPECT_TRUE(client.ReadsEof());
  TestClient other(server->port());
  EXPECT_EQ(other.Call("get r\r\n", "END\r\n"), "END\r\n");
}

// A client that shuts down its sending side after its requests (`nc -N`, socat, many scripts)
// gets every reply before the server closes, in every mode: in the dispatch modes the replies
// come back from a worker after the FIN has arrived.
TEST_P(IntegrationTest, HalfClosedClientGetsEveryReplyBeforeTheClose) {
  auto server = StartServer();
  for (int i = 0; i < 50; ++i) {
    TestClient client(server->port());
    ASSERT_TRUE(client.Send("version\r\nset h 0 0 1\r\nx\r\nget h\r\n"));
    client.ShutdownSending();
    EXPECT_EQ(client.ReadToEof(),
              "VERSION 1.6.18-memkv-0.1\r\nSTORED\r\nVALUE h 0 1\r\nx\r\nEND\r\n")
        << "try " << i;
  }
  TestClient resp(server->port());
  ASSERT_TRUE(resp.Send("*1\r\n$4\r\nPING\r\n*2\r\n$4\r\nECHO\r\n$2\r\nhi\r\n"));
  resp.ShutdownSending();
  EXPECT_EQ(resp.ReadToEof(), "+PONG\r\n$2\r\nhi\r\n");
}

TEST_P(IntegrationTest, StatsShowModeEngineAndThreads) {
  auto server = StartServer();
  TestClient client(server->port());
  EXPECT_EQ(client.Call("set k 0 0 1\r\nv\r\n"), "STORED\r\n");
  auto stats = Stats(client);
  EXPECT_EQ(stats["mode"], mode());
  // --io uring falls back to epoll only where the kernel refuses io_uring.
  EXPECT_EQ(stats["io_engine"], io() == "uring" && !KernelHasIoUring() ? "epoll" : io());
  EXPECT_EQ(stats["threads"], mode() == "single" ? "1" : "2");
  EXPECT_GE(std::stoll(stats["cmd_set"]), 1);
  auto threads = Stats(client);
  EXPECT_TRUE(threads.count("thread:worker0:requests")) << "no per-thread counters";
  EXPECT_GE(SumThreadStat(threads, "requests"), 2);
  EXPECT_GT(SumThreadStat(threads, "bytes_read"), 0);
  EXPECT_GT(SumThreadStat(threads, "bytes_written"), 0);
  EXPECT_GE(SumThreadStat(threads, "curr_connections"), 1);
}

TEST_P(IntegrationTest, MetaAndRespShareThePort) {
  auto server = StartServer();
  TestClient meta(server->port());
  EXPECT_EQ(meta.Call("ms mk 2\r\nhi\r\nmg mk v\r\n", "hi\r\n"), "HD\r\nVA 2\r\nhi\r\n");
  EXPECT_EQ(meta.Call("get mk\r\n", "END\r\n"), "VALUE mk 0 2\r\nhi\r\nEND\r\n");
  TestClient resp(server->port());
  EXPECT_EQ(resp.Call("*1\r\n$4\r\nPING\r\n"), "+PONG\r\n");
  EXPECT_EQ(resp.Call("*2\r\n$3\r\nGET\r\n$2\r\nmk\r\n", "hi\r\n"), "$2\r\nhi\r\n");
}

TEST_P(IntegrationTest, RespPortAllowsInlineCommands) {
  int resp_port = ::memkv::testing::FreePort();
  auto server = StartServer({"--resp-port", std::to_string(resp_port)});
  ASSERT_TRUE(server->WaitUntilListening(resp_port)) << server->error();
  TestClient client(resp_port);
  ASSERT_TRUE(client.ok());
  EXPECT_EQ(client.Call("PING\r\n"), "+PONG\r\n");
  EXPECT_EQ(client.Call("SET ik iv\r\n"), "+OK\r\n");
  TestClient memcached(server->port());
  EXPECT_EQ(memcached.Call("get ik\r\n", "END\r\n"), "VALUE ik 0 2\r\niv\r\nEND\r\n");
}

TEST_P(IntegrationTest, ClientThatNeverReadsIsHeldToBoundedMemory) {
  auto server = StartServer();
  TestClient other(server->port());
  std::string value(256 << 10, 'g');
  EXPECT_EQ(other.Call("set g 0 0 " + std::to_string(value.size()) + "\r\n" + value + "\r\n"),
            "STORED\r\n");
  const long rss_before = server->RssKib();
  const int64_t base = std::stoll(Stats(other)["requests"]);
  TestClient greedy(server->port());
  // 1000 requests (7 KB) asking for 256 MB of replies, never read: without back-pressure the
  // server would run them all and hold the replies.
  constexpr int kGreedy = 1000;
  ASSERT_TRUE(greedy.Send(Repeat("get g\r\n", kGreedy)));
  // Watch the greedy client's requests run until their count settles (or all ran, which is the
  // failure). Meanwhile the other client is served.
  int64_t ran = 0;
  int stable = 0;
  for (int poll = 1; poll <= 400 && stable < 20 && ran < kGreedy; ++poll) {
    // Every poll's own `stats` counts once it has run: poll - 1 of them (plus the one above).
    int64_t now = std::stoll(Stats(other)["requests"]) - base - poll;
    stable = now == ran ? stable + 1 : 0;
    ran = now;
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  EXPECT_LT(ran, kGreedy / 4) << "the server kept running a client's requests it could not send";
  EXPECT_EQ(other.Call("set o 0 0 1\r\n1\r\n"), "STORED\r\n");
  const long rss_after = server->RssKib();
  EXPECT_LT(rss_after - rss_before, 96 * 1024 * kResidentMemoryScale)
      << "before " << rss_before << " KiB";
  ExpectPeakRssWithinBound(*server, "unread replies " + mode() + "/" + io());
}

// Reads exactly `n` bytes from the socket and drops them, keeping the first `head_bytes` in
// *head and the last `tail_bytes` in *tail. False if the connection ended first.
bool ReadAndDrop(TestClient& client, size_t n, size_t head_bytes, size_t tail_bytes,
                 std::string* head, std::string* tail) {
  char chunk[65536];
  head->clear();
  tail->clear();
  while (n > 0) {
    ssize_t got = recv(client.fd(), chunk, std::min(n, sizeof(chunk)), 0);
    if (got < 0 && errno == EINTR) continue;
    if (got <= 0) return false;
    n -= static_cast<size_t>(got);
    std::string_view piece(chunk, static_cast<size_t>(got));
    if (head->size() < head_bytes) head->append(piece.substr(0, head_bytes - head->size()));
    tail->append(piece);
    if (tail->size() > tail_bytes) tail->erase(0, tail->size() - tail_bytes);
  }
  return true;
}

// One request naming a 256 KiB item 1,000 times (a 256 MB reply; issue 12 item 3), in the text
// protocol and as RESP MGET, from a client that does not read at first: the command pauses at the
// connection's output limit and goes on as the socket drains, so the server never holds the
// whole reply, and the reply arrives whole and in order once the client reads.
TEST_P(IntegrationTest, HugeMultiKeyReplyIsBuiltAsTheClientReads) {
  auto server = StartServer({"-m", "64"});
  TestClient setter(server->port());
  const std::string value(256 << 10, 'b');
  const std::string size = std::to_string(value.size());
  ASSERT_EQ(setter.Call("set big 0 0 " + size + "\r\n" + value + "\r\n"), "STORED\r\n");
  constexpr int kNames = 1000;
  const std::string text_block = "VALUE big 0 " + size + "\r\n" + value + "\r\n";
  const std::string resp_block = "$" + size + "\r\n" + value + "\r\n";
  struct Case {
    std::string request;
    std::string head;  // the reply's first bytes
    size_t length;
    std::string tail;  // its last bytes
    std::string next;  // a request after it on the same connection
    std::string next_reply;
  } cases[] = {
      {"get" + Repeat(" big", kNames) + "\r\n", "VALUE big 0 " + size + "\r\n",
       kNames * text_block.size() + 5, value.substr(0, 16) + "\r\nEND\r\n", "version\r\n",
       "VERSION 1.6.18-memkv-0.1\r\n"},
      {"*" + std::to_string(kNames + 1) + "\r\n$4\r\nMGET\r\n" + Repeat("$3\r\nbig\r\n", kNames),
       "*" + std::to_string(kNames) + "\r\n$" + size + "\r\n",
       std::to_string(kNames).size() + 3 + kNames * resp_block.size(), value.substr(0, 16) + "\r\n",
       "*1\r\n$4\r\nPING\r\n", "+PONG\r\n"},
  };
  for (const Case& c : cases) {
    const long rss_before = server->RssKib();
    TestClient client(server->port());
    ASSERT_TRUE(client.Send(c.request));
    std::this_thread::sleep_for(std::chrono::milliseconds(300));  // not reading yet
    EXPECT_EQ(setter.Call("version\r\n"), "VERSION 1.6.18-memkv-0.1\r\n");
    const long rss_waiting = server->RssKib();
    // About 12 MiB here (the output limit, the values in flight, the dispatch batch); the whole
    // reply would be 256 MB.
    EXPECT_LT(rss_waiting - rss_before, 32 * 1024 * kResidentMemoryScale)
        << "the reply was built ahead of the socket";
    std::string head;
    std::string tail;
    ASSERT_TRUE(ReadAndDrop(client, c.length, c.head.size(), c.tail.size(), &head, &tail));
    EXPECT_EQ(head, c.head);
    EXPECT_EQ(tail, c.tail);
    EXPECT_EQ(client.Call(c.next), c.next_reply) << "the connection goes on after the reply";
  }
  ExpectPeakRssWithinBound(*server, "huge multi-key reply " + mode() + "/" + io());
}

// A client that sends bare newlines (each answered with ERROR) and never reads: the replies to
// its bad requests go through the same back-pressure as any other, so the server stops reading
// from it instead of piling up its error replies (issue 13: 2 GB in 10 s in the dispatch modes).
TEST_P(IntegrationTest, UnreadErrorRepliesAreHeldToBoundedMemory) {
  auto server = StartServer();
  TestClient other(server->port());
  const long rss_before = server->RssKib();
  TestClient flood(server->port(), /*timeout_seconds=*/1);
  const std::string newlines(1 << 20, '\n');
  size_t sent = 0;
  // Up to 20 MB of newlines (140 MB of ERROR replies), for at most 3 s: the sends stop by
  // themselves (time out) once the server stops reading.
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(3);
  while (sent < (size_t{20} << 20) && std::chrono::steady_clock::now() < deadline) {
    ssize_t n = send(flood.fd(), newlines.data(), newlines.size(), MSG_NOSIGNAL);
    if (n <= 0) break;
    sent += static_cast<size_t>(n);
  }
  EXPECT_LT(sent, size_t{20} << 20) << "the server read everything: nothing held it back";
  EXPECT_EQ(other.Call("version\r\n"), "VERSION 1.6.18-memkv-0.1\r\n");
  const long rss_after = server->RssKib();
  EXPECT_LT(rss_after - rss_before, 48 * 1024 * kResidentMemoryScale)
      << "before " << rss_before << " KiB";
  ExpectPeakRssWithinBound(*server, "unread error replies " + mode() + "/" + io());
}

TEST_P(IntegrationTest, RefusesConnectionsBeyondTheLimit) {
  auto server = StartServer({"-c", "3"});
  TestClient first(server->port());
  // The readiness probe must be both counted (accepted by its worker) and gone; otherwise it
  // may still hold a place under -c when `third` arrives.
  bool probe_gone = false;
  for (int i = 0; i < 2000 && !probe_gone; ++i) {
    auto stats = Stats(first);
    probe_gone =
        std::stoll(stats["total_connections"]) >= 2 && std::stoll(stats["curr_connections"]) == 1;
    if (!probe_gone) std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  ASSERT_TRUE(probe_gone);
  TestClient second(server->port());
  TestClient third(server->port());
  EXPECT_EQ(second.Call("version\r\n"), "VERSION 1.6.18-memkv-0.1\r\n");
  EXPECT_EQ(third.Call("version\r\n"), "VERSION 1.6.18-memkv-0.1\r\n");
  TestClient fourth(server->port());
  EXPECT_EQ(fourth.ReadUntil("\r\n"), "ERROR Too many open connections\r\n");
  EXPECT_TRUE(fourth.ReadsEof());
  EXPECT_GE(std::stoll(Stats(first)["rejected_connections"]), 1);
  third.Close();
  ASSERT_TRUE(WaitForConnections(first, 2));
  TestClient fifth(server->port());
  EXPECT_EQ(fifth.Call("version\r\n"), "VERSION 1.6.18-memkv-0.1\r\n");
}

TEST_P(IntegrationTest, SigtermExitsZeroWithClientsConnected) {
  auto server = StartServer();
  TestClient idle(server->port());
  TestClient busy(server->port());
  EXPECT_EQ(busy.Call("set t 0 0 1\r\n1\r\n"), "STORED\r\n");
  int status = server->Stop();
  ASSERT_TRUE(WIFEXITED(status)) << "wait status " << status;
  EXPECT_EQ(WEXITSTATUS(status), 0);
  EXPECT_TRUE(idle.ReadsEof());
}

INSTANTIATE_TEST_SUITE_P(AllModes, IntegrationTest, ::memkv::testing::AllModeEngineCombinations(),
                         CombinationName);

}  // namespace
}  // namespace memkv
