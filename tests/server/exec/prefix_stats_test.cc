// PrefixStats (`stats detail`): a key's prefix ends at the first delimiter, keys without one (or
// with a NUL before it) are not counted, an empty prefix is one, dumps list prefixes in the order
// first seen, and counts from several threads at once all arrive.
#include "server/exec/prefix_stats.h"

#include <string>
#include <thread>
#include <vector>

#include "gtest/gtest.h"

namespace memkv::server {
namespace {

std::string Dump(const PrefixStats& stats) {
  std::string out;
  stats.AppendDump(&out);
  return out;
}

TEST(PrefixStatsTest, PrefixIsUpToTheFirstDelimiter) {
  PrefixStats stats(':', true);
  stats.RecordGet("user:1:name", true);
  stats.RecordGet("user:2", false);
  stats.RecordSet("noprefix");
  stats.RecordSet(std::string("nul\0:x", 6));
  stats.RecordDelete(":empty");
  stats.RecordSet("post:9");
  EXPECT_EQ(Dump(stats),
            "PREFIX user get 2 hit 1 set 0 del 0\r\n"
            "PREFIX  get 0 hit 0 set 0 del 1\r\n"
            "PREFIX post get 0 hit 0 set 1 del 0\r\n");
}

TEST(PrefixStatsTest, OtherDelimiterAndSwitch) {
  PrefixStats stats('-', false);
  EXPECT_FALSE(stats.enabled());
  stats.SetEnabled(true);
  EXPECT_TRUE(stats.enabled());
  stats.RecordSet("a-b:c");
  EXPECT_EQ(Dump(stats), "PREFIX a get 0 hit 0 set 1 del 0\r\n");
}

TEST(PrefixStatsTest, CountsFromManyThreadsAllArrive) {
  PrefixStats stats(':', true);
  constexpr int kThreads = 4;
  constexpr int kEach = 5000;
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&stats, t] {
      for (int i = 0; i < kEach; ++i) {
        stats.RecordGet("shared:" + std::to_string(i), i % 2 == 0);
        stats.RecordSet("own" + std::to_string(t) + ":k");
      }
    });
  }
  for (std::thread& thread : threads) thread.join();
  const std::string dump = Dump(stats);
  EXPECT_NE(dump.find("PREFIX shared get 20000 hit 10000 set 0 del 0\r\n"), std::string::npos)
      << dump;
  for (int t = 0; t < kThreads; ++t) {
    EXPECT_NE(dump.find("PREFIX own" + std::to_string(t) + " get 0 hit 0 set 5000 del 0\r\n"),
              std::string::npos)
        << dump;
  }
}

}  // namespace
}  // namespace memkv::server
