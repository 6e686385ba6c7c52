// storage::Engine with several threads at once: mixed operations on overlapping keys, then
// invariants (counts consistent, values intact, incr totals exact).
#include <atomic>
#include <cstdint>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "gtest/gtest.h"
#include "storage/engine.h"
#include "tests/storage/engine_test_util.h"

namespace memkv::storage {
namespace {

using testing::MakeEngine;
using testing::Mode;
using testing::Read;

constexpr int kThreads = 4;
constexpr int kOpsPerThread = 100'000;
constexpr int kKeys = 1000;

// Every value written for key k is "k:<key>:" followed by filler of a length that varies, so a
// torn or mixed-up value is detectable.
std::string ValueFor(int key, uint32_t salt) {
  return "k:" + std::to_string(key) + ":" +
         std::string(salt % 50, static_cast<char>('a' + salt % 26));
}

bool IntactFor(int key, std::string_view value) {
  const std::string prefix = "k:" + std::to_string(key) + ":";
  if (value.substr(0, prefix.size()) != prefix) return false;
  const std::string_view filler = value.substr(prefix.size());
  for (char c : filler) {
    if (c != filler[0]) return false;
  }
  return true;
}

TEST(EngineConcurrencyTest, MixedOperationsOnOverlappingKeys) {
  RealClock clock;
  EngineOptions options;
  options.reclaim_period_millis = 1;  // the reclaimer runs beside the workers
  auto engine = MakeEngine(options, &clock);
  ASSERT_TRUE(engine->Store("counter", "0", {}).ok());
  std::atomic<int> corrupt{0};
  std::atomic<uint64_t> increments{0};

  auto worker = [&](int id) {
    std::mt19937 rng(id);
    for (int op = 0; op < kOpsPerThread; ++op) {
      const int key = static_cast<int>(rng() % kKeys);
      const std::string name = "key" + std::to_string(key);
      switch (rng() % 8) {
        case 0:
        case 1:
          if (!engine->Store(name, ValueFor(key, static_cast<uint32_t>(rng())), {}).ok()) ++corrupt;
          break;
        case 2:
          engine->Delete(name);
          break;
        case 3:
          (void)engine->Store(name, "", Mode(StoreMode::kAppend));  // appends nothing: stays intact
          break;
        case 4:
          engine->Increment("counter", 1, false);
          increments.fetch_add(1, std::memory_order_relaxed);
          break;
        case 5:
          engine->Touch(name, 0);
          break;
        default:
          engine->Get(name, [&](const ItemView& view) {
            if (!IntactFor(key, view.value)) ++corrupt;
          });
      }
    }
  };
  std::vector<std::thread> threads;
  for (int i = 0; i < kThreads; ++i) threads.emplace_back(worker, i);
  for (auto& thread : threads) thread.join();

  EXPECT_EQ(corrupt.load(), 0);
  auto counter = Read(*engine, "counter");
  ASSERT_TRUE(counter.has_value());
  EXPECT_EQ(std::stoull(counter->value), increments.load());
  uint64_t present = 0;
  for (int key = 0; key < kKeys; ++key) {
    auto item = Read(*engine, "key" + std::to_string(key));
    if (item.has_value()) {
      ++present;
      EXPECT_TRUE(IntactFor(key, item->value)) << item->value;
    }
  }
  EXPECT_EQ(engine->ItemCount(), present + 1);  // + counter
  EXPECT_EQ(engine->Stats().curr_items, present + 1);
  EXPECT_EQ(engine->Stats().evictions, 0u);
}

TEST(EngineConcurrencyTest, CasUniquesAreUniqueAcrossThreads) {
  RealClock clock;
  auto engine = MakeEngine(testing::TestOptions(), &clock);
  std::vector<std::vector<uint64_t>> seen(kThreads);
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < 20'000; ++i) {
        auto out = engine->Store("t" + std::to_string(t) + "-" + std::to_string(i % 100), "v", {});
        if (out.ok()) seen[t].push_back(out->cas);
      }
    });
  }
  for (auto& thread : threads) thread.join();
  std::vector<uint64_t> all;
  for (const auto& list : seen) all.insert(all.end(), list.begin(), list.end());
  std::sort(all.begin(), all.end());
  EXPECT_EQ(std::adjacent_find(all.begin(), all.end()), all.end());
  EXPECT_EQ(all.size(), static_cast<size_t>(kThreads) * 20'000);
}

TEST(EngineConcurrencyTest, StoreAllIfNoneExistIsAtomicAcrossShards) {
  RealClock clock;
  auto engine = MakeEngine(testing::TestOptions(), &clock);
  // Threads race to claim the same key sets; exactly one claim per set can win.
  constexpr int kSets = 2000;
  std::atomic<int> wins{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int s = 0; s < kSets; ++s) {
        const std::string a = "a" + std::to_string(s), b = "b" + std::to_string(s),
                          c = "c" + std::to_string(s);
        const std::string owner = std::to_string(t);
        std::vector<std::pair<std::string_view, std::string_view>> pairs = {
            {a, owner}, {b, owner}, {c, owner}};
        auto won = engine->StoreAll(pairs, Engine::StoreAllWhen::kNoneExist);
        if (won.ok() && *won) ++wins;
      }
    });
  }
  for (auto& thread : threads) thread.join();
  EXPECT_EQ(wins.load(), kSets);
  for (int s = 0; s < kSets; s += 7) {
    const std::string owner = Read(*engine, "a" + std::to_string(s))->value;
    EXPECT_EQ(Read(*engine, "b" + std::to_string(s))->value, owner);
    EXPECT_EQ(Read(*engine, "c" + std::to_string(s))->value, owner);
  }
}

}  // namespace
}  // namespace memkv::storage
