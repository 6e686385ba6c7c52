// memkv-bench's command line: defaults, every option, and refusals of nonsense (one line each).
#include <string_view>
#include <vector>

#include "gtest/gtest.h"
#include "tools/bench/options.h"

namespace memkv::bench {
namespace {

absl::StatusOr<BenchOptions> Parse(std::vector<std::string_view> args) {
  return ParseBenchOptions(args);
}

std::string Error(std::vector<std::string_view> args) {
  absl::StatusOr<BenchOptions> options = Parse(args);
  EXPECT_FALSE(options.ok());
  return options.ok() ? "" : std::string(options.status().message());
}

TEST(BenchOptionsTest, Defaults) {
  absl::StatusOr<BenchOptions> options = Parse({});
  ASSERT_TRUE(options.ok()) << options.status();
  EXPECT_EQ(options->host, "127.0.0.1");
  EXPECT_EQ(options->port, 11211);
  EXPECT_EQ(options->total_connections(), 1);
  EXPECT_EQ(options->key_width, 4);  // keyspace 10000: keys 0000..9999
  EXPECT_EQ(options->dialect, Dialect::kText);
  EXPECT_TRUE(options->verify);
}

TEST(BenchOptionsTest, EveryOption) {
  absl::StatusOr<BenchOptions> options = Parse({"-s",
                                                "localhost:6379",
                                                "-t",
                                                "2",
                                                "--connections=8",
                                                "-P",
                                                "16",
                                                "--rate",
                                                "5000",
                                                "-n",
                                                "100000",
                                                "--preload",
                                                "-k",
                                                "1000000",
                                                "--key-prefix",
                                                "bench:",
                                                "--key-width",
                                                "12",
                                                "--distribution",
                                                "zipf:0.8",
                                                "-v",
                                                "10-2000",
                                                "--ratio",
                                                "1:0",
                                                "-m",
                                                "50",
                                                "-D",
                                                "resp",
                                                "--no-verify",
                                                "--json",
                                                "--seed",
                                                "9"});
  ASSERT_TRUE(options.ok()) << options.status();
  EXPECT_EQ(options->host, "localhost");
  EXPECT_EQ(options->port, 6379);
  EXPECT_EQ(options->threads, 2);
  EXPECT_EQ(options->connections_per_thread, 8);
  EXPECT_EQ(options->pipeline, 16);
  EXPECT_EQ(options->rate, 5000);
  EXPECT_EQ(options->requests, 100000u);
  EXPECT_TRUE(options->preload);
  EXPECT_EQ(options->keyspace, 1000000u);
  EXPECT_EQ(options->key_length(), 18u);
  EXPECT_DOUBLE_EQ(options->zipf_theta, 0.8);
  EXPECT_EQ(options->value_min, 10u);
  EXPECT_EQ(options->value_max, 2000u);
  EXPECT_EQ(options->get_weight, 1u);
  EXPECT_EQ(options->set_weight, 0u);
  EXPECT_EQ(options->multiget, 50);
  EXPECT_EQ(options->dialect, Dialect::kResp);
  EXPECT_FALSE(options->verify);
  EXPECT_TRUE(options->json);
  EXPECT_EQ(options->seed, 9u);
  EXPECT_DOUBLE_EQ(Parse({"--distribution", "zipf"})->zipf_theta, 0.99);
}

TEST(BenchOptionsTest, NonsenseIsRefusedInOneLine) {
  EXPECT_EQ(Error({"--threads", "0"}), "--threads: expected an integer in [1, 1024], got '0'");
  EXPECT_EQ(Error({"-t", "two"}), "--threads: expected an integer in [1, 1024], got 'two'");
  EXPECT_EQ(Error({"--bogus"}), "unknown option '--bogus' (see --help)");
  EXPECT_EQ(Error({"stray"}), "unexpected argument 'stray' (see --help)");
  EXPECT_EQ(Error({"--pipeline"}), "--pipeline needs a value (N)");
  EXPECT_EQ(Error({"--json=yes"}), "--json takes no value");
  EXPECT_EQ(Error({"--server", "nowhere"}), "--server: expected HOST:PORT, got 'nowhere'");
  EXPECT_EQ(Error({"--server", "h:70000"}),
            "--server: expected an integer in [1, 65535], got '70000'");
  EXPECT_EQ(Error({"--dialect", "ascii"}),
            "--dialect: expected text, meta, resp or binary, got 'ascii'");
  EXPECT_EQ(Error({"--ratio", "0:0"}),
            "--ratio: expected GET:SET weights such as 9:1, not both 0, got '0:0'");
  EXPECT_EQ(Error({"--value-size", "10-5"}),
            "--value-size: expected N, MIN-MAX with MIN <= MAX <= 67108864, or etc, got '10-5'");
  EXPECT_EQ(
      Error({"--distribution", "zipf:-1"}),
      "--distribution: expected uniform, zipf or zipf:THETA (THETA in [0.01, 10]), got 'zipf:-1'");
  EXPECT_EQ(Error({"--duration", "nan"}),
            "--duration: expected a number in [0.001, 86400], got 'nan'");
  EXPECT_EQ(Error({"-d", "1", "-n", "5"}), "--duration and --requests exclude each other");
  EXPECT_EQ(Error({"-k", "100000", "--key-width", "3"}),
            "--key-width 3 is too small for --keyspace 100000 (needs 5)");
  EXPECT_EQ(Error({"--key-prefix", "a b"}),
            "--key-prefix: expected printable characters without spaces, got 'a b'");
  EXPECT_EQ(Error({"--key-width", "200", "--key-prefix", std::string(60, 'p')}),
            "keys would be longer than 250 bytes (--key-prefix, --key-width)");
  EXPECT_EQ(Error({"-c", "-5"}), "--connections: expected an integer in [1, 100000], got '-5'");
}

TEST(BenchOptionsTest, Help) {
  absl::StatusOr<BenchOptions> options = Parse({"--help"});
  ASSERT_TRUE(options.ok());
  EXPECT_TRUE(options->help);
  EXPECT_NE(BenchUsage().find("--pipeline N"), std::string::npos);
}

}  // namespace
}  // namespace memkv::bench
