// Integration tests of the value path (issue 12): large values are sent from the stored items
// themselves, pinned until the kernel has taken them, in every front-end mode and I/O engine.
// The real binary over real sockets; each test starts its own server.
#include <sys/socket.h>

#include <chrono>
#include <map>
#include <string>
#include <thread>

#include "gtest/gtest.h"
#include "tests/support/memkv_process.h"
#include "tests/support/mode_engine_test.h"

namespace memkv {
namespace {

using ::memkv::testing::CombinationName;
using ::memkv::testing::Repeat;
using ::memkv::testing::Stats;
using ::memkv::testing::TestClient;

using ValuePathTest = ::memkv::testing::ModeEngineTest;

constexpr size_t kValueBytes = 512 << 10;  // large enough to live in a block of its own

std::string SetRequest(const std::string& key, const std::string& value) {
  return "set " + key + " 0 0 " + std::to_string(value.size()) + "\r\n" + value + "\r\n";
}

// Polls `stats` until pinned_bytes is 0 (pins go when their sends complete or their connection
// closes, on the server's own threads). False if it never gets there.
bool WaitForNoPins(TestClient& client) {
  for (int i = 0; i < 2000; ++i) {
    auto stats = Stats(client);
    if (stats.count("pinned_bytes") && stats["pinned_bytes"] == "0") return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  return false;
}

// A reader asks for a 512 KiB value eight times and does not read at first, so the replies wait
// in the server. Meanwhile a writer overwrites the value with another of the same length (which
// would be written over the old bytes in place if nothing held them), deletes it, and floods
// the cache far beyond -m (eviction). Every value block the reader then gets is whole and
// uniform: the old value, never a mix; the server ends with no pin left.
TEST_P(ValuePathTest, AValueBeingSentSurvivesOverwriteDeleteAndEviction) {
  auto server = StartServer({"-m", "64"});
  TestClient writer(server->port());
  const std::string old_value(kValueBytes, 'a');
  ASSERT_EQ(writer.Call(SetRequest("big", old_value)), "STORED\r\n");
  TestClient reader(server->port());
  ASSERT_TRUE(reader.Send("get big big big big big big big big\r\n"));
  std::this_thread::sleep_for(std::chrono::milliseconds(200));
  EXPECT_EQ(Stats(writer)["pinned_values"], "1") << "the replies waiting hold the value itself";
  ASSERT_EQ(writer.Call(SetRequest("big", std::string(kValueBytes, 'b'))), "STORED\r\n");
  ASSERT_EQ(writer.Call("delete big\r\n"), "DELETED\r\n");
  const std::string filler(kValueBytes, 'f');
  for (int i = 0; i < 300; ++i) {
    ASSERT_EQ(writer.Call(SetRequest("fill" + std::to_string(i), filler)), "STORED\r\n");
  }
  std::string reply = reader.ReadUntil("END\r\n");
  const std::string header = "VALUE big 0 " + std::to_string(kValueBytes) + "\r\n";
  size_t blocks = 0;
  size_t pos = 0;
  while (reply.compare(pos, header.size(), header) == 0) {
    pos += header.size();
    ASSERT_LE(pos + kValueBytes + 2, reply.size());
    const std::string_view value(reply.data() + pos, kValueBytes);
    EXPECT_EQ(value.find_first_not_of('a'), std::string_view::npos)
        << "block " << blocks << " is not the value that was asked for";
    pos += kValueBytes + 2;
    ++blocks;
  }
  EXPECT_GE(blocks, 1u);
  EXPECT_EQ(reply.substr(pos), "END\r\n");
  EXPECT_TRUE(WaitForNoPins(writer));
}

// A client asks for many large values and goes away in the middle of the reply: the pins its
// replies held are released with its connection, and the server serves others on.
TEST_P(ValuePathTest, PinsAreReleasedWhenTheirConnectionDies) {
  auto server = StartServer({"-m", "64"});
  TestClient writer(server->port());
  ASSERT_EQ(writer.Call(SetRequest("big", std::string(kValueBytes, 'v'))), "STORED\r\n");
  for (int round = 0; round < 5; ++round) {
    TestClient reader(server->port());
    ASSERT_TRUE(reader.Send(Repeat("get big\r\n", 32)));
    EXPECT_EQ(reader.ReadExactly(100).substr(0, 9), "VALUE big");
    reader.Close();  // mid-reply
  }
  EXPECT_TRUE(WaitForNoPins(writer));
  EXPECT_EQ(writer.Call("get nothing\r\n"), "END\r\n");
}

INSTANTIATE_TEST_SUITE_P(AllModes, ValuePathTest, ::memkv::testing::AllModeEngineCombinations(),
                         CombinationName);

}  // namespace
}  // namespace memkv
