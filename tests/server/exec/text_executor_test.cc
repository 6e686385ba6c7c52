// Tests of ExecuteText against the real engine on a fake clock. Requests go through the real
// TextRequestParser, so each test reads as a memcached session; the expected bytes are memcached
// 1.6.18's for the same session (checked against a running memcached 1.6.18).
#include "server/exec/text_executor.h"

#include <unistd.h>

#include <algorithm>
#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "protocol/memcache/text_request.h"
#include "protocol/memcache/text_request_parser.h"
#include "server/exec/command_stats.h"
#include "server/exec/exec_context.h"
#include "storage/clock.h"
#include "storage/engine.h"
#include "tests/support/fake_server_info.h"

namespace memkv::server {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::Not;
using ::testing::StartsWith;

constexpr int64_t kStartMillis = 1'700'000'000'000;  // the FakeClock's start
constexpr int64_t kDay = 24 * 60 * 60 * 1000;

class TextExecutorTest : public ::testing::Test {
 protected:
  TextExecutorTest() : parser_(Limits()) {
    storage::EngineOptions options;
    options.start_background_reclaimer = false;
    options.max_item_bytes = 64 * 1024;
    engine_ = storage::Engine::Create(options, &clock_).value();
    context_.engine = engine_.get();
    context_.stats = &stats_;
  }

  static protocol::TextRequestParserLimits Limits() {
    protocol::TextRequestParserLimits limits;
    limits.max_item_bytes = 64 * 1024;
    return limits;
  }

  // Parses and executes every request in `input`, as a connection would, and returns every
  // reply byte (parse errors included); "<close>" marks where the connection would close.
  std::string Run(std::string_view input) {
    std::string out;
    std::string buffer(input);
    size_t swallow = 0;
    for (;;) {
      const size_t dropped = std::min(swallow, buffer.size());
      buffer.erase(0, dropped);
      swallow -= dropped;
      const protocol::ParseResult r = parser_.Parse(buffer, &request_);
      switch (r.status) {
        case protocol::ParseStatus::kNeedMore:
          EXPECT_EQ(buffer, "") << "incomplete request left";
          return out;
        case protocol::ParseStatus::kOk:
          if (ExecuteText(request_, context_, &out) == ExecOutcome::kClose) {
            return out + "<close>";
          }
          swallow = r.swallow;  // a value too large to store
          break;
        case protocol::ParseStatus::kClientError:
          if (!r.error.empty()) out.append(r.error.data(), r.error.size()).append("\r\n");
          swallow = r.swallow;
          break;
        case protocol::ParseStatus::kMustClose:
          return out + "<close>";
      }
      buffer.erase(0, r.consumed);
    }
  }

  // The CAS that `gets <key>` reports.
  uint64_t CasOf(std::string_view key) {
    const std::string reply = Run("gets " + std::string(key) + "\r\n");
    const size_t line_end = reply.find("\r\n");
    const size_t space = reply.rfind(' ', line_end);
    EXPECT_THAT(reply, StartsWith("VALUE "));
    return std::stoull(reply.substr(space + 1, line_end - space - 1));
  }

  // `stats` as name -> value, plus the names in order.
  std::map<std::string, std::string> Stats(std::vector<std::string>* order = nullptr) {
    const std::string reply = Run("stats\r\n");
    std::map<std::string, std::string> stats;
    size_t pos = 0;
    while (pos < reply.size()) {
      const size_t end = reply.find("\r\n", pos);
      const std::string line = reply.substr(pos, end - pos);
      pos = end + 2;
      if (line == "END") {
        EXPECT_EQ(pos, reply.size());
        break;
      }
      EXPECT_THAT(line, StartsWith("STAT "));
      const size_t space = line.find(' ', 5);
      stats[line.substr(5, space - 5)] = line.substr(space + 1);
      if (order != nullptr) order->push_back(line.substr(5, space - 5));
    }
    return stats;
  }

