// --auth-file on the real binary, in every mode over both I/O engines: a memcached-dialect
// connection refused until its `set` authenticates, then served, with requests pipelined behind
// the authentication in the same write (the dispatch modes frame them before the worker runs
// the batch); a RESP connection on the same port refused until AUTH; `stats` counting the
// attempts. Byte-for-byte comparisons with memcached and redis-server are in
// auth_oracle_test.py.
#include <unistd.h>

#include <cstdio>
#include <fstream>
#include <string>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/support/memkv_process.h"
#include "tests/support/mode_engine_test.h"

namespace memkv::testing {
namespace {

using ::testing::HasSubstr;

class AuthIntegrationTest : public ModeEngineTest {
 protected:
  void SetUp() override {
    path_ = ::testing::TempDir() + "memkv_auth_integration_" + std::to_string(getpid());
    std::ofstream(path_) << "default:dpass\nalice:secret\n";
  }
  void TearDown() override {
    ModeEngineTest::TearDown();
    std::remove(path_.c_str());
  }
  std::string path_;
};

TEST_P(AuthIntegrationTest, BothDialectsWaitForAuthentication) {
  MemkvProcess* server = StartServer({"--auth-file", path_});
  ASSERT_TRUE(server->ok()) << server->error();

  TestClient text(server->port());
  ASSERT_TRUE(text.Send("get k\r\n"));
  EXPECT_EQ(text.ReadUntil("\r\n"), "CLIENT_ERROR unauthenticated\r\n");
  ASSERT_TRUE(text.Send("set x 0 0 9\r\nalice bad\r\n"));
  EXPECT_EQ(text.ReadUntil("\r\n"), "CLIENT_ERROR authentication failure\r\n");
  ASSERT_TRUE(text.Send("set x 0 0 12\r\nalice secret\r\nset k 0 0 1\r\nv\r\nget k\r\n"));
  EXPECT_EQ(text.ReadUntil("END\r\n"), "STORED\r\nSTORED\r\nVALUE k 0 1\r\nv\r\nEND\r\n");

  TestClient resp(server->port());
  ASSERT_TRUE(resp.Send("*2\r\n$3\r\nGET\r\n$1\r\nk\r\n"));
  EXPECT_EQ(resp.ReadUntil("\r\n"), "-NOAUTH Authentication required.\r\n");
  ASSERT_TRUE(resp.Send("*2\r\n$4\r\nAUTH\r\n$5\r\ndpass\r\n*2\r\n$3\r\nGET\r\n$1\r\nk\r\n"));
  EXPECT_EQ(resp.ReadUntil("v\r\n"), "+OK\r\n$1\r\nv\r\n");

  ASSERT_TRUE(text.Send("stats\r\n"));
  const std::string stats = text.ReadUntil("END\r\n");
  EXPECT_THAT(stats, HasSubstr("STAT auth_cmds 3\r\n"));
  EXPECT_THAT(stats, HasSubstr("STAT auth_errors 1\r\n"));
}

INSTANTIATE_TEST_SUITE_P(AllModes, AuthIntegrationTest, AllModeEngineCombinations(),
                         CombinationName);

}  // namespace
}  // namespace memkv::testing
