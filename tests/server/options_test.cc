// Unit tests of the pieces below the front ends that need no running loop: the option table
// (parsing, defaults, --help), the mode registry, and the listening sockets.
#include "server/options.h"

#include <sys/socket.h>

#include <chrono>
#include <fstream>
#include <string>
#include <vector>

#include "absl/strings/ascii.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "server/frontend/modes.h"
#include "server/loop/listener.h"

namespace memkv::server {
namespace {

using ::testing::HasSubstr;

absl::StatusOr<Options> Parse(std::vector<std::string> args) {
  args.insert(args.begin(), "memkv");
  return ParseOptions(args);
}

TEST(OptionsTest, DefaultsAreMemcachedsWhereMemcachedHasThem) {
  absl::StatusOr<Options> o = Parse({});
  ASSERT_TRUE(o.ok()) << o.status();
  EXPECT_EQ(o->port, 11211);
  EXPECT_EQ(o->listen_address, "127.0.0.1");
  EXPECT_GE(o->threads, 1);
  EXPECT_EQ(o->memory_limit_mb, 64u);
  EXPECT_EQ(o->conn_limit, 1024);
  EXPECT_EQ(o->max_item_bytes, size_t{1} << 20);
  EXPECT_EQ(o->verbosity, 0);
  EXPECT_EQ(o->mode, "acceptor");
  EXPECT_EQ(o->io, IoEngine::kEpoll);
  EXPECT_FALSE(o->io_strict);
  EXPECT_EQ(o->balance, Balance::kRoundRobin);
  EXPECT_EQ(o->resp_port, 0);
  EXPECT_EQ(o->dispatchers, 1);
  EXPECT_EQ(o->idle_timeout_seconds, 0);  // memcached's idle_timeout default: never
  EXPECT_EQ(o->auth_file, "");            // no authentication, as memcached without -Y
  EXPECT_TRUE(o->protected_mode);         // Redis's default: protected-mode yes
}

TEST(OptionsTest, ProtectedModeTakesYesOrNo) {
  EXPECT_FALSE(Parse({"--protected-mode", "no"})->protected_mode);
  EXPECT_FALSE(Parse({"--protected-mode=no"})->protected_mode);
  EXPECT_TRUE(Parse({"--protected-mode", "no", "--protected-mode", "yes"})->protected_mode);
  absl::StatusOr<Options> o = Parse({"--protected-mode", "off"});
  ASSERT_FALSE(o.ok());
  EXPECT_THAT(std::string(o.status().message()), HasSubstr("--protected-mode"));
  EXPECT_THAT(std::string(o.status().message()), HasSubstr("expected yes or no"));
  EXPECT_FALSE(Parse({"--protected-mode"}).ok()) << "a value is needed";
}

TEST(OptionsTest, ShortLongAttachedAndEqualsForms) {
  absl::StatusOr<Options> o = Parse({"-p",
                                     "2000",
                                     "--listen=::1",
                                     "-t3",
                                     "--memory-limit",
                                     "128",
                                     "-c",
                                     "10",
                                     "-I",
                                     "512k",
                                     "-vv",
                                     "--mode=shared",
                                     "--io",
                                     "uring",
                                     "--io-strict",
                                     "--balance",
                                     "least-conn",
                                     "--resp-port",
                                     "6379",
                                     "--dispatchers",
                                     "2",
                                     "--idle-timeout",
                                     "30",
                                     "-Y",
                                     "users.txt"});
  ASSERT_TRUE(o.ok()) << o.status();
  EXPECT_EQ(o->port, 2000);
  EXPECT_EQ(o->listen_address, "::1");
  EXPECT_EQ(o->threads, 3);
  EXPECT_EQ(o->memory_limit_mb, 128u);
  EXPECT_EQ(o->conn_limit, 10);
  EXPECT_EQ(o->max_item_bytes, 512u << 10);
  EXPECT_EQ(o->verbosity, 2);
  EXPECT_EQ(o->mode, "shared");
  EXPECT_EQ(o->io, IoEngine::kUring);
  EXPECT_TRUE(o->io_strict);
  EXPECT_EQ(o->balance, Balance::kLeastConn);
  EXPECT_EQ(o->resp_port, 6379);
  EXPECT_EQ(o->dispatchers, 2);
  EXPECT_EQ(o->idle_timeout_seconds, 30);
  EXPECT_EQ(FrontendConfigOf(*o).idle_timeout, std::chrono::seconds(30));
  EXPECT_EQ(o->auth_file, "users.txt");
}

TEST(OptionsTest, MaxItemSizeTakesMemcachedSuffixes) {
  EXPECT_EQ(Parse({"-I", "2m"})->max_item_bytes, size_t{2} << 20);
  EXPECT_EQ(Parse({"-I", "2M"})->max_item_bytes, size_t{2} << 20);
  EXPECT_EQ(Parse({"-I", "4096"})->max_item_bytes, 4096u);
  EXPECT_FALSE(Parse({"-I", "12q"}).ok());
  EXPECT_FALSE(Parse({"-I", "100"}).ok());              // below 1k
  EXPECT_FALSE(Parse({"-m", "64", "-I", "64m"}).ok());  // more than half of -m
  EXPECT_TRUE(Parse({"-m", "256", "-I", "64m"}).ok());
}

TEST(OptionsTest, ClientMemoryLimitsDefaultFromMemoryAndItemSize) {
  absl::StatusOr<Options> o = Parse({});
  ASSERT_TRUE(o.ok()) << o.status();
  EXPECT_EQ(o->max_client_memory, size_t{32} << 20) << "max(-m/4, 32m) at -m 64";
  EXPECT_EQ(o->client_query_buffer_limit, size_t{1} << 30);
  protocol::RespRequestParserLimits resp = RespLimitsOf(*o);
  EXPECT_EQ(resp.max_bulk_bytes, size_t{512} << 20) << "Redis's proto-max-bulk-len default";
  EXPECT_EQ(resp.max_kept_bulk_bytes, size_t{1} << 20) << "max(-I, 1m)";
  EXPECT_EQ(resp.max_request_bytes, size_t{1} << 30);

  o = Parse({"-m", "1024", "-I", "4m"});
  ASSERT_TRUE(o.ok()) << o.status();
  EXPECT_EQ(o->max_client_memory, size_t{256} << 20);
  EXPECT_EQ(RespLimitsOf(*o).max_bulk_bytes, size_t{512} << 20);
  EXPECT_EQ(RespLimitsOf(*o).max_kept_bulk_bytes, size_t{4} << 20);
}

TEST(OptionsTest, ClientMemoryLimitsTakeSizesAndRedisUnits) {
  absl::StatusOr<Options> o = Parse({"--max-client-memory", "0", "--proto-max-bulk-len", "256mb",
                                     "--client-query-buffer-limit", "2gb"});
  ASSERT_TRUE(o.ok()) << o.status();
  EXPECT_EQ(o->max_client_memory, 0u) << "0: no limit";
  EXPECT_EQ(RespLimitsOf(*o).max_bulk_bytes, size_t{256} << 20);
  EXPECT_EQ(RespLimitsOf(*o).max_request_bytes, size_t{2} << 30);
  o = Parse({"--max-client-memory=16m"});
  ASSERT_TRUE(o.ok()) << o.status();
  EXPECT_EQ(o->max_client_memory, size_t{16} << 20);
  EXPECT_FALSE(Parse({"--max-client-memory", "lots"}).ok());
  EXPECT_FALSE(Parse({"--proto-max-bulk-len", "100"}).ok());
  EXPECT_FALSE(Parse({"--client-query-buffer-limit", "1"}).ok());
}

TEST(OptionsTest, DatabasesDefaultToRedisSixteen) {
  absl::StatusOr<Options> o = Parse({});
  ASSERT_TRUE(o.ok()) << o.status();
  EXPECT_EQ(o->databases, 16);
  o = Parse({"--databases", "1"});
  ASSERT_TRUE(o.ok()) << o.status();
  EXPECT_EQ(o->databases, 1);
  o = Parse({"--databases=65536"});
  ASSERT_TRUE(o.ok()) << o.status();
  EXPECT_EQ(o->databases, 65536);
  EXPECT_FALSE(Parse({"--databases", "0"}).ok());
  EXPECT_FALSE(Parse({"--databases", "65537"}).ok());
  EXPECT_FALSE(Parse({"--databases", "many"}).ok());
}

TEST(OptionsTest, BadCommandLinesSayWhichFlag) {
  struct Case {
    std::vector<std::string> args;
    std::string message;
  };
  const Case cases[] = {
      {{"--bogus"}, "unknown flag --bogus"},
      {{"-x"}, "unknown flag -x"},
      {{"-p"}, "-p needs a value"},
      {{"--port"}, "--port needs a value"},
      {{"-p", "0"}, "--port"},
      {{"-p", "70000"}, "--port"},
      {{"-t", "many"}, "not a number"},
      {{"--mode", "threads"}, "expected one of single, acceptor"},
      {{"--io", "kqueue"}, "expected epoll or uring"},
      {{"--balance", "random"}, "round-robin or least-conn"},
      {{"--io-strict=yes"}, "takes no value"},
      {{"stray"}, "unexpected argument 'stray'"},
      {{"--resp-port", "11211"}, "must differ"},
      {{"--idle-timeout", "-1"}, "--idle-timeout"},
      {{"--idle-timeout", "soon"}, "not a number"},
      {{"--auth-file="}, "--auth-file: a file name is needed"},
  };
  for (const Case& c : cases) {
    absl::StatusOr<Options> o = Parse(c.args);
    ASSERT_FALSE(o.ok()) << c.args[0];
    EXPECT_THAT(std::string(o.status().message()), HasSubstr(c.message)) << c.args[0];
    EXPECT_EQ(std::string(o.status().message()).find('\n'), std::string::npos);
  }
}

// A --config file in the test's temporary directory, named after the test.
std::string WriteConfig(const std::string& text) {
  std::string path = testing::TempDir() + "/memkv_options_test_" +
                     testing::UnitTest::GetInstance()->current_test_info()->name() + ".conf";
  std::ofstream(path) << text;
  return path;
}

TEST(OptionsTest, ConfigFileSetsWhatFlagsSetAndFlagsOverrideIt) {
  std::string path = WriteConfig(
      "# memkv settings\n"
      "\n"
      "port 22122\n"
      "  memory-limit   1024  \n"
      "mode dispatch\n"
      "io-strict\n"
      "verbose\n"
      "verbose yes\n"
      "protected-mode no\n"
      "auth-file /etc/memkv/users with spaces\n");
  // The flag comes before --config on the line and still wins: flags override the file.
  absl::StatusOr<Options> o = Parse({"-m", "256", "--config", path});
  ASSERT_TRUE(o.ok()) << o.status();
  EXPECT_EQ(o->port, 22122);
  EXPECT_EQ(o->memory_limit_mb, 256u);
  EXPECT_EQ(o->mode, "dispatch");
  EXPECT_TRUE(o->io_strict);
  EXPECT_EQ(o->verbosity, 2);
  EXPECT_FALSE(o->protected_mode);
  EXPECT_EQ(o->auth_file, "/etc/memkv/users with spaces");
  EXPECT_EQ(o->config_file, path);

  o = Parse({"--config=" + path, "-p", "1"});
  ASSERT_TRUE(o.ok()) << o.status();
  EXPECT_EQ(o->port, 1);
  EXPECT_EQ(o->memory_limit_mb, 1024u);
}

TEST(OptionsTest, ConfigFileErrorsNameTheLine) {
  struct Case {
    std::string text;
    std::string message;
  } cases[] = {
      {"port 1\nno-such-thing 3\n", "line 2: unknown setting 'no-such-thing'"},
      {"\n\nport eleven\n", "line 3: invalid value 'eleven' for --port"},
      {"port\n", "line 1: 'port' needs a value"},
      {"io-strict maybe\n", "line 1: 'io-strict' takes yes, no or nothing"},
      {"--port 1\n", "line 1: write 'port' without the dashes"},
      {"help\n", "line 1: 'help' is a command-line flag only"},
      {"config other.conf\n", "line 1: 'config' is a command-line flag only"},
  };
  for (const Case& c : cases) {
    absl::StatusOr<Options> o = Parse({"--config", WriteConfig(c.text)});
    ASSERT_FALSE(o.ok()) << c.text;
    EXPECT_EQ(o.status().code(), absl::StatusCode::kInvalidArgument);
    EXPECT_THAT(o.status().message(), HasSubstr(c.message)) << c.text;
  }
  absl::StatusOr<Options> o = Parse({"--config", testing::TempDir() + "/no-such.conf"});
  ASSERT_FALSE(o.ok());
  EXPECT_THAT(o.status().message(), HasSubstr("No such file"));
  // Settings are checked together after the file and the flags, as flags alone are.
  o = Parse({"--config", WriteConfig("max-item-size 40m\n")});
  ASSERT_FALSE(o.ok());
  EXPECT_THAT(o.status().message(), HasSubstr("--max-item-size"));
}

TEST(OptionsTest, ManPageHasEveryFlagOfTheHelp) {
  std::string help = UsageText("memkv");
  std::string man = ManPageText();
  EXPECT_THAT(man, HasSubstr(".TH MEMKV 1"));
  int flags = 0;
  for (size_t at = help.find("--"); at != std::string::npos; at = help.find("--", at + 2)) {
    size_t end = help.find_first_not_of("abcdefghijklmnopqrstuvwxyz-", at + 2);
    std::string flag = help.substr(at + 2, end - at - 2);
    if (flag.empty()) continue;
    std::string escaped;
    for (char c : flag) escaped += c == '-' ? std::string("\\-") : std::string(1, c);
    EXPECT_THAT(man, HasSubstr("\\-\\-" + escaped)) << flag;
    ++flags;
  }
  EXPECT_GT(flags, 25);
}

// The packaged config file, every line uncommented, is the defaults: each name is a setting
// and each value its default.
TEST(OptionsTest, DefaultConfigUncommentedIsTheDefaults) {
  std::string text = DefaultConfigText();
  std::string uncommented;
  int settings = 0;
  for (size_t start = 0; start < text.size();) {
    size_t eol = text.find('\n', start);
    std::string line = text.substr(start, eol - start);
    start = eol + 1;
    if (line.size() < 2 || line[0] != '#' || line[1] == ' ') continue;
    std::string value = line.substr(line.find(' ') + 1);
    // A setting with no default shows a placeholder (FILE, PORT): not a value to apply.
    if (absl::AsciiStrToUpper(value) == value && value != "0") continue;
    uncommented += line.substr(1) + "\n";
    ++settings;
  }
  EXPECT_GE(settings, 15);
  absl::StatusOr<Options> o = Parse({"--config", WriteConfig(uncommented)});
  ASSERT_TRUE(o.ok()) << o.status() << "\n" << uncommented;
  absl::StatusOr<Options> defaults = Parse({});
  ASSERT_TRUE(defaults.ok());
  EXPECT_EQ(o->port, defaults->port);
  EXPECT_EQ(o->threads, defaults->threads);
  EXPECT_EQ(o->memory_limit_mb, defaults->memory_limit_mb);
  EXPECT_EQ(o->verbosity, 0);
  EXPECT_FALSE(o->io_strict);
  EXPECT_EQ(o->mode, defaults->mode);
  EXPECT_EQ(o->max_client_memory, defaults->max_client_memory);
  EXPECT_EQ(o->protected_mode, defaults->protected_mode);
  EXPECT_EQ(o->tls.client_certificates, defaults->tls.client_certificates);
}

TEST(OptionsTest, HelpAndVersionSkipValidation) {
  EXPECT_TRUE(Parse({"-h"})->help);
  EXPECT_TRUE(Parse({"--version"})->version);
  EXPECT_TRUE(Parse({"-V"})->version);
}

TEST(OptionsTest, HelpListsEveryFlagDefaultAndMode) {
  std::string help = UsageText("memkv");
  for (const char* flag :
       {"-p, --port PORT", "-l, --listen ADDR", "-t, --threads N", "-m, --memory-limit MB",
        "-c, --conn-limit N", "-I, --max-item-size SIZE", "-v, --verbose", "--mode MODE",
        "--io ENGINE", "--io-strict", "--balance POLICY", "--resp-port PORT", "--dispatchers K",
        "--idle-timeout SECONDS", "--protected-mode yes|no", "-h, --help", "-V, --version"}) {
    EXPECT_THAT(help, HasSubstr(flag));
  }
  EXPECT_THAT(help, HasSubstr("[11211]"));
  for (const ModeSpec& mode : Modes()) EXPECT_THAT(help, HasSubstr("  " + std::string(mode.name)));
}

TEST(FrontendRegistryTest, EveryModeIsListedOnceWithASummary) {
  std::vector<std::string> names;
  for (const ModeSpec& mode : Modes()) {
    names.emplace_back(mode.name);
    EXPECT_FALSE(mode.summary.empty()) << mode.name;
    EXPECT_EQ(FindMode(mode.name), &mode);
  }
  EXPECT_THAT(names, ::testing::ElementsAre("single", "acceptor", "shared", "reuseport", "dispatch",
                                            "hybrid"));
  EXPECT_EQ(FindMode("nope"), nullptr);
  for (const char* built : {"single", "acceptor", "shared", "reuseport"}) {
    EXPECT_NE(FindMode(built)->make, nullptr) << built;
  }
}

TEST(ListenerTest, BindsIpv4AndIpv6LiteralsOnAnyFreePort) {
  for (const char* address : {"127.0.0.1", "::1", "[::1]"}) {
    absl::StatusOr<UniqueFd> fd = Listen(address, 0);
    ASSERT_TRUE(fd.ok()) << address << ": " << fd.status();
    absl::StatusOr<int> port = BoundPort(fd->get());
    ASSERT_TRUE(port.ok());
    EXPECT_GT(*port, 0);
  }
}

TEST(ListenerTest, RefusesHostNamesAndSaysWhereBindFailed) {
  EXPECT_FALSE(Listen("localhost", 0).ok());
  absl::StatusOr<UniqueFd> first = Listen("127.0.0.1", 0);
  ASSERT_TRUE(first.ok());
  int port = *BoundPort(first->get());
  absl::StatusOr<UniqueFd> second = Listen("127.0.0.1", port);
  ASSERT_FALSE(second.ok());
  EXPECT_THAT(std::string(second.status().message()),
              HasSubstr("bind 127.0.0.1:" + std::to_string(port)));
}

TEST(ListenerTest, ReuseportSocketsShareOnePort) {
  ListenOptions reuse;
  reuse.reuseport = true;
  absl::StatusOr<UniqueFd> first = Listen("127.0.0.1", 0, reuse);
  ASSERT_TRUE(first.ok());
  int port = *BoundPort(first->get());
  absl::StatusOr<UniqueFd> second = Listen("127.0.0.1", port, reuse);
  EXPECT_TRUE(second.ok()) << second.status();
}

}  // namespace
}  // namespace memkv::server
