// The open-file limit (RLIMIT_NOFILE) against -c, with the real binary started under limits of
// its own: a generated wrapper script sets them with the shell's ulimit and execs memkv (so the
// PID that MemkvProcess watches is memkv's), with memkv's stderr in a file the test reads.
//
// Under a hard limit too low for -c the server says so in one line and runs with the -c that
// fits, refusing a client beyond it with memcached's error line; under a low soft limit it
// raises the soft limit and serves every connection of -c.
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <memory>
#include <regex>
#include <sstream>
#include <string>
#include <vector>

#include "gtest/gtest.h"
#include "tests/support/memkv_process.h"

namespace memkv {
namespace {

using ::memkv::testing::MemkvProcess;
using ::memkv::testing::Stats;
using ::memkv::testing::TestClient;
using ::memkv::testing::WaitForConnections;

constexpr char kVersion[] = "VERSION 1.6.18-memkv-0.1\r\n";

std::string ReadFile(const std::string& path) {
  std::ifstream in(path);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

// memkv run under `soft` / `hard` open-file limits, with `args`. The wrapper script and the
// stderr file live in a temporary directory removed with the object.
class LimitedServer {
 public:
  LimitedServer(rlim_t soft, rlim_t hard, const std::vector<std::string>& args) {
    std::string pattern = ::testing::TempDir() + "memkv-nofile-XXXXXX";
    if (mkdtemp(pattern.data()) == nullptr) return;
    dir_ = pattern;
    std::ofstream(wrapper()) << "#!/bin/sh\n"
                             << "ulimit -S -n " << soft << " && ulimit -H -n " << hard
                             << " || exit 126\n"
                             << "exec '" << MEMKV_BINARY_PATH << "' \"$@\" 2>'" << stderr_path()
                             << "'\n";
    chmod(wrapper().c_str(), 0700);
    process_ = std::make_unique<MemkvProcess>(wrapper(), args);
  }
  ~LimitedServer() {
    process_.reset();  // stops memkv before its files go
    if (dir_.empty()) return;
    std::remove(wrapper().c_str());
    std::remove(stderr_path().c_str());
    rmdir(dir_.c_str());
  }

  bool ok() const { return process_ != nullptr && process_->ok(); }
  MemkvProcess& process() { return *process_; }
  std::string Stderr() const { return ReadFile(stderr_path()); }

 private:
  std::string wrapper() const { return dir_ + "/memkv.sh"; }
  std::string stderr_path() const { return dir_ + "/stderr"; }

  std::string dir_;
  std::unique_ptr<MemkvProcess> process_;
};

// A first client, once the start-up probe of MemkvProcess has come and gone: until then the
// probe may still hold one place under -c.
std::unique_ptr<TestClient> FirstClient(int port) {
  auto client = std::make_unique<TestClient>(port);
  for (int i = 0; i < 2000; ++i) {
    auto stats = Stats(*client);
    if (std::stoll(stats["total_connections"]) >= 2 && std::stoll(stats["curr_connections"]) == 1) {
      return client;
    }
    usleep(5000);
  }
  return nullptr;
}

// SIGTERM's exit: status 0 (a sanitizer report would make it fail).
bool ExitedCleanly(int wait_status) {
  return WIFEXITED(wait_status) && WEXITSTATUS(wait_status) == 0;
}

// The soft limit of `pid`'s open files, from /proc/<pid>/limits ("Max open files  S  H  files").
long long SoftOpenFiles(pid_t pid) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/limits");
  for (std::string line; std::getline(in, line);) {
    if (line.rfind("Max open files", 0) == 0) return std::stoll(line.substr(26));
  }
  return -1;
}

TEST(DescriptorLimitIntegrationTest, HardLimitLowersTheConnectionLimit) {
  LimitedServer server(64, 64, {"-c", "100", "-t", "2"});
  ASSERT_TRUE(server.ok()) << server.process().error();
  const std::string err = server.Stderr();
  std::smatch match;
  ASSERT_TRUE(std::regex_search(err, match, std::regex("-c 100 lowered to ([0-9]+)\n"))) << err;
  const int fits = std::stoi(match[1]);
  ASSERT_GE(fits, 10) << err;
  ASSERT_LT(fits, 64) << err;

  auto first = FirstClient(server.process().port());
  ASSERT_NE(first, nullptr);
  EXPECT_EQ(Stats(*first, "settings")["maxconns"], std::to_string(fits));
  std::vector<std::unique_ptr<TestClient>> clients;
  for (int i = 1; i < fits; ++i) {
    clients.push_back(std::make_unique<TestClient>(server.process().port()));
    ASSERT_EQ(clients.back()->Call("version\r\n"), kVersion) << "client " << i + 1;
  }
  TestClient beyond(server.process().port());
  EXPECT_EQ(beyond.ReadUntil("\r\n"), "ERROR Too many open connections\r\n");
  EXPECT_TRUE(beyond.ReadsEof());
  // The place of a client that leaves is taken by the next.
  clients.back()->Close();
  ASSERT_TRUE(WaitForConnections(*first, fits - 1));
  TestClient next(server.process().port());
  EXPECT_EQ(next.Call("version\r\n"), kVersion);
  EXPECT_TRUE(ExitedCleanly(server.process().Stop()));
}

TEST(DescriptorLimitIntegrationTest, SoftLimitIsRaisedToServeTheConnectionLimit) {
  constexpr int kClients = 200;
  rlimit own{};
  ASSERT_EQ(getrlimit(RLIMIT_NOFILE, &own), 0);
  if (own.rlim_max < 4096) GTEST_SKIP() << "the hard limit here is below 4096";
  // This process holds the 200 clients.
  if (own.rlim_cur < 4 * kClients) {
    own.rlim_cur = 4 * kClients;
    ASSERT_EQ(setrlimit(RLIMIT_NOFILE, &own), 0);
  }
  LimitedServer server(64, 4096, {"-c", "1000", "-t", "2"});
  ASSERT_TRUE(server.ok()) << server.process().error();
  EXPECT_GE(SoftOpenFiles(server.process().pid()), 1000);
  EXPECT_EQ(server.Stderr().find("lowered"), std::string::npos) << server.Stderr();

  std::vector<std::unique_ptr<TestClient>> clients;
  for (int i = 0; i < kClients; ++i) {
    clients.push_back(std::make_unique<TestClient>(server.process().port()));
    ASSERT_TRUE(clients.back()->ok()) << "client " << i;
  }
  // Every one is held open while every one is served.
  for (int i = 0; i < kClients; ++i) {
    ASSERT_EQ(clients[i]->Call("version\r\n"), kVersion) << "client " << i;
  }
  EXPECT_TRUE(WaitForConnections(*clients[0], kClients));
  EXPECT_TRUE(ExitedCleanly(server.process().Stop()));
}

TEST(DescriptorLimitIntegrationTest, HardLimitBelowTheServersOwnNeedsRefusesToStart) {
  LimitedServer server(16, 16, {"-t", "2"});
  EXPECT_FALSE(server.ok());
  const int status = server.process().Stop();
  EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 1) << "wait status " << status;
  EXPECT_NE(server.Stderr().find("leaves no descriptor for a connection"), std::string::npos)
      << server.Stderr();
}

}  // namespace
}  // namespace memkv
