// RESP authentication in the executor: AUTH and HELLO ... AUTH against an --auth-file user list,
// the NOAUTH gate in front of every other command, the counters, and Redis's answers without a
// user list. Replies are redis-server 7.0.15's (tests/server/auth_oracle_test.py compares them
// with a running redis-server).
#include <unistd.h>

#include <cstdio>
#include <fstream>
#include <memory>
#include <string>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "protocol/resp/resp_request.h"
#include "server/exec/auth_registry.h"
#include "server/exec/exec_context.h"
#include "server/exec/resp/resp_executor.h"
#include "storage/clock.h"
#include "storage/engine.h"

namespace memkv::server {
namespace {

using ::testing::HasSubstr;
using ::testing::StartsWith;

constexpr char kNoAuth[] = "-NOAUTH Authentication required.\r\n";
constexpr char kWrongPass[] = "-WRONGPASS invalid username-password pair or user is disabled.\r\n";

class RespAuthTest : public ::testing::Test {
 protected:
  void SetUp() override {
    storage::EngineOptions options;
    options.start_background_reclaimer = false;
    auto engine = storage::Engine::Create(options, &clock_);
    ASSERT_TRUE(engine.ok()) << engine.status();
    engine_ = std::move(engine).value();
    context_ = ExecContext{engine_.get(), &stats_, nullptr};
  }
  void TearDown() override {
    if (!path_.empty()) std::remove(path_.c_str());
  }

  // Turns authentication on with these file contents, for a new connection.
  void UseUsers(std::string_view contents) {
    path_ = ::testing::TempDir() + "memkv_resp_auth_test_" + std::to_string(getpid());
    std::ofstream(path_, std::ios::binary | std::ios::trunc) << contents;
    auto registry = AuthRegistry::Load(path_);
    ASSERT_TRUE(registry.ok()) << registry.status();
    registry_ = std::move(registry).value();
    context_.auth = registry_.get();
    session_.authenticated = false;
  }

  std::string Run(std::vector<std::string> args) {
    protocol::RespRequest request;
    for (const std::string& arg : args) request.args.push_back(arg);
    std::string out;
    ExecuteResp(request, context_, session_, &out);
    return out;
  }

