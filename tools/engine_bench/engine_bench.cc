// memkv-engine-bench: microbenchmarks of storage::Engine alone (no sockets, no protocol), to see
// how its throughput grows with threads and shards: get, set and a 90/10 get/set mix of small
// values (16-byte keys, 32-byte values) over a preloaded key space, keys drawn uniformly or by a
// Zipf law (theta 0.99), with 1, 2 and 4 threads against engines of 1, 2, 4 and 16 shards.
//
// Every figure is aggregate operations per second of wall time (items_per_second with
// UseRealTime: the sum over threads). docs/memory.md gives the command that re-runs the set
// reported there (repetitions interleaved at random, medians and spread).
//
// Threads: main() builds the engines before any benchmark runs; the benchmark threads then share
// one engine each and own their Rng and key sequence.
#include <benchmark/benchmark.h>

#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "storage/clock.h"
#include "storage/engine.h"
#include "tools/bench/random.h"
#include "tools/bench/zipf.h"

namespace memkv::engine_bench {
namespace {

constexpr uint64_t kKeys = 100'000;
constexpr size_t kValueBytes = 32;
constexpr double kZipfTheta = 0.99;
// Each thread walks a precomputed sequence of key indexes, so that drawing keys (a Zipf draw
// costs tens of ns, as much as a get) stays out of the timed loop.
constexpr size_t kSequence = size_t{1} << 16;
constexpr int kShardCounts[] = {1, 2, 4, 16};
constexpr int kThreadCounts[] = {1, 2, 4};

enum class Op { kGet, kSet, kMixed };
enum class Keys { kUniform, kZipf };

// The preloaded engines (one per shard count) and the keys every benchmark uses.
struct Fixture {
  storage::RealClock clock;
  std::vector<std::string> keys;
  std::string value = std::string(kValueBytes, 'v');
  std::map<int, std::unique_ptr<storage::Engine>> engines;
};

std::unique_ptr<storage::Engine> MakeEngine(const Fixture& fixture, int shards) {
  storage::EngineOptions options;
  options.memory_limit_bytes = size_t{256} << 20;  // far above the key space: no eviction
  // Small items, so that Create keeps every shard asked for (each must hold 8 of the largest).
  options.max_item_bytes = 4096;
  options.shard_count = shards;
  options.hash_seed = 0x5eed;
  auto engine = storage::Engine::Create(options, &fixture.clock);
  if (!engine.ok() || (*engine)->options().shard_count != shards) {
    std::fprintf(stderr, "cannot make an engine of %d shards\n", shards);
    std::exit(1);
  }
  for (const std::string& key : fixture.keys) {
    if (!(*engine)->Store(key, fixture.value, {}).ok()) std::exit(1);
  }
  return std::move(engine).value();
}

std::vector<uint32_t> KeySequence(Keys keys, uint64_t seed) {
  bench::Rng rng(seed);
  const bench::ZipfGenerator zipf(kKeys, kZipfTheta);
  std::vector<uint32_t> sequence(kSequence);
  for (uint32_t& index : sequence) {
    index = static_cast<uint32_t>(keys == Keys::kZipf ? zipf.Next(rng) : rng.Uniform(kKeys));
  }
  return sequence;
}

void Run(benchmark::State& state, const Fixture* fixture, storage::Engine* engine, Op op,
         Keys keys) {
  const std::vector<uint32_t> sequence = KeySequence(keys, 1 + state.thread_index());
  const std::string_view value = fixture->value;
  size_t i = state.thread_index() * 7919;  // threads start at different points
  for (auto _ : state) {
    const std::string_view key = fixture->keys[sequence[i % kSequence]];
    // The mix: one set in ten, spread evenly.
    const bool set = op == Op::kSet || (op == Op::kMixed && i % 10 == 0);
    if (set) {
      benchmark::DoNotOptimize(engine->Store(key, value, {}));
    } else {
      engine->Get(
          key, [](const storage::ItemView& item) { benchmark::DoNotOptimize(item.value.data()); });
    }
    ++i;
  }
  state.SetItemsProcessed(state.iterations());
}

void Register(Fixture* fixture) {
  const std::pair<Op, const char*> ops[] = {
      {Op::kGet, "get"}, {Op::kSet, "set"}, {Op::kMixed, "mixed90_10"}};
  const std::pair<Keys, const char*> key_laws[] = {{Keys::kUniform, "uniform"},
                                                   {Keys::kZipf, "zipf"}};
  for (const auto& [op, op_name] : ops) {
    for (const auto& [law, law_name] : key_laws) {
      for (int shards : kShardCounts) {
        storage::Engine* engine = fixture->engines.at(shards).get();
        const std::string name =
            std::string(op_name) + "/" + law_name + "/shards:" + std::to_string(shards);
        auto* bench = benchmark::RegisterBenchmark(
            name.c_str(), [fixture, engine, op = op, law = law](benchmark::State& state) {
              Run(state, fixture, engine, op, law);
            });
        for (int threads : kThreadCounts) bench->Threads(threads);
        bench->UseRealTime();
        // The spread of the repetitions, beside Google Benchmark's mean, median and stddev.
        bench->ComputeStatistics("min", [](const std::vector<double>& v) {
          return *std::min_element(v.begin(), v.end());
        });
        bench->ComputeStatistics("max", [](const std::vector<double>& v) {
          return *std::max_element(v.begin(), v.end());
        });
      }
    }
  }
}

}  // namespace
}  // namespace memkv::engine_bench

int main(int argc, char** argv) {
  using memkv::engine_bench::Fixture;
  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
  Fixture fixture;
  fixture.keys.reserve(memkv::engine_bench::kKeys);
  char key[32];
  for (uint64_t k = 0; k < memkv::engine_bench::kKeys; ++k) {
    std::snprintf(key, sizeof(key), "key:%012llu", static_cast<unsigned long long>(k));
    fixture.keys.emplace_back(key);
  }
  for (int shards : memkv::engine_bench::kShardCounts) {
    fixture.engines[shards] = memkv::engine_bench::MakeEngine(fixture, shards);
  }
  memkv::engine_bench::Register(&fixture);
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}
