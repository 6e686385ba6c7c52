// --idle-timeout on the real binary, in every mode over both I/O engines (memcached's
// -o idle_timeout, Redis's timeout). With --idle-timeout 1, side by side on one server:
//   - a client that never sends a byte, and a RESP client silent after a PING, are closed
//     without a word (EOF) between one and about two seconds later;
//   - a client asking something every 200 ms is served throughout;
//   - a client that sends requests but does not read their replies (20 MB of them, far more than
//     the socket buffers hold) is not closed while the server still has replies for it, as
//     memcached leaves a connection alone while it writes (conn_mwrite): it gets every byte once
//     it reads;
//   - `stats` counts the closes in idle_kicks, RESP INFO in memkv_idle_kicks, and `stats
//     settings` shows idle_timeout.
// Beside it a server without the flag (the default, 0) keeps a silent client past the time the
// first server closed its own. About 2.5 s per combination: most of it is the wait itself.
#include <poll.h>
#include <sys/socket.h>
#include <sys/wait.h>

#include <cerrno>
#include <chrono>
#include <map>
#include <optional>
#include <string>
#include <thread>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/support/memkv_process.h"
#include "tests/support/mode_engine_test.h"

namespace memkv::testing {
namespace {

using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;
using ::testing::HasSubstr;
using ::testing::StartsWith;

// Whether the server has closed `fd` (EOF or a reset), without waiting; bytes before it are
// skipped.
bool ClosedNow(int fd) {
  char buffer[4096];
  for (;;) {
    pollfd entry{fd, POLLIN, 0};
    if (poll(&entry, 1, 0) <= 0) return false;
    ssize_t n = recv(fd, buffer, sizeof(buffer), MSG_DONTWAIT);
    if (n == 0) return true;
    if (n < 0) return errno == ECONNRESET;
  }
}

class IdleTimeoutIntegrationTest : public ModeEngineTest {};

TEST_P(IdleTimeoutIntegrationTest, ClosesSilentClientsOnlyAndCountsThem) {
  MemkvProcess* server = StartServer({"--idle-timeout", "1"});
  ASSERT_TRUE(server->ok()) << server->error();
  MemkvProcess plain(MEMKV_BINARY_PATH, {"--mode", mode(), "--io", io(), "-t", "2"});
  ASSERT_TRUE(plain.ok()) << plain.error();
  const int port = server->port();

  TestClient active(port, 10);
  EXPECT_EQ(Stats(active, "settings")["idle_timeout"], "1");
  TestClient plain_silent(plain.port(), 10);

  // The client that does not read.
  const std::string value(500'000, 'v');
  ASSERT_EQ(active.Call("set big 0 0 500000\r\n" + value + "\r\n"), "STORED\r\n");
  constexpr int kGets = 40;
  const size_t reply_size = std::string("VALUE big 0 500000\r\n\r\nEND\r\n").size() + value.size();
  TestClient blocked(port, 10);
  ASSERT_TRUE(blocked.Send(Repeat("get big\r\n", kGets)));

  TestClient resp(port, 10);
  ASSERT_EQ(resp.Call("*1\r\n$4\r\nPING\r\n"), "+PONG\r\n");
  const Clock::time_point start = Clock::now();
  TestClient silent(port, 10);
  ASSERT_TRUE(silent.ok() && resp.ok() && blocked.ok());

  // At least 2.5 s, so that a wrongly closed blocked client would have been closed too; at most
  // 6 s for the silent ones, which go between 1 and 2 s after their last byte.
  std::optional<Clock::duration> silent_closed, resp_closed;
  for (;;) {
    const Clock::duration elapsed = Clock::now() - start;
    if (elapsed > 6s || (elapsed > 2500ms && silent_closed && resp_closed)) break;
    ASSERT_THAT(active.Call("version\r\n"), StartsWith("VERSION ")) << "the active client";
    if (!silent_closed && ClosedNow(silent.fd())) silent_closed = Clock::now() - start;
    if (!resp_closed && ClosedNow(resp.fd())) resp_closed = Clock::now() - start;
    std::this_thread::sleep_for(200ms);
  }
  ASSERT_TRUE(silent_closed.has_value()) << "a silent client was not closed";
  ASSERT_TRUE(resp_closed.has_value()) << "a silent RESP client was not closed";
  // Measured from after the connect (the RESP client's last byte came before it): never before
  // the timeout.
  EXPECT_GE(*silent_closed, 1s);
  EXPECT_GE(*resp_closed, 1s);
  EXPECT_EQ(Stats(active)["idle_kicks"], "2");

  TestClient info(port, 10);
  std::string stats_section = info.Call("*2\r\n$4\r\nINFO\r\n$5\r\nstats\r\n", "\r\n\r\n");
  EXPECT_THAT(stats_section, HasSubstr("\r\nmemkv_idle_kicks:2\r\n"));

  // Every reply the blocked client was owed, although it read none of them for 2.5 s.
  EXPECT_EQ(blocked.ReadExactly(kGets * reply_size).size(), kGets * reply_size);

  // Off by default: the other server's silent client is still there, and served.
  EXPECT_FALSE(ClosedNow(plain_silent.fd()));
  EXPECT_THAT(plain_silent.Call("version\r\n"), StartsWith("VERSION "));
  auto plain_stats = Stats(plain_silent);
  EXPECT_EQ(plain_stats["idle_kicks"], "0");
  EXPECT_EQ(Stats(plain_silent, "settings")["idle_timeout"], "0");
  int status = plain.Stop();
  EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) << "wait status " << status;
}

INSTANTIATE_TEST_SUITE_P(AllModes, IdleTimeoutIntegrationTest, AllModeEngineCombinations(),
                         CombinationName);

}  // namespace
}  // namespace memkv::testing
