// ModeEngineTest: the fixture of the integration tests that run once per front-end mode and I/O
// engine: it starts the real memkv binary in the test's combination and checks that it stops
// cleanly. Instantiate a suite over every combination with
//   INSTANTIATE_TEST_SUITE_P(AllModes, MySuite, AllModeEngineCombinations(), CombinationName);
//
// Threads: the test's thread.
#ifndef MEMKV_TESTS_SUPPORT_MODE_ENGINE_TEST_H_
#define MEMKV_TESTS_SUPPORT_MODE_ENGINE_TEST_H_

#include <sys/wait.h>

#include <memory>
#include <string>
#include <string_view>
#include <tuple>
#include <vector>

#include "gtest/gtest.h"
#include "tests/support/memkv_process.h"

namespace memkv::testing {

// The front-end modes and I/O engines that exist; adding one adds it to every such suite.
inline const std::vector<std::string>& AllModes() {
  static const auto* modes = new std::vector<std::string>{"single",    "acceptor", "shared",
                                                          "reuseport", "dispatch", "hybrid"};
  return *modes;
}
inline const std::vector<std::string>& AllIoEngines() {
  static const auto* engines = new std::vector<std::string>{"epoll", "uring"};
  return *engines;
}

using Combination = std::tuple<std::string, std::string>;

inline auto AllModeEngineCombinations() {
  return ::testing::Combine(::testing::ValuesIn(AllModes()), ::testing::ValuesIn(AllIoEngines()));
}

inline std::string CombinationName(const ::testing::TestParamInfo<Combination>& info) {
  return std::get<0>(info.param) + "_" + std::get<1>(info.param);
}

class ModeEngineTest : public ::testing::TestWithParam<Combination> {
 protected:
  const std::string& mode() const { return std::get<0>(GetParam()); }
  const std::string& io() const { return std::get<1>(GetParam()); }

  // Starts memkv in this test's mode and engine with `extra` flags (default 2 threads, so that
  // the multi-thread modes really have several workers on a 2-core machine).
  MemkvProcess* StartServer(std::vector<std::string> extra = {}) {
    std::vector<std::string> args = {"--mode", mode(), "--io", io(), "-t", "2"};
    args.insert(args.end(), extra.begin(), extra.end());
    server_ = std::make_unique<MemkvProcess>(MEMKV_BINARY_PATH, args);
    EXPECT_TRUE(server_->ok()) << server_->error();
    return server_.get();
  }

  // Every server must stop cleanly on SIGTERM: exit status 0, which also means no sanitizer
  // report (they exit non-zero) when the suite runs under ASan/UBSan.
  void TearDown() override {
    if (server_ == nullptr) return;
    int status = server_->Stop();
    EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) << "wait status " << status;
  }

  std::unique_ptr<MemkvProcess> server_;
};

inline std::string Repeat(std::string_view piece, int times) {
  std::string out;
  for (int i = 0; i < times; ++i) out.append(piece);
  return out;
}

}  // namespace memkv::testing

#endif  // MEMKV_TESTS_SUPPORT_MODE_ENGINE_TEST_H_