  storage::FakeClock clock_{kStartMillis};
  std::unique_ptr<storage::Engine> engine_;
  CommandStats stats_;
  ExecContext context_;
  protocol::TextRequestParser parser_;
  protocol::TextRequest request_;
};

TEST_F(TextExecutorTest, SetThenGet) {
  EXPECT_EQ(Run("set a 0 0 1\r\nx\r\nget a\r\n"), "STORED\r\nVALUE a 0 1\r\nx\r\nEND\r\n");
  EXPECT_EQ(Run("get nope\r\n"), "END\r\n");
  EXPECT_EQ(Run("set e 0 0 0\r\n\r\nget e\r\n"), "STORED\r\nVALUE e 0 0\r\n\r\nEND\r\n");
  EXPECT_EQ(Run("set a 4294967295 0 3 noreply\r\na\r\n\r\nget a\r\n"),
            "VALUE a 4294967295 3\r\na\r\n\r\nEND\r\n");
}

TEST_F(TextExecutorTest, MultiGetKeepsRequestOrderAndRepeats) {
  Run("set z 0 0 1\r\nx\r\nset y 7 0 2\r\nyy\r\n");
  EXPECT_EQ(Run("get z nope y z\r\n"),
            "VALUE z 0 1\r\nx\r\nVALUE y 7 2\r\nyy\r\nVALUE z 0 1\r\nx\r\nEND\r\n");
}

TEST_F(TextExecutorTest, AddReplaceAppendPrepend) {
  EXPECT_EQ(Run("set z 0 0 1\r\nx\r\nadd z 0 0 1\r\nx\r\nadd zq 0 0 1\r\nx\r\n"),
            "STORED\r\nNOT_STORED\r\nSTORED\r\n");
  EXPECT_EQ(Run("replace zr 0 0 1\r\nx\r\nreplace z 0 0 1\r\nw\r\n"), "NOT_STORED\r\nSTORED\r\n");
  // append and prepend keep the item's flags.
  EXPECT_EQ(Run("append zr 0 0 1\r\nx\r\nappend z 5 0 1\r\nA\r\nprepend z 7 0 1\r\nP\r\n"
                "get z\r\n"),
            "NOT_STORED\r\nSTORED\r\nSTORED\r\nVALUE z 0 3\r\nPwA\r\nEND\r\n");
  EXPECT_EQ(Run("add zq 0 0 1 noreply\r\nx\r\nappend zq 0 0 1 noreply\r\ny\r\nget zq\r\n"),
            "VALUE zq 0 2\r\nxy\r\nEND\r\n");
  // ... and its expiry: the exptime of an append is read but not used.
  EXPECT_EQ(Run("append zq 0 -1 1\r\nz\r\nget zq\r\n"), "STORED\r\nVALUE zq 0 3\r\nxyz\r\nEND\r\n");
}

TEST_F(TextExecutorTest, CasFlow) {
  Run("set a 0 0 5\r\nvalue\r\n");
  const uint64_t cas = CasOf("a");
  const std::string cas_request = "cas a 0 0 6 " + std::to_string(cas) + "\r\nvalue2\r\n";
  EXPECT_EQ(Run(cas_request), "STORED\r\n");
  EXPECT_EQ(Run(cas_request), "EXISTS\r\n");
  EXPECT_NE(CasOf("a"), cas);
  EXPECT_EQ(Run("get a\r\n"), "VALUE a 0 6\r\nvalue2\r\nEND\r\n");
  EXPECT_EQ(Run("cas nope 0 0 1 1\r\nx\r\n"), "NOT_FOUND\r\n");
  // A unique of 0 never matches a stored item.
  EXPECT_EQ(Run("cas a 0 0 1 0\r\nx\r\ncas nope 0 0 1 0\r\nx\r\n"), "EXISTS\r\nNOT_FOUND\r\n");
  EXPECT_EQ(Run("cas a 0 0 1 " + std::to_string(CasOf("a")) + " noreply\r\nx\r\nget a\r\n"),
            "VALUE a 0 1\r\nx\r\nEND\r\n");
  EXPECT_EQ(stats_.cas_hits.Get(), 2u);
  EXPECT_EQ(stats_.cas_badval.Get(), 2u);
  EXPECT_EQ(stats_.cas_misses.Get(), 2u);
}

TEST_F(TextExecutorTest, GetsReportsTheCasThatCasAccepts) {
  Run("set a 0 0 1\r\nx\r\nset b 0 0 1\r\ny\r\n");
  const std::string reply = Run("gets a b\r\n");
  EXPECT_THAT(reply, testing::MatchesRegex("VALUE a 0 1 [0-9]+\r\nx\r\nVALUE b 0 1 [0-9]+\r\ny"
                                           "\r\nEND\r\n"));
  EXPECT_NE(CasOf("a"), CasOf("b"));
}

TEST_F(TextExecutorTest, RelativeExpiry) {
  Run("set a 0 10 1\r\nx\r\n");
  clock_.Advance(9'999);
  EXPECT_EQ(Run("get a\r\n"), "VALUE a 0 1\r\nx\r\nEND\r\n");
  clock_.Advance(1);
  EXPECT_EQ(Run("get a\r\n"), "END\r\n");
  EXPECT_EQ(stats_.get_expired.Get(), 1u);
  EXPECT_EQ(stats_.get_misses.Get(), 1u);
  // 30 days is still relative.
  Run("set b 0 2592000 1\r\nx\r\n");
  clock_.Advance(30 * kDay - 1);
  EXPECT_EQ(Run("get b\r\n"), "VALUE b 0 1\r\nx\r\nEND\r\n");
  clock_.Advance(1);
  EXPECT_EQ(Run("get b\r\n"), "END\r\n");
}

TEST_F(TextExecutorTest, AbsoluteAndNegativeExpiry) {
  const int64_t now_seconds = kStartMillis / 1000;
  Run("set a 0 " + std::to_string(now_seconds + 100) + " 1\r\nx\r\n");
  clock_.Advance(99'000);
  EXPECT_EQ(Run("get a\r\n"), "VALUE a 0 1\r\nx\r\nEND\r\n");
  clock_.Advance(1'000);
  EXPECT_EQ(Run("get a\r\n"), "END\r\n");
  // More than 30 days is a unix time; 2592001 is in 1970.
  EXPECT_EQ(Run("set b 0 2592001 1\r\nx\r\nget b\r\n"), "STORED\r\nEND\r\n");
  EXPECT_EQ(Run("set c 0 -1 1\r\nx\r\nget c\r\n"), "STORED\r\nEND\r\n");
  // A negative exptime on an existing key removes it too.
  EXPECT_EQ(Run("set d 0 0 1\r\nx\r\nset d 0 -1 1\r\ny\r\nget d\r\n"),
            "STORED\r\nSTORED\r\nEND\r\n");
}

TEST_F(TextExecutorTest, ExptimeConversion) {
  EXPECT_EQ(TextExptimeToExpiryMillis(0, kStartMillis), 0);
  EXPECT_EQ(TextExptimeToExpiryMillis(1, kStartMillis), kStartMillis + 1000);
  EXPECT_EQ(TextExptimeToExpiryMillis(2592000, kStartMillis), kStartMillis + 30 * kDay);
  EXPECT_EQ(TextExptimeToExpiryMillis(2592001, kStartMillis), 2592001000);
  EXPECT_EQ(TextExptimeToExpiryMillis(1800000000, kStartMillis), 1800000000000);
  const int64_t past = TextExptimeToExpiryMillis(-1, kStartMillis);
  EXPECT_GT(past, 0);
  EXPECT_LT(past, kStartMillis);
}

TEST_F(TextExecutorTest, Touch) {
  EXPECT_EQ(Run("touch n 10\r\nset n 0 10 1\r\n1\r\ntouch n 100\r\n"),
            "NOT_FOUND\r\nSTORED\r\nTOUCHED\r\n");
  clock_.Advance(50'000);
  EXPECT_EQ(Run("get n\r\n"), "VALUE n 0 1\r\n1\r\nEND\r\n");
  EXPECT_EQ(Run("touch n -1 noreply\r\nget n\r\n"), "END\r\n");
  EXPECT_EQ(Run("touch n 10 noreply\r\n"), "");
  EXPECT_EQ(stats_.cmd_touch.Get(), 4u);
  EXPECT_EQ(stats_.touch_hits.Get(), 2u);
  EXPECT_EQ(stats_.touch_misses.Get(), 2u);
}

// A multi-key command pauses between keys once the output holds the cursor's limit, and the same
// request run again goes on from the cursor: the parts make exactly the reply of one run, and
// every key is counted once (issue 12 item 3).
TEST_F(TextExecutorTest, MultiKeyCommandsPauseAtTheCursorsLimitAndResume) {
  Run("set a 0 0 30\r\n" + std::string(30, 'a') + "\r\nset b 0 0 30\r\n" + std::string(30, 'b') +
      "\r\n");
  for (const std::string command : {"get", "gets", "gat 0", "gats 0"}) {
    const std::string request = command + " a b missing a b\r\n";
    const std::string whole = Run(request);
    const uint64_t gets_before = stats_.cmd_get.Get() + stats_.cmd_touch.Get();
    MultiKeyCursor cursor;
    cursor.output_limit = 1;  // pause as soon as anything is written
    context_.cursor = &cursor;
    protocol::TextRequest parsed;
    ASSERT_EQ(parser_.Parse(request, &parsed).status, protocol::ParseStatus::kOk);
    std::string parts;
    int calls = 0;
    for (ExecOutcome outcome = ExecOutcome::kPaused; outcome == ExecOutcome::kPaused; ++calls) {
      std::string out;  // the connection writes each part before the next call
      outcome = ExecuteText(parsed, context_, &out);
      parts += out;
      ASSERT_LT(calls, 10);
    }
    context_.cursor = nullptr;
    EXPECT_EQ(parts, whole) << command;
    // a | missing b | a | b END: a miss writes nothing, so it does not pause the next key.
    EXPECT_EQ(calls, 4) << command;
    EXPECT_EQ(cursor.next_key, 0u) << "rewound for the next request";
    EXPECT_EQ(stats_.cmd_get.Get() + stats_.cmd_touch.Get() - gets_before, 5u) << command;
  }
}

TEST_F(TextExecutorTest, GetAndTouch) {
  Run("set a 3 10 1\r\nx\r\n");
  EXPECT_EQ(Run("gat 100 a nope\r\n"), "VALUE a 3 1\r\nx\r\nEND\r\n");
  clock_.Advance(50'000);  // past the first 10 s
  const std::string reply = Run("gats 0 a\r\n");
  EXPECT_EQ(reply, "VALUE a 3 1 " + std::to_string(CasOf("a")) + "\r\nx\r\nEND\r\n");
  clock_.Advance(365 * kDay);  // exptime 0: never
  EXPECT_EQ(Run("get a\r\n"), "VALUE a 3 1\r\nx\r\nEND\r\n");
  EXPECT_EQ(Run("gat 10\r\n"), "END\r\n");
  // gat is a touch for memcached's counters, not a get.
  EXPECT_EQ(stats_.cmd_touch.Get(), 3u);
  EXPECT_EQ(stats_.touch_hits.Get(), 2u);
  EXPECT_EQ(stats_.touch_misses.Get(), 1u);
  EXPECT_EQ(stats_.cmd_get.Get(), 2u);  // the two gets above (CasOf's gets included)
  // A negative exptime answers the value, then the item is gone.
  EXPECT_EQ(Run("gat -1 a\r\nget a\r\n"), "VALUE a 3 1\r\nx\r\nEND\r\nEND\r\n");
}

TEST_F(TextExecutorTest, IncrDecr) {
  EXPECT_EQ(Run("set n 0 0 2\r\n10\r\nincr n 5\r\ndecr n 100\r\n"
                "incr n 18446744073709551615\r\nincr n 2\r\n"),
            "STORED\r\n15\r\n0\r\n18446744073709551615\r\n1\r\n");
  // incr wraps at 2^64; memcached rewrites a shorter number in place, padded with spaces.
  EXPECT_EQ(Run("set n 0 0 20\r\n18446744073709551615\r\nincr n 1\r\nget n\r\n"),
            "STORED\r\n0\r\nVALUE n 0 20\r\n0                   \r\nEND\r\n");
  EXPECT_EQ(Run("set n 0 0 3\r\n100\r\ndecr n 1\r\nget n\r\n"),
            "STORED\r\n99\r\nVALUE n 0 3\r\n99 \r\nEND\r\n");
  EXPECT_EQ(Run("set n 0 0 2\r\n5x\r\nincr n 1\r\n"),
            "STORED\r\nCLIENT_ERROR cannot increment or decrement non-numeric value\r\n");
  EXPECT_EQ(Run("incr nope 1\r\ndecr nope 1\r\n"), "NOT_FOUND\r\nNOT_FOUND\r\n");
  EXPECT_EQ(Run("incr n x\r\n"), "CLIENT_ERROR invalid numeric delta argument\r\n");
  EXPECT_EQ(Run("set n 0 0 1\r\n7\r\nincr n 1 noreply\r\nincr nope 1 noreply\r\nget n\r\n"),
            "STORED\r\nVALUE n 0 1\r\n8\r\nEND\r\n");
  EXPECT_EQ(stats_.incr_hits.Get(), 5u);
  EXPECT_EQ(stats_.incr_misses.Get(), 2u);
  EXPECT_EQ(stats_.decr_hits.Get(), 2u);
  EXPECT_EQ(stats_.decr_misses.Get(), 1u);
}

TEST_F(TextExecutorTest, Delete) {
  EXPECT_EQ(Run("set n 0 0 1\r\nx\r\ndelete n\r\ndelete n\r\n"),
            "STORED\r\nDELETED\r\nNOT_FOUND\r\n");
  EXPECT_EQ(Run("set n 0 0 1\r\nx\r\ndelete n 0 noreply\r\ndelete n noreply\r\nget n\r\n"),
            "STORED\r\nEND\r\n");
  EXPECT_EQ(Run("delete n 1\r\n"),
            "CLIENT_ERROR bad command line format.  Usage: delete <key> [noreply]\r\n");
  EXPECT_EQ(stats_.delete_hits.Get(), 2u);
  EXPECT_EQ(stats_.delete_misses.Get(), 2u);
}

TEST_F(TextExecutorTest, FlushAll) {
  EXPECT_EQ(Run("set a 0 0 1\r\nx\r\nflush_all\r\nget a\r\n"), "STORED\r\nOK\r\nEND\r\n");
  EXPECT_EQ(Run("set a 0 0 1\r\nx\r\nflush_all noreply\r\nget a\r\n"), "STORED\r\nEND\r\n");
  EXPECT_EQ(Run("set a 0 0 1\r\nx\r\nflush_all -1\r\nget a\r\n"), "STORED\r\nOK\r\nEND\r\n");
  EXPECT_EQ(Run("set a 0 0 1\r\nx\r\nflush_all 10\r\nget a\r\n"),
            "STORED\r\nOK\r\nVALUE a 0 1\r\nx\r\nEND\r\n");
  clock_.Advance(10'000);
  EXPECT_EQ(Run("get a\r\n"), "END\r\n");
  EXPECT_EQ(Run("flush_all x\r\n"), "CLIENT_ERROR invalid exptime argument\r\n");
  EXPECT_EQ(stats_.cmd_flush.Get(), 4u);
}

TEST_F(TextExecutorTest, VersionVerbosityQuitShutdown) {
  EXPECT_EQ(Run("version\r\n"), "VERSION 1.6.18-memkv-0.1\r\n");
  EXPECT_EQ(Run("verbosity 1\r\nverbosity 0 noreply\r\n"), "OK\r\n");  // no ServerInfo
  FakeServerInfo server({{"worker0", &stats_}});
  context_.server = &server;
  EXPECT_EQ(Run("verbosity 1\r\n"), "OK\r\n");
  EXPECT_EQ(server.verbosity(), 1);
  EXPECT_EQ(Run("verbosity 5 noreply\r\n"), "");
  EXPECT_EQ(server.verbosity(), 2);  // memcached's MAX_VERBOSITY_LEVEL
  EXPECT_EQ(Run("shutdown\r\n"), "ERROR: shutdown not enabled\r\n");
  EXPECT_EQ(Run("version\r\nquit\r\nversion\r\n"), "VERSION 1.6.18-memkv-0.1\r\n<close>");
  protocol::TextRequest quit;
  quit.command = protocol::TextCommand::kQuit;
  std::string out;
  EXPECT_EQ(ExecuteText(quit, context_, &out), ExecOutcome::kClose);
  EXPECT_EQ(out, "");
}

TEST_F(TextExecutorTest, NoreplySilencesEverything) {
  EXPECT_EQ(Run("set a 0 0 1 noreply\r\nx\r\nadd a 0 0 1 noreply\r\nx\r\n"
                "replace nope 0 0 1 noreply\r\nx\r\ncas a 0 0 1 1 noreply\r\nx\r\n"
                "cas nope 0 0 1 1 noreply\r\nx\r\nincr a 1 noreply\r\n"
                "touch nope 1 noreply\r\ndelete nope noreply\r\nflush_all noreply\r\n"),
            "");
}

TEST_F(TextExecutorTest, TooLargeValues) {
  // What memcached would not allocate is refused, and the data is swallowed.
  EXPECT_EQ(Run("set big 0 0 70000\r\n" + std::string(70000, 'v') + "\r\nget big\r\n"),
            "SERVER_ERROR object too large for cache\r\nEND\r\n");
  // Appends beyond the limit: memcached cannot allocate the joined item and keeps the old one.
  const std::string half(40000, 'h');
  EXPECT_EQ(Run("set j 0 0 40000\r\n" + half + "\r\nappend j 0 0 40000\r\n" + half +
                "\r\nprepend j 0 0 40000\r\n" + half + "\r\nget j\r\n"),
            "STORED\r\nNOT_STORED\r\nNOT_STORED\r\nVALUE j 0 40000\r\n" + half + "\r\nEND\r\n");
}

TEST_F(TextExecutorTest, TooLargeSetRemovesTheOldValue) {
  // memcached 1.6.18 drops the old item when a set is too large, so that readers do not keep
  // data the client meant to replace; noreply silences the error, not the removal. Nothing is
  // counted in cmd_set.
  const std::string big(70000, 'v');
  EXPECT_EQ(Run("set k 0 0 3\r\nold\r\nset k 0 0 70000\r\n" + big + "\r\nget k\r\n"),
            "STORED\r\nSERVER_ERROR object too large for cache\r\nEND\r\n");
  EXPECT_EQ(Run("set k 0 0 3\r\nold\r\nset k 5 0 70000 noreply\r\n" + big + "\r\nget k\r\n"),
            "STORED\r\nEND\r\n");
  EXPECT_EQ(Stats()["cmd_set"], "2");
  // On a missing key there is nothing to remove.
  EXPECT_EQ(Run("set none 0 0 70000\r\n" + big + "\r\nget none\r\n"),
            "SERVER_ERROR object too large for cache\r\nEND\r\n");
}

TEST_F(TextExecutorTest, TooLargeCasAddReplaceAppendPrependKeepTheOldValue) {
  // Checked on memcached 1.6.18: only set removes the old item.
  const std::string big(70000, 'v');
  Run("set k 0 0 3\r\nold\r\n");
  const std::string cas = std::to_string(CasOf("k"));  // matches: only the size refuses it
  const std::vector<std::string> commands = {
      "add k 0 0 70000",     "replace k 0 0 70000",    "append k 0 0 70000",
      "prepend k 0 0 70000", "cas k 0 0 70000 " + cas, "cas k 0 0 70000 " + cas + " noreply"};
  for (const std::string& command : commands) {
    SCOPED_TRACE(command);
    const bool noreply = command.ends_with("noreply");
    EXPECT_EQ(Run(command + "\r\n" + big + "\r\nget k\r\n"),
              std::string(noreply ? "" : "SERVER_ERROR object too large for cache\r\n") +
                  "VALUE k 0 3\r\nold\r\nEND\r\n");
  }
  EXPECT_EQ(std::to_string(CasOf("k")), cas);
}

TEST_F(TextExecutorTest, SetRefusedByTheEngineRemovesTheOldValue) {
  // The engine's limit is reached only when a request bypasses the parser's (another -I).
  Run("set k 0 0 1\r\nx\r\n");
  protocol::TextRequest set;
  set.command = protocol::TextCommand::kSet;
  set.key = "k";
  const std::string huge(70000, 'v');
  set.value = huge;
  set.bytes = static_cast<uint32_t>(huge.size());
  std::string out;
  EXPECT_EQ(ExecuteText(set, context_, &out), ExecOutcome::kContinue);
  EXPECT_EQ(out, "SERVER_ERROR object too large for cache\r\n");
  EXPECT_EQ(Run("get k\r\n"), "END\r\n");
  out.clear();
  set.noreply = true;
  ExecuteText(set, context_, &out);
  EXPECT_EQ(out, "");
}

TEST_F(TextExecutorTest, ParseErrorsPassThrough) {
  EXPECT_EQ(Run("bogus\r\nset b 0 0 1\r\nxyz\r\nget b\r\n"),
            "ERROR\r\nCLIENT_ERROR bad data chunk\r\nERROR\r\nEND\r\n");
  EXPECT_EQ(Run("GET / HTTP/1.1\r\n"), "<close>");
}

TEST_F(TextExecutorTest, StatsCountLikeMemcached) {
  // The session memcached 1.6.18 was asked; its counters after it are the expected values.
  Run("set a 0 0 1\r\n1\r\nget a b a\r\ngat 100 a b\r\ngats 100 a\r\ntouch a 10\r\n"
      "touch zz 10\r\nincr a 1\r\nincr zz 1\r\ndecr a 1\r\ndecr zz 1\r\ndelete zz\r\n"
      "cas a 0 0 1 1\r\nx\r\ncas zz 0 0 1 1\r\nx\r\nflush_all 0\r\nget e\r\n");
  std::map<std::string, std::string> stats = Stats();
  const std::map<std::string, std::string> expected = {
      {"cmd_get", "4"},       {"cmd_set", "3"},      {"cmd_flush", "1"},   {"cmd_touch", "5"},
      {"get_hits", "2"},      {"get_misses", "2"},   {"get_expired", "0"}, {"delete_hits", "0"},
      {"delete_misses", "1"}, {"incr_hits", "1"},    {"incr_misses", "1"}, {"decr_hits", "1"},
      {"decr_misses", "1"},   {"cas_hits", "0"},     {"cas_misses", "1"},  {"cas_badval", "1"},
      {"touch_hits", "3"},    {"touch_misses", "2"},
  };
  for (const auto& [name, value] : expected) EXPECT_EQ(stats[name], value) << name;
}

// memcached 1.6.18's `stats` names, in its order (idle_kicks as with -o idle_timeout).
const std::vector<std::string> kMemcachedStatsOrder = {
    // clang-format off
    "pid", "uptime", "time", "version", "libevent", "pointer_size", "rusage_user",
    "rusage_system", "max_connections", "curr_connections", "total_connections",
    "rejected_connections", "connection_structures", "response_obj_oom", "response_obj_count",
    "response_obj_bytes", "read_buf_count", "read_buf_bytes", "read_buf_bytes_free",
    "read_buf_oom", "reserved_fds", "cmd_get",
    "cmd_set", "cmd_flush", "cmd_touch", "cmd_meta", "get_hits", "get_misses",
    "get_expired", "get_flushed", "delete_misses", "delete_hits", "incr_misses", "incr_hits",
    "decr_misses", "decr_hits", "cas_misses", "cas_hits", "cas_badval", "touch_hits",
    "touch_misses", "store_too_large", "store_no_memory", "auth_cmds", "auth_errors",
    "idle_kicks", "bytes_read", "bytes_written", "limit_maxbytes", "accepting_conns",
    "listen_disabled_num", "time_in_listen_disabled_us", "threads", "conn_yields",
    "hash_power_level", "hash_bytes", "hash_is_expanding", "slab_reassign_rescues",
    "slab_reassign_chunk_rescues", "slab_reassign_evictions_nomem",
    "slab_reassign_inline_reclaim", "slab_reassign_busy_items", "slab_reassign_busy_deletes",
    "slab_reassign_running", "slabs_moved", "lru_crawler_running", "lru_crawler_starts",
    "lru_maintainer_juggles", "malloc_fails", "log_worker_dropped", "log_worker_written",
    "log_watcher_skipped", "log_watcher_sent", "log_watchers", "unexpected_napi_ids",
    "round_robin_fallback", "bytes", "curr_items", "total_items", "slab_global_page_pool",
    "expired_unfetched", "evicted_unfetched", "evicted_active", "evictions", "reclaimed",
    "crawler_reclaimed", "crawler_items_checked", "lrutail_reflocked", "moves_to_cold",
    "moves_to_warm", "moves_within_lru", "direct_reclaims", "lru_bumps_dropped",
    // clang-format on
};

TEST_F(TextExecutorTest, StatsNamesAndOrder) {
  CommandStats other;
  other.cmd_get.Add(5);
  other.requests.Add(7);
  other.curr_connections.Add(2);
  other.bytes_read.Add(100);
  FakeServerInfo server({{"worker0", &stats_}, {"worker1", &other}});
  context_.server = &server;
  Run("set a 0 0 1\r\nx\r\nget a\r\n");
  stats_.requests.Add(2);
  std::vector<std::string> order;
  std::map<std::string, std::string> stats = Stats(&order);
  ASSERT_GE(order.size(), kMemcachedStatsOrder.size());
  EXPECT_EQ(std::vector<std::string>(order.begin(), order.begin() + kMemcachedStatsOrder.size()),
            kMemcachedStatsOrder);
  EXPECT_EQ(stats["pid"], std::to_string(getpid()));
  EXPECT_EQ(stats["uptime"], "42");
  EXPECT_EQ(stats["time"], std::to_string(kStartMillis / 1000));
  EXPECT_EQ(stats["version"], "1.6.18-memkv-0.1");
  EXPECT_EQ(stats["pointer_size"], "64");
  EXPECT_THAT(stats["rusage_user"], testing::MatchesRegex("[0-9]+\\.[0-9]{6}"));
  EXPECT_EQ(stats["max_connections"], "1024");
  EXPECT_EQ(stats["threads"], "2");
  EXPECT_EQ(stats["cmd_get"], "6");  // summed over both threads
  EXPECT_EQ(stats["get_hits"], "1");
  EXPECT_EQ(stats["cmd_set"], "1");
  EXPECT_EQ(stats["curr_connections"], "2");
  EXPECT_EQ(stats["bytes_read"], "100");
  EXPECT_EQ(stats["curr_items"], "1");
  EXPECT_EQ(stats["total_items"], "1");
  EXPECT_EQ(stats["limit_maxbytes"], std::to_string(64 << 20));
  EXPECT_EQ(stats["mode"], "acceptor");
  EXPECT_EQ(stats["io_engine"], "epoll");
  EXPECT_EQ(stats["requests"], "9");
  EXPECT_EQ(stats["thread:worker0:requests"], "2");
  EXPECT_EQ(stats["thread:worker1:requests"], "7");
  EXPECT_EQ(stats["thread:worker1:curr_connections"], "2");
  EXPECT_EQ(stats["thread:worker1:bytes_read"], "100");
}

TEST_F(TextExecutorTest, StatsWithoutServerInfo) {
  Run("get a\r\n");
  std::map<std::string, std::string> stats = Stats();
  EXPECT_EQ(stats["cmd_get"], "1");
  EXPECT_EQ(stats["get_misses"], "1");
  EXPECT_EQ(stats.count("uptime"), 0u);
  EXPECT_EQ(stats.count("threads"), 0u);
  EXPECT_EQ(stats["thread:self:requests"], "0");
}

TEST_F(TextExecutorTest, StatsSubcommands) {
  // memcached answers an unknown sub-command with ERROR; memccapable sends "stats noreply".
  EXPECT_EQ(Run("stats noreply\r\nstats foo\r\n"), "ERROR\r\nERROR\r\n");
  const std::string settings = Run("stats settings\r\n");
  EXPECT_THAT(settings, StartsWith("STAT maxbytes 67108864\r\n"));
  EXPECT_THAT(settings, HasSubstr("STAT item_size_max 65536\r\n"));
  EXPECT_THAT(settings, HasSubstr("STAT cas_enabled yes\r\n"));
  EXPECT_THAT(settings, testing::EndsWith("END\r\n"));
  EXPECT_THAT(settings, Not(HasSubstr("tcpport")));  // no ServerInfo
}

TEST_F(TextExecutorTest, StatsSettingsWithAServerShowTheIdleTimeout) {
  FakeServerInfo server;
  context_.server = &server;
  const std::string settings = Run("stats settings\r\n");
  EXPECT_THAT(settings, HasSubstr("STAT temporary_ttl 61\r\nSTAT idle_timeout 0\r\n"));
  EXPECT_THAT(settings, testing::EndsWith("STAT memory_file (null)\r\nEND\r\n"));
}

TEST_F(TextExecutorTest, StatsResetZeroesCountersNotItems) {
  CommandStats other;
  other.cmd_get.Add(5);
  other.curr_connections.Add(2);
  FakeServerInfo server({{"worker0", &stats_}, {"worker1", &other}});
  context_.server = &server;
  Run("set a 0 0 1\r\nx\r\nget a\r\n");
  EXPECT_EQ(Run("stats reset\r\n"), "RESET\r\n");
  std::map<std::string, std::string> stats = Stats();
  EXPECT_EQ(stats["cmd_get"], "0");
  EXPECT_EQ(stats["cmd_set"], "0");
  EXPECT_EQ(stats["get_hits"], "0");
  EXPECT_EQ(stats["total_items"], "0");
  EXPECT_EQ(stats["curr_items"], "1");        // items are untouched
  EXPECT_EQ(stats["curr_connections"], "2");  // a gauge, not reset
  EXPECT_EQ(stats["thread:worker1:requests"], "0");
  EXPECT_EQ(other.cmd_get.Get(), 5u);  // the other thread's counter itself is not written
  Run("get a\r\nget b\r\n");
  stats = Stats();
  EXPECT_EQ(stats["cmd_get"], "2");
  EXPECT_EQ(stats["get_hits"], "1");
  EXPECT_EQ(stats["get_misses"], "1");
}

TEST_F(TextExecutorTest, StatsItemsSlabsAndSizes) {
  Run("set a 0 0 1\r\nx\r\n");
  const std::string items = Run("stats items\r\n");
  EXPECT_THAT(items, testing::MatchesRegex("(STAT items:[0-9]+:[a-z_]+ [0-9]+\r\n)+END\r\n"));
  EXPECT_THAT(items, testing::ContainsRegex("STAT items:[0-9]+:number 1\r\n"));
  const std::string slabs = Run("stats slabs\r\n");
  EXPECT_THAT(slabs, testing::ContainsRegex("STAT [0-9]+:chunk_size [0-9]+\r\n"));
  EXPECT_THAT(slabs, HasSubstr("STAT active_slabs "));
  EXPECT_THAT(slabs, testing::EndsWith("END\r\n"));
  EXPECT_EQ(Run("stats sizes\r\n"), "STAT sizes_status disabled\r\nEND\r\n");
}

}  // namespace
}  // namespace memkv::server