  storage::FakeClock clock_;
  std::unique_ptr<storage::Engine> engine_;
  CommandStats stats_;
  ExecContext context_;
  RespSession session_;
  std::string path_;
  std::unique_ptr<AuthRegistry> registry_;
};

TEST_F(RespAuthTest, EveryCommandButAuthHelloQuitWaitsForAuth) {
  UseUsers("default:dpass\nalice:secret\n");
  EXPECT_EQ(Run({"GET", "a"}), kNoAuth);
  EXPECT_EQ(Run({"PING"}), kNoAuth);
  EXPECT_EQ(Run({"CLIENT", "ID"}), kNoAuth);
  // Unknown commands and wrong arities are answered first, as Redis does.
  EXPECT_THAT(Run({"FOO"}), StartsWith("-ERR unknown command 'FOO'"));
  EXPECT_EQ(Run({"GET"}), "-ERR wrong number of arguments for 'get' command\r\n");
  // So are a container's unknown subcommand and its subcommand's arity.
  EXPECT_EQ(Run({"CLIENT", "FOO"}), "-ERR unknown subcommand 'FOO'. Try CLIENT HELP.\r\n");
  EXPECT_EQ(Run({"CLIENT", "SETNAME"}),
            "-ERR wrong number of arguments for 'client|setname' command\r\n");
  EXPECT_EQ(Run({"CONFIG", "GET", "port"}), kNoAuth);
  EXPECT_EQ(Run({"COMMAND"}), kNoAuth);
  EXPECT_THAT(Run({"HELLO", "2"}), StartsWith("-NOAUTH HELLO must be called with the client"));
  EXPECT_EQ(Run({"AUTH", "wrong"}), kWrongPass);
  EXPECT_EQ(Run({"GET", "a"}), kNoAuth);
  EXPECT_EQ(Run({"AUTH", "dpass"}), "+OK\r\n");
  EXPECT_EQ(Run({"GET", "a"}), "$-1\r\n");
  // A failed attempt later leaves the connection authenticated.
  EXPECT_EQ(Run({"AUTH", "alice", "wrong"}), kWrongPass);
  EXPECT_EQ(Run({"PING"}), "+PONG\r\n");
  EXPECT_EQ(stats_.auth_cmds.Get(), 3u);
  EXPECT_EQ(stats_.auth_errors.Get(), 2u);
}

TEST_F(RespAuthTest, NamedUsersAndHelloAuth) {
  UseUsers("alice:secret\n");
  EXPECT_EQ(Run({"AUTH", "secret"}), kWrongPass);  // no `default` line: AUTH <pass> fails
  EXPECT_EQ(Run({"AUTH", "bob", "secret"}), kWrongPass);
  EXPECT_EQ(Run({"HELLO", "2", "AUTH", "alice", "bad"}), kWrongPass);
  EXPECT_EQ(Run({"HELLO", "2", "AUTH", "alice"}), "-ERR Syntax error in HELLO option 'AUTH'\r\n");
  EXPECT_THAT(Run({"HELLO", "2", "AUTH", "alice", "secret", "SETNAME", "n"}),
              StartsWith("*14\r\n$6\r\nserver\r\n"));
  EXPECT_EQ(Run({"CLIENT", "GETNAME"}), "$1\r\nn\r\n");
  EXPECT_EQ(Run({"AUTH", "a", "b", "c"}), "-ERR syntax error\r\n");
  EXPECT_EQ(Run({"AUTH"}), "-ERR wrong number of arguments for 'auth' command\r\n");
}

TEST_F(RespAuthTest, HelloThreeWaitsForAuth) {
  UseUsers("alice:secret\n");
  EXPECT_THAT(Run({"HELLO", "3"}), StartsWith("-NOAUTH HELLO must be called"));
  EXPECT_EQ(Run({"GET", "a"}), "-NOAUTH Authentication required.\r\n");
  EXPECT_EQ(Run({"HELLO", "4"}), "-NOPROTO unsupported protocol version\r\n");
  EXPECT_THAT(Run({"HELLO", "3", "AUTH", "alice", "wrong"}), StartsWith("-WRONGPASS"));
  EXPECT_THAT(Run({"HELLO", "3", "AUTH", "alice", "secret"}), StartsWith("%7\r\n"));
  EXPECT_EQ(Run({"GET", "a"}), "_\r\n");  // authenticated, and in RESP3
}

TEST_F(RespAuthTest, WithoutUsersDefaultTakesAnyPassword) {
  EXPECT_EQ(Run({"AUTH", "x"}),
            "-ERR AUTH <password> called without any password configured for the default "
            "user. Are you sure your configuration is correct?\r\n");
  EXPECT_EQ(Run({"AUTH", "default", "x"}), "+OK\r\n");
  EXPECT_EQ(Run({"AUTH", "bob", "x"}), kWrongPass);
  EXPECT_THAT(Run({"HELLO", "2", "AUTH", "default", "x"}), StartsWith("*14\r\n"));
  EXPECT_EQ(stats_.auth_cmds.Get(), 0u);  // no list, nothing checked
}

TEST_F(RespAuthTest, InfoCountsFailedAttempts) {
  UseUsers("alice:secret\n");
  Run({"AUTH", "alice", "bad"});
  Run({"AUTH", "alice", "secret"});
  std::string info = Run({"INFO", "stats"});
  EXPECT_THAT(info, HasSubstr("acl_access_denied_auth:1\r\n"));
  EXPECT_THAT(info, HasSubstr("memkv_auth_cmds:2\r\n"));
}

}  // namespace
}  // namespace memkv::server
