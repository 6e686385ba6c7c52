// The RESP executor on the real engine and a FakeClock: TTLs as time passes, the one keyspace
// shared with memcached (client flags, expiry), what memkv does on purpose unlike Redis (one
// database, RESP2 only, strings only), per-connection state, INFO and the counters. Replies that
// redis-server gives too are checked byte for byte in resp_redis_transcript_test.cc.
#include "server/exec/resp/resp_executor.h"

#include <memory>
#include <string>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "protocol/resp/resp_request.h"
#include "server/exec/command_stats.h"
#include "server/exec/exec_context.h"
#include "storage/clock.h"
#include "storage/engine.h"

namespace memkv::server {
namespace {

using ::testing::ContainsRegex;
using ::testing::HasSubstr;
using ::testing::Not;
using ::testing::StartsWith;

class RespExecutorTest : public ::testing::Test {
 protected:
  void SetUp() override { MakeEngine(storage::EngineOptions{}); }

  void MakeEngine(storage::EngineOptions options) {
    options.start_background_reclaimer = false;
    auto engine = storage::Engine::Create(options, &clock_);
    ASSERT_TRUE(engine.ok()) << engine.status();
    engine_ = std::move(engine).value();
    context_ = ExecContext{engine_.get(), &stats_, nullptr};
  }

  // Runs one command; returns its reply bytes.
  std::string Run(std::vector<std::string> args) {
    protocol::RespRequest request;
    for (const std::string& arg : args) request.args.push_back(arg);
    std::string out;
    last_outcome_ = ExecuteResp(request, context_, session_, &out);
    return out;
  }

  storage::FakeClock clock_;
  std::unique_ptr<storage::Engine> engine_;
  CommandStats stats_;
  ExecContext context_;
  RespSession session_;
  ExecOutcome last_outcome_ = ExecOutcome::kContinue;
};

// MGET pauses between keys at the cursor's output limit and goes on from the cursor when run
// again; the parts make exactly the reply of one run (issue 12 item 3).
TEST_F(RespExecutorTest, MGetPausesAtTheCursorsLimitAndResumes) {
  Run({"SET", "a", std::string(20, 'a')});
  Run({"SET", "b", std::string(20, 'b')});
  const std::vector<std::string> mget = {"MGET", "a", "missing", "b", "a"};
  const std::string whole = Run(mget);
  const uint64_t commands_before = stats_.cmd_resp.Get();
  MultiKeyCursor cursor;
  cursor.output_limit = 1;  // pause as soon as anything is written: one key per call
  context_.cursor = &cursor;
  std::string parts;
  int calls = 0;
  do {
    parts += Run(mget);
    ASSERT_LT(++calls, 10);
  } while (last_outcome_ == ExecOutcome::kPaused);
  context_.cursor = nullptr;
  EXPECT_EQ(parts, whole);
  EXPECT_EQ(calls, 4);
  EXPECT_EQ(cursor.next_key, 0u);
  EXPECT_EQ(stats_.cmd_resp.Get() - commands_before, 1u) << "one command, however many parts";
  EXPECT_THAT(Run({"INFO", "commandstats"}), HasSubstr("cmdstat_mget:calls=2,"))
      << "one call for the whole run, one for the paused one";
}

// INFO commandstats and errorstats count what the thread ran: calls, refusals before running
// (arity, unknown subcommand: no command) and failed calls, and error replies by code.
TEST_F(RespExecutorTest, CommandStatsAndErrorStats) {
  Run({"SET", "k", "v"});
  Run({"GET", "k"});
  Run({"GET"});             // arity: rejected
  Run({"INCR", "k"});       // ran and failed
  Run({"CONFIG", "NOPE"});  // unknown subcommand: an error, no command
  Run({"CONFIG", "GET"});   // the subcommand's arity: rejected
  Run({"NOSUCH"});          // unknown command: an error, no command
  Run({"MEMORY", "USAGE", "k"});
  const std::string stats = Run({"INFO", "commandstats", "errorstats", "stats"});
  for (const char* line : {"cmdstat_set:calls=1,",
                           "cmdstat_config|get:calls=0,usec=0,"
                           "usec_per_call=0.00,rejected_calls=1,failed_calls=0\r\n",
                           "cmdstat_memory|usage:calls=1,", "errorstat_ERR:count=5\r\n",
                           "total_error_replies:5\r\n"}) {
    EXPECT_THAT(stats, HasSubstr(line));
  }
  EXPECT_THAT(stats, ContainsRegex("cmdstat_get:calls=1,usec=[0-9]+,usec_per_call=[0-9.]+,"
                                   "rejected_calls=1,failed_calls=0\r\n"));
  EXPECT_THAT(stats, ContainsRegex("cmdstat_incr:calls=1,usec=[0-9]+,usec_per_call=[0-9.]+,"
                                   "rejected_calls=0,failed_calls=1\r\n"));
  EXPECT_THAT(stats, Not(HasSubstr("cmdstat_config:")));
  EXPECT_THAT(stats, Not(HasSubstr("cmdstat_nosuch")));
}

// OBJECT IDLETIME: whole seconds since the last store or read, by the engine's clock; OBJECT
// itself is no access.
TEST_F(RespExecutorTest, ObjectIdleTimeFollowsTheLastAccess) {
  clock_.Set(1'700'000'000'000);
  Run({"SET", "k", "v"});
  EXPECT_EQ(Run({"OBJECT", "IDLETIME", "k"}), ":0\r\n");
  clock_.Advance(2999);
  EXPECT_EQ(Run({"OBJECT", "IDLETIME", "k"}), ":2\r\n");
  EXPECT_EQ(Run({"OBJECT", "ENCODING", "k"}), "$6\r\nembstr\r\n");
  clock_.Advance(1);
  EXPECT_EQ(Run({"OBJECT", "IDLETIME", "k"}), ":3\r\n");
  Run({"GET", "k"});
  EXPECT_EQ(Run({"OBJECT", "IDLETIME", "k"}), ":0\r\n");
  EXPECT_EQ(Run({"OBJECT", "IDLETIME", "missing"}), "$-1\r\n");
}

// MEMORY USAGE is the record the item takes in a segment: 22 header bytes, the expiry when
// there is one, key and value, padded to 8.
TEST_F(RespExecutorTest, MemoryUsageIsTheRecordSize) {
  Run({"SET", "k", "v"});
  EXPECT_EQ(Run({"MEMORY", "USAGE", "k"}), ":24\r\n");
  Run({"SET", "key", std::string(100, 'x'), "EX", "100"});
  EXPECT_EQ(Run({"MEMORY", "USAGE", "key", "SAMPLES", "0"}), ":136\r\n");
  EXPECT_EQ(Run({"MEMORY", "USAGE", "missing"}), "$-1\r\n");
}

TEST_F(RespExecutorTest, TtlCountsDownAndKeysExpire) {
  EXPECT_EQ(Run({"SET", "k", "v", "PX", "1500"}), "+OK\r\n");
  EXPECT_EQ(Run({"TTL", "k"}), ":2\r\n");  // Redis rounds: (1500 + 500) / 1000
  EXPECT_EQ(Run({"PTTL", "k"}), ":1500\r\n");
  clock_.Advance(1000);
  EXPECT_EQ(Run({"PTTL", "k"}), ":500\r\n");
  EXPECT_EQ(Run({"TTL", "k"}), ":1\r\n");
  clock_.Advance(499);
  EXPECT_EQ(Run({"GET", "k"}), "$1\r\nv\r\n");
  clock_.Advance(1);
  EXPECT_EQ(Run({"GET", "k"}), "$-1\r\n");
  EXPECT_EQ(Run({"TTL", "k"}), ":-2\r\n");
  EXPECT_EQ(Run({"EXISTS", "k"}), ":0\r\n");
}

TEST_F(RespExecutorTest, AbsoluteExpiriesUseTheEngineClock) {
  int64_t now = clock_.NowMillis();
  std::string in_100s = std::to_string(now / 1000 + 100);
  EXPECT_EQ(Run({"SET", "k", "v", "EXAT", in_100s}), "+OK\r\n");
  EXPECT_EQ(Run({"EXPIRETIME", "k"}), ":" + in_100s + "\r\n");
  EXPECT_EQ(Run({"SET", "p", "v", "PXAT", std::to_string(now + 5000)}), "+OK\r\n");
  EXPECT_EQ(Run({"PTTL", "p"}), ":5000\r\n");
  // In the past: the store succeeds and the key is gone at once.
  EXPECT_EQ(Run({"SET", "gone", "v", "PXAT", std::to_string(now - 1)}), "+OK\r\n");
  EXPECT_EQ(Run({"EXISTS", "gone"}), ":0\r\n");
  EXPECT_EQ(Run({"SET", "gone", "v", "KEEPTTL", "PXAT", std::to_string(now)}),
            "-ERR syntax error\r\n");
  EXPECT_EQ(Run({"SET", "old", "v", "EX", "100", "GET"}), "$-1\r\n");
  EXPECT_EQ(Run({"SET", "old", "w", "PXAT", std::to_string(now), "GET"}), "$1\r\nv\r\n");
  EXPECT_EQ(Run({"EXISTS", "old"}), ":0\r\n");
  EXPECT_EQ(Run({"EXPIREAT", "k", std::to_string(now / 1000 + 50)}), ":1\r\n");
  EXPECT_EQ(Run({"TTL", "k"}), ":50\r\n");
  EXPECT_EQ(Run({"PEXPIREAT", "k", std::to_string(now)}), ":1\r\n");  // now = expired
  EXPECT_EQ(Run({"EXISTS", "k"}), ":0\r\n");
}

TEST_F(RespExecutorTest, GetExWithPastAbsoluteTimeDeletesAfterReplying) {
  int64_t now = clock_.NowMillis();
  Run({"SET", "k", "v"});
  EXPECT_EQ(Run({"GETEX", "k", "PXAT", std::to_string(now - 10)}), "$1\r\nv\r\n");
  EXPECT_EQ(Run({"EXISTS", "k"}), ":0\r\n");
  Run({"SET", "k", "v"});
  EXPECT_EQ(Run({"GETEX", "k", "EXAT", std::to_string(now / 1000 + 10)}), "$1\r\nv\r\n");
  EXPECT_EQ(Run({"EXPIRETIME", "k"}), ":" + std::to_string(now / 1000 + 10) + "\r\n");
}

TEST_F(RespExecutorTest, ExpireComparisonsUseTheCurrentExpiry) {
  Run({"SET", "k", "v", "EX", "100"});
  clock_.Advance(10'000);  // 90 s left
  EXPECT_EQ(Run({"EXPIRE", "k", "95", "GT"}), ":1\r\n");
  EXPECT_EQ(Run({"EXPIRE", "k", "94", "GT"}), ":0\r\n");
  EXPECT_EQ(Run({"EXPIRE", "k", "96", "LT"}), ":0\r\n");
  EXPECT_EQ(Run({"EXPIRE", "k", "-1", "LT"}), ":1\r\n");  // deleted at once
  EXPECT_EQ(Run({"EXISTS", "k"}), ":0\r\n");
}

TEST_F(RespExecutorTest, OneKeyspaceWithMemcached) {
  // An item stored by the memcached dialect: flags 7, an expiry in 10 s.
  storage::StoreArgs args;
  args.client_flags = 7;
  args.expiry_millis = clock_.NowMillis() + 10'000;
  ASSERT_TRUE(engine_->Store("mc", "41", args).ok());
  EXPECT_EQ(Run({"GET", "mc"}), "$2\r\n41\r\n");
  EXPECT_EQ(Run({"TTL", "mc"}), ":10\r\n");
  EXPECT_EQ(Run({"INCR", "mc"}), ":42\r\n");
  storage::ItemView seen;
  std::string value;
  ASSERT_EQ(engine_->Get("mc",
                         [&](const storage::ItemView& item) {
                           seen = item;
                           value = std::string(item.value);
                         }),
            storage::LookupResult::kHit);
  EXPECT_EQ(value, "42");
  EXPECT_EQ(seen.client_flags, 7u);  // INCR and APPEND keep what they do not change
  EXPECT_EQ(seen.expiry_millis, args.expiry_millis);
  // A key written by RESP is a memcached item with client flags 0 and the same expiry.
  EXPECT_EQ(Run({"SET", "mc", "hello", "EX", "60"}), "+OK\r\n");
  ASSERT_EQ(engine_->Get("mc",
                         [&](const storage::ItemView& item) {
                           seen = item;
                           value = std::string(item.value);
                         }),
            storage::LookupResult::kHit);
  EXPECT_EQ(value, "hello");
  EXPECT_EQ(seen.client_flags, 0u);
  EXPECT_EQ(seen.expiry_millis, clock_.NowMillis() + 60'000);
  // memcached's incr takes what RESP INCR wrote.
  Run({"SET", "n", "10"});
  EXPECT_EQ(engine_->Increment("n", 5, false).value, 15u);
  EXPECT_EQ(Run({"GET", "n"}), "$2\r\n15\r\n");
}

TEST_F(RespExecutorTest, OtherRedisTypesAreUnknownCommands) {
  EXPECT_EQ(Run({"LPUSH", "l", "a"}),
            "-ERR unknown command 'LPUSH', with args beginning with: 'l' 'a' \r\n");
  EXPECT_EQ(Run({"sadd", "s", "m"}),
            "-ERR unknown command 'sadd', with args beginning with: 's' 'm' \r\n");
  EXPECT_EQ(Run({"HSET", "h", "f", "v"}),
            "-ERR unknown command 'HSET', with args beginning with: 'h' 'f' 'v' \r\n");
  EXPECT_EQ(Run({"ZADD", "z", "1", "m"}),
            "-ERR unknown command 'ZADD', with args beginning with: 'z' '1' 'm' \r\n");
  EXPECT_EQ(Run({"MULTI"}), "-ERR unknown command 'MULTI', with args beginning with: \r\n");
}

TEST_F(RespExecutorTest, SixteenDatabasesByDefault) {
  EXPECT_EQ(Run({"SELECT", "0"}), "+OK\r\n");
  // 16 databases, as Redis's default.
  EXPECT_EQ(Run({"SELECT", "15"}), "+OK\r\n");
  EXPECT_EQ(Run({"SELECT", "16"}), "-ERR DB index is out of range\r\n");
  EXPECT_EQ(Run({"CONFIG", "GET", "databases"}), "*2\r\n$9\r\ndatabases\r\n$2\r\n16\r\n");
}

TEST_F(RespExecutorTest, HelloChoosesTheProtocol) {
  session_.client_id = 42;
  // redis-server 7.0.15's bytes: a map after HELLO 3, nulls as "_", HELLO 2 goes back.
  EXPECT_EQ(Run({"HELLO", "3"}),
            "%7\r\n$6\r\nserver\r\n$5\r\nredis\r\n$7\r\nversion\r\n$6\r\n7.0.15\r\n$5\r\nproto\r\n"
            ":3\r\n$2\r\nid\r\n:42\r\n$4\r\nmode\r\n$10\r\nstandalone\r\n$4\r\nrole\r\n"
            "$6\r\nmaster\r\n$7\r\nmodules\r\n*0\r\n");
  EXPECT_EQ(Run({"GET", "nokey"}), "_\r\n");
  EXPECT_EQ(Run({"MGET", "nokey", "nokey"}), "*2\r\n_\r\n_\r\n");
  EXPECT_EQ(Run({"CONFIG", "GET", "databases"}), "%1\r\n$9\r\ndatabases\r\n$2\r\n16\r\n");
  EXPECT_THAT(Run({"HELLO"}), StartsWith("%7\r\n"));  // no version: the protocol stays
  EXPECT_EQ(Run({"HELLO", "4"}), "-NOPROTO unsupported protocol version\r\n");
  EXPECT_EQ(Run({"GET", "nokey"}), "_\r\n");
  EXPECT_EQ(Run({"HELLO", "2", "SETNAME", "app"}),
            "*14\r\n$6\r\nserver\r\n$5\r\nredis\r\n$7\r\nversion\r\n$6\r\n7.0.15\r\n$5\r\nproto\r\n"
            ":2\r\n$2\r\nid\r\n:42\r\n$4\r\nmode\r\n$10\r\nstandalone\r\n$4\r\nrole\r\n"
            "$6\r\nmaster\r\n$7\r\nmodules\r\n*0\r\n");
  EXPECT_EQ(session_.name, "app");
  EXPECT_EQ(Run({"GET", "nokey"}), "$-1\r\n");
  EXPECT_THAT(Run({"HELLO"}), StartsWith("*14\r\n"));
  EXPECT_THAT(Run({"HELLO", "2", "AUTH", "default", "any"}), StartsWith("*14\r\n"));
}

TEST_F(RespExecutorTest, ClientState) {
  session_.client_id = 7;
  EXPECT_EQ(Run({"CLIENT", "ID"}), ":7\r\n");
  EXPECT_EQ(Run({"client", "setname", "worker-1"}), "+OK\r\n");
  EXPECT_EQ(Run({"CLIENT", "GETNAME"}), "$8\r\nworker-1\r\n");
  EXPECT_EQ(session_.name, "worker-1");
}

TEST_F(RespExecutorTest, QuitClosesAfterOk) {
  EXPECT_EQ(Run({"PING"}), "+PONG\r\n");
  EXPECT_EQ(last_outcome_, ExecOutcome::kContinue);
  EXPECT_EQ(Run({"QUIT"}), "+OK\r\n");
  EXPECT_EQ(last_outcome_, ExecOutcome::kClose);
  EXPECT_EQ(Run({"quit", "extra"}), "+OK\r\n");  // Redis 7.0: QUIT takes any arguments
  EXPECT_EQ(last_outcome_, ExecOutcome::kClose);
}

TEST_F(RespExecutorTest, EmptyRequestAnswersNothing) {
  EXPECT_EQ(Run({}), "");
  EXPECT_EQ(last_outcome_, ExecOutcome::kContinue);
  EXPECT_EQ(stats_.cmd_resp.Get(), 0u);
}

TEST_F(RespExecutorTest, TooLargeValues) {
  storage::EngineOptions options;
  options.max_item_bytes = 1024;
  MakeEngine(options);
  std::string big(2000, 'x');
  const std::string kTooLarge = "-ERR string exceeds maximum allowed size (item size limit)\r\n";
  EXPECT_EQ(Run({"SET", "k", big}), kTooLarge);
  EXPECT_EQ(Run({"SET", "k", big, "GET"}), kTooLarge);  // no half reply before the error
  EXPECT_EQ(Run({"MSET", "a", "1", "k", big}), kTooLarge);
  EXPECT_EQ(Run({"SET", "k", std::string(1000, 'x')}), "+OK\r\n");
  EXPECT_EQ(Run({"APPEND", "k", std::string(100, 'y')}), kTooLarge);
  EXPECT_EQ(Run({"STRLEN", "k"}), ":1000\r\n");
  EXPECT_EQ(Run({"MSETNX", "new", big}), kTooLarge);
}

TEST_F(RespExecutorTest, MsetNxIsAllOrNothing) {
  EXPECT_EQ(Run({"MSETNX", "a", "1", "b", "2"}), ":1\r\n");
  EXPECT_EQ(Run({"MSETNX", "c", "3", "b", "x"}), ":0\r\n");
  EXPECT_EQ(Run({"MGET", "a", "b", "c"}), "*3\r\n$1\r\n1\r\n$1\r\n2\r\n$-1\r\n");
}

TEST_F(RespExecutorTest, BinarySafeKeysAndValues) {
  std::string key("k\0\r\n", 4), value("\0\1\2\r\n\xff", 6);
  EXPECT_EQ(Run({"SET", key, value}), "+OK\r\n");
  EXPECT_EQ(Run({"GET", key}), "$6\r\n" + value + "\r\n");
  EXPECT_EQ(Run({"GET", "k"}), "$-1\r\n");
  EXPECT_EQ(Run({"STRLEN", key}), ":6\r\n");
}

TEST_F(RespExecutorTest, CountsIntoTheThreadStats) {
  Run({"SET", "k", "v"});
  Run({"GET", "k"});
  Run({"GET", "missing"});
  Run({"MGET", "k", "missing", "k"});
  Run({"NOSUCH"});
  EXPECT_EQ(stats_.cmd_resp.Get(), 5u);
  EXPECT_EQ(stats_.cmd_set.Get(), 1u);
  EXPECT_EQ(stats_.cmd_get.Get(), 5u);
  EXPECT_EQ(stats_.get_hits.Get(), 3u);
  EXPECT_EQ(stats_.get_misses.Get(), 2u);
  Run({"INCR", "n"});
  Run({"INCR", "n"});
  EXPECT_EQ(stats_.incr_misses.Get(), 1u);
  EXPECT_EQ(stats_.incr_hits.Get(), 1u);
  Run({"DEL", "k", "missing"});
  EXPECT_EQ(stats_.delete_hits.Get(), 1u);
  EXPECT_EQ(stats_.delete_misses.Get(), 1u);
}

// Redis counts the keys that have a TTL in INFO's keyspace line; so does memkv, through every way
// a TTL comes and goes. avg_ttl is their exact mean time left (Redis's is an estimate its expiry
// cycle refines, 0 until it has sampled).
TEST_F(RespExecutorTest, InfoKeyspaceCountsKeysWithATtl) {
  Run({"SET", "plain", "v"});
  Run({"SET", "a", "v", "EX", "100"});
  Run({"SET", "b", "v"});
  Run({"EXPIRE", "b", "100"});  // adds the field: the record is rewritten
  Run({"SETEX", "c", "100", "vv"});
  EXPECT_THAT(Run({"INFO", "keyspace"}), HasSubstr("db0:keys=4,expires=3,avg_ttl=100000\r\n"));
  Run({"SET", "a", "w"});  // a plain SET drops the TTL (in place: same length)
  Run({"PERSIST", "b"});
  Run({"DEL", "c"});
  EXPECT_THAT(Run({"INFO", "keyspace"}), HasSubstr("db0:keys=3,expires=0,avg_ttl=0\r\n"));
  Run({"SET", "plain", "v", "PX", "100000"});
  EXPECT_THAT(Run({"INFO", "keyspace"}), HasSubstr("db0:keys=3,expires=1,avg_ttl=100000\r\n"));
}

TEST_F(RespExecutorTest, InfoSections) {
  Run({"SET", "k", "v"});
  Run({"GET", "k"});
  std::string all = Run({"INFO"});
  EXPECT_THAT(all, StartsWith("$"));
  for (const char* expected :
       {"# Server\r\nredis_version:7.0.15\r\n", "\r\n\r\n# Clients\r\nconnected_clients:",
        "\r\n\r\n# Memory\r\nused_memory:", "maxmemory:67108864\r\n", "\r\n\r\n# Stats\r\n",
        "keyspace_hits:1\r\n", "keyspace_misses:0\r\n",
        "\r\n\r\n# Keyspace\r\ndb0:keys=1,expires=0,avg_ttl=0\r\n\r\n"}) {
    EXPECT_THAT(all, HasSubstr(expected));
  }
  // One section; several; unknown ones are ignored; no section at all is an empty bulk.
  EXPECT_EQ(Run({"INFO", "keyspace"}),
            "$44\r\n# Keyspace\r\ndb0:keys=1,expires=0,avg_ttl=0\r\n\r\n");
  std::string two = Run({"INFO", "KEYSPACE", "nosuch", "memory"});
  EXPECT_LT(two.find("# Memory"), two.find("# Keyspace"));  // Redis's order, not the asked one
  EXPECT_EQ(two.find("# Server"), std::string::npos);
  EXPECT_EQ(Run({"INFO", "nosuch"}), "$0\r\n\r\n");
  Run({"FLUSHALL"});
  EXPECT_EQ(Run({"INFO", "keyspace"}), "$12\r\n# Keyspace\r\n\r\n");
}

TEST_F(RespExecutorTest, ConfigGetForRedisBenchmark) {
  EXPECT_EQ(Run({"CONFIG", "GET", "save"}), "*2\r\n$4\r\nsave\r\n$0\r\n\r\n");
  EXPECT_EQ(Run({"CONFIG", "GET", "appendonly"}), "*2\r\n$10\r\nappendonly\r\n$2\r\nno\r\n");
  EXPECT_EQ(Run({"CONFIG", "GET", "maxmemory"}), "*2\r\n$9\r\nmaxmemory\r\n$8\r\n67108864\r\n");
  EXPECT_EQ(Run({"CONFIG", "GET", "max*-policy", "appendonly", "APPENDONLY"}),
            "*4\r\n$16\r\nmaxmemory-policy\r\n$11\r\nallkeys-lru\r\n"
            "$10\r\nappendonly\r\n$2\r\nno\r\n");
  EXPECT_EQ(Run({"CONFIG", "GET", "[sa]ave"}), "*2\r\n$4\r\nsave\r\n$0\r\n\r\n");
  EXPECT_EQ(Run({"CONFIG", "GET", "[^a]ave"}), "*2\r\n$4\r\nsave\r\n$0\r\n\r\n");
  EXPECT_EQ(Run({"CONFIG", "GET", "?AVE"}), "*2\r\n$4\r\nsave\r\n$0\r\n\r\n");
  EXPECT_EQ(Run({"CONFIG", "GET", "proto-max-bulk-len"}),
            "*2\r\n$18\r\nproto-max-bulk-len\r\n$9\r\n536870912\r\n");
  EXPECT_EQ(Run({"CONFIG", "SET", "save", ""}),
            "-ERR unknown subcommand 'SET'. Try CONFIG HELP.\r\n");
}

TEST_F(RespExecutorTest, CommandIntrospection) {
  std::string count = Run({"COMMAND", "COUNT"});
  EXPECT_EQ(count, ":68\r\n");
  EXPECT_THAT(Run({"COMMAND"}), StartsWith("*68\r\n*10\r\n$3\r\nget\r\n:2\r\n"));
  EXPECT_THAT(Run({"COMMAND", "INFO"}), StartsWith("*68\r\n"));
  EXPECT_THAT(Run({"COMMAND", "LIST"}), StartsWith("*68\r\n$3\r\nget\r\n$3\r\nset\r\n"));
  EXPECT_THAT(Run({"COMMAND", "DOCS"}),
              StartsWith("*136\r\n$3\r\nget\r\n*10\r\n$7\r\nsummary\r\n"));
  EXPECT_THAT(Run({"COMMAND", "DOCS", "Set", "nosuch"}), StartsWith("*2\r\n$3\r\nset\r\n"));
  EXPECT_THAT(Run({"COMMAND", "INFO", "lpush", "get"}),
              StartsWith("*2\r\n$-1\r\n*10\r\n$3\r\nget"));
}

}  // namespace
}  // namespace memkv::server
