// Tests of ExecuteMeta against the real storage engine and a fake clock: every meta command and
// return flag, q, modes, CAS, stale/win tokens, vivify and recache, TTLs as time passes, the E
// flag, and the counters. Expected replies are memcached 1.6.18's (checked against a running
// memcached 1.6.18), with CAS values taken from earlier replies since memkv numbers them its own
// way.
#include "server/exec/meta_executor.h"

#include <memory>
#include <regex>
#include <string>
#include <string_view>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "protocol/memcache/meta_request_parser.h"
#include "storage/clock.h"
#include "storage/engine.h"

namespace memkv::server {
namespace {

using protocol::ParseStatus;

class MetaExecutorTest : public ::testing::Test {
 protected:
  void SetUp() override {
    storage::EngineOptions options;
    options.start_background_reclaimer = false;
    auto engine = storage::Engine::Create(options, &clock_);
    ASSERT_TRUE(engine.ok()) << engine.status();
    engine_ = *std::move(engine);
    context_.engine = engine_.get();
    context_.stats = &stats_;
  }

  // Parses and executes every request in `input`, as a connection would, and returns all the
  // reply bytes (parser errors included).
  std::string Run(std::string_view input) {
    std::string out;
    while (!input.empty()) {
      protocol::MetaRequest request;
      const protocol::ParseResult r = parser_.Parse(input, &request);
      if (r.status == ParseStatus::kNeedMore) {
        ADD_FAILURE() << "incomplete request: " << input;
        break;
      }
      if (r.status == ParseStatus::kOk) {
        EXPECT_EQ(ExecuteMeta(request, context_, &out), ExecOutcome::kContinue);
      } else {
        out.append(r.error).append("\r\n");
      }
      input.remove_prefix(std::min(input.size(), r.consumed + r.swallow));
    }
    return out;
  }

  // The number after " c" in a reply.
  static std::string CasOf(const std::string& reply) {
    std::smatch m;
    EXPECT_TRUE(std::regex_search(reply, m, std::regex(" c([0-9]+)"))) << reply;
    return m.size() > 1 ? m[1].str() : "";
  }

  storage::FakeClock clock_;
  std::unique_ptr<storage::Engine> engine_;
  CommandStats stats_;
  ExecContext context_;
  protocol::MetaRequestParser parser_;
};

TEST_F(MetaExecutorTest, NoopAnswersMn) { EXPECT_EQ(Run("mn\r\n"), "MN\r\n"); }

TEST_F(MetaExecutorTest, GetMissAnswersEnWithOpaqueAndKey) {
  EXPECT_EQ(Run("mg foo\r\n"), "EN\r\n");
  EXPECT_EQ(Run("mg foo v s t O1 k c\r\n"), "EN O1 kfoo\r\n");
  EXPECT_EQ(Run("mg foo v q\r\nmn\r\n"), "MN\r\n");
}

TEST_F(MetaExecutorTest, SetThenGetEveryReturnFlagInRequestOrder) {
  const std::string set = Run("ms b 3 T100 F5 c k O123 s\r\nabc\r\n");
  const std::string cas = CasOf(set);
  EXPECT_EQ(set, "HD c" + cas + " kb O123\r\n");  // ms ignores s in 1.6.18
  EXPECT_EQ(Run("mg b s t c f l h O9 k v\r\n"),
            "VA 3 s3 t100 c" + cas + " f5 l0 h0 O9 kb\r\nabc\r\n");
  EXPECT_EQ(Run("mg b h l\r\n"), "HD h1 l0\r\n");
  EXPECT_EQ(Run("mg b k v\r\n"), "VA 3 kb\r\nabc\r\n");
  EXPECT_EQ(Run("mg b\r\n"), "HD\r\n");
}

TEST_F(MetaExecutorTest, GetHitIsNeverQuiet) {
  Run("ms a 2\r\nhi\r\n");
  EXPECT_EQ(Run("mg a q v\r\nmn\r\n"), "VA 2\r\nhi\r\nMN\r\n");
}

TEST_F(MetaExecutorTest, TouchAppliesWhereItStandsAmongTheFlags) {
  Run("ms a 2 T100\r\nhi\r\n");
  EXPECT_EQ(Run("mg a t T50\r\n"), "HD t100\r\n");
  EXPECT_EQ(Run("mg a t\r\n"), "HD t50\r\n");
  EXPECT_EQ(Run("mg a T0 t\r\n"), "HD t-1\r\n");
  EXPECT_EQ(Run("mg a T30 v t\r\n"), "VA 2 t30\r\nhi\r\n");
  EXPECT_EQ(stats_.cmd_touch.Get(), 3u);
  EXPECT_EQ(stats_.touch_hits.Get(), 3u);
  EXPECT_EQ(stats_.cmd_get.Get(), 1u);
}

TEST_F(MetaExecutorTest, TtlCountsDownAndItemsExpire) {
  Run("ms a 2 T100\r\nhi\r\n");
  clock_.Advance(10'000);
  EXPECT_EQ(Run("mg a t\r\n"), "HD t90\r\n");
  clock_.Advance(90'000);
  EXPECT_EQ(Run("mg a t\r\n"), "EN\r\n");
  EXPECT_EQ(stats_.get_expired.Get(), 1u);
  EXPECT_EQ(Run("ms b 2 T-1\r\nhi\r\nmg b\r\n"), "HD\r\nEN\r\n");
}

TEST_F(MetaExecutorTest, HitBeforeAndLastAccessReportTheStateBeforeThisRequest) {
  Run("ms a 2\r\nhi\r\n");
  clock_.Advance(5'000);
  EXPECT_EQ(Run("mg a u h l\r\n"), "HD h0 l5\r\n");  // u: neither fetched nor bumped
  EXPECT_EQ(Run("mg a h l\r\n"), "HD h0 l5\r\n");
  EXPECT_EQ(Run("mg a h l\r\n"), "HD h1 l0\r\n");
  clock_.Advance(3'000);
  EXPECT_EQ(Run("mg a h l T100\r\n"), "HD h1 l3\r\n");
  EXPECT_EQ(Run("mg a l\r\n"), "HD l0\r\n");
}

TEST_F(MetaExecutorTest, QuietModeHidesOnlyNominalAnswers) {
  EXPECT_EQ(Run("mg a q\r\nmn\r\n"), "MN\r\n");
  EXPECT_EQ(Run("ms a 2 q\r\nhi\r\nmn\r\n"), "MN\r\n");
  EXPECT_EQ(Run("ms a 2 q ME\r\nxx\r\nmn\r\n"), "NS\r\nMN\r\n");
  EXPECT_EQ(Run("md a q\r\nmd a q\r\nmn\r\n"), "NF\r\nMN\r\n");
  EXPECT_EQ(Run("ms n 1 q\r\n5\r\nma n q\r\nma n q v\r\nma zz q\r\n"), "NF\r\n");
  // A vivified counter is answered even in quiet mode, as memcached does.
  EXPECT_EQ(Run("ma zz q N0\r\nma zz2 q N0 v\r\nmn\r\n"), "HD\r\nVA 1\r\n0\r\nMN\r\n");
  EXPECT_EQ(Run("mg n v\r\n"), "VA 1\r\n7\r\n");
}

TEST_F(MetaExecutorTest, SetModesAndCas) {
  EXPECT_EQ(Run("ms x 2 MR c k O5\r\nhi\r\n"), "NS c0 kx O5\r\n");
  EXPECT_EQ(Run("ms x 2 c MR\r\nhi\r\n"), "NS c0\r\n");
  EXPECT_EQ(Run("ms x 2 C0\r\nhi\r\n"), "NF\r\n");
  EXPECT_EQ(Run("ms x 2 MA C5\r\nhi\r\n"), "NS\r\n");
  EXPECT_EQ(Run("ms x 2 MA\r\nhi\r\n"), "NS\r\n");
  EXPECT_EQ(Run("ms x 2 MP\r\nhi\r\n"), "NS\r\n");
  const std::string cas = CasOf(Run("ms x 2 c T100\r\nhi\r\n"));
  EXPECT_EQ(Run("ms x 2 C1 c\r\nhi\r\n"), "EX c0\r\n");
  EXPECT_EQ(Run("ms x 2 C0\r\nhi\r\n"), "EX\r\n");
  EXPECT_EQ(Run("ms x 2 ME\r\nno\r\n"), "NS\r\n");
  EXPECT_EQ(Run("ms x 2 ME C1\r\nno\r\n"), "NS\r\n");
  const std::string appended = Run("ms x 2 MA C" + cas + " c\r\nyo\r\n");
  const std::string cas2 = CasOf(appended);
  EXPECT_EQ(appended, "HD c" + cas2 + "\r\n");
  EXPECT_EQ(Run("ms x 1 MA C" + cas + "\r\n!\r\n"), "EX\r\n");
  EXPECT_EQ(Run("ms x 2 MP F9\r\n<<\r\nmg x v f t\r\n"), "HD\r\nVA 6 f0 t100\r\n<<hiyo\r\n");
  EXPECT_EQ(Run("ms x 3 MR F3\r\nnew\r\nmg x v f t\r\n"), "HD\r\nVA 3 f3 t-1\r\nnew\r\n");
  EXPECT_EQ(Run("ms y 1 ME T10\r\n1\r\nmg y v t\r\n"), "HD\r\nVA 1 t10\r\n1\r\n");
  const std::string cas3 = CasOf(Run("mg x c\r\n"));
  EXPECT_EQ(Run("ms x 1 MR C" + cas3 + "\r\nr\r\nmg x v\r\n"), "HD\r\nVA 1\r\nr\r\n");
  EXPECT_EQ(stats_.cas_misses.Get(), 1u);  // ms x 2 C0 on a missing key
  EXPECT_EQ(stats_.cas_badval.Get(), 2u);
  EXPECT_EQ(stats_.cas_hits.Get(), 1u);
}

TEST_F(MetaExecutorTest, InvalidationMarksStaleAndHandsOutOneWinToken) {
  Run("ms y 2 T100\r\nhi\r\n");
  EXPECT_EQ(Run("md y I T30\r\n"), "HD\r\n");
  const std::string first = Run("mg y c t v\r\n");
  const std::string cas = CasOf(first);
  EXPECT_EQ(first, "VA 2 c" + cas + " t30 X W\r\nhi\r\n");
  EXPECT_EQ(Run("mg y c t v\r\n"), "VA 2 c" + cas + " t30 Z X\r\nhi\r\n");
  // A CAS older than the item's still stores, as a stale item keeping its TTL and token.
  const std::string stale_set = Run("ms y 2 C1 I c\r\nzz\r\n");
  const std::string cas2 = CasOf(stale_set);
  EXPECT_EQ(stale_set, "HD c" + cas2 + "\r\n");
  EXPECT_EQ(Run("mg y v c t\r\n"), "VA 2 c" + cas2 + " t30 Z X\r\nzz\r\n");
  // A newer one is refused; without C, I changes nothing and the set is a plain one.
  EXPECT_EQ(Run("ms y 2 C99999999999 I\r\nno\r\n"), "EX\r\n");
  EXPECT_EQ(Run("ms y 2 C0 I\r\nno\r\n"), "EX\r\n");
  EXPECT_EQ(Run("ms y 2 I\r\nzz\r\nmg y v t\r\n"), "HD\r\nVA 2 t-1\r\nzz\r\n");
}

TEST_F(MetaExecutorTest, InvalidatingAgainLetsTheNextReaderWin) {
  Run("ms y 2\r\nhi\r\nmd y I\r\n");
  EXPECT_EQ(Run("mg y\r\n"), "HD X W\r\n");
  EXPECT_EQ(Run("mg y\r\n"), "HD Z X\r\n");
  EXPECT_EQ(Run("md y I q\r\n"), "");
  EXPECT_EQ(Run("mg y v\r\n"), "VA 2 X W\r\nhi\r\n");
}

TEST_F(MetaExecutorTest, StaleItemMatchedByCasIsReplacedByAFreshOne) {
  Run("ms y 2\r\nhi\r\nmd y I\r\n");
  const std::string cas = CasOf(Run("mg y c\r\n"));
  EXPECT_EQ(Run("ms y 2 C" + cas + " I\r\nok\r\nmg y v\r\n"), "HD\r\nVA 2\r\nok\r\n");
}

TEST_F(MetaExecutorTest, VivifyOnMissCreatesAnEmptyItemAndOneWinner) {
  const std::string first = Run("mg n1 v t N30 c\r\n");
  const std::string cas = CasOf(first);
  EXPECT_EQ(first, "VA 0 t-1 c" + cas + " W\r\n\r\n");  // t before N: the stub had no TTL yet
  EXPECT_EQ(Run("mg n1 v t N30 c h\r\n"), "VA 0 t30 c" + cas + " h1 Z\r\n\r\n");
  EXPECT_EQ(Run("ms n1 3 T60\r\nnew\r\nmg n1 v t\r\n"), "HD\r\nVA 3 t60\r\nnew\r\n");
  EXPECT_EQ(Run("mg r2 N0 q\r\nmg r2 N0 q\r\nmn\r\n"), "HD W\r\nHD Z\r\nMN\r\n");
  EXPECT_EQ(Run("mg r3 N30 t s f k\r\n"), "HD t30 s0 f0 kr3 W\r\n");
  EXPECT_EQ(stats_.get_hits.Get(), 6u);
  EXPECT_EQ(stats_.get_misses.Get(), 0u);
}

TEST_F(MetaExecutorTest, RecacheWinsWhenTheTtlLeftIsBelowTheToken) {
  Run("ms r 2 T10\r\nhi\r\n");
  EXPECT_EQ(Run("mg r R30 t\r\n"), "HD t10 W\r\n");
  EXPECT_EQ(Run("mg r R30 t\r\n"), "HD t10 Z\r\n");
  Run("ms r3 2 T10\r\nhi\r\n");
  EXPECT_EQ(Run("mg r3 T100 R30 t\r\n"), "HD t100\r\n");
  EXPECT_EQ(Run("mg r3 t T5 R30\r\n"), "HD t100 W\r\n");
  Run("ms r4 2\r\nhi\r\n");
  EXPECT_EQ(Run("mg r4 R30\r\n"), "HD\r\n");  // no TTL: never recached early
  Run("ms r5 2 T100\r\nhi\r\n");
  EXPECT_EQ(Run("mg r5 R30\r\n"), "HD\r\n");
}

TEST_F(MetaExecutorTest, DeleteAnswersAndCounts) {
  EXPECT_EQ(Run("md a O1 k\r\n"), "NF O1 ka\r\n");
  const std::string cas = CasOf(Run("ms a 2 c\r\nhi\r\n"));
  EXPECT_EQ(Run("md a C1 k\r\n"), "EX ka\r\n");
  EXPECT_EQ(Run("md a C0\r\n"), "EX\r\n");
  EXPECT_EQ(Run("md a C" + cas + " O7\r\n"), "HD O7\r\n");
  EXPECT_EQ(Run("mg a\r\n"), "EN\r\n");
  EXPECT_EQ(stats_.delete_hits.Get(), 1u);
  EXPECT_EQ(stats_.delete_misses.Get(), 3u);
}

TEST_F(MetaExecutorTest, ArithmeticAsMemcached) {
  EXPECT_EQ(Run("ma c1 N0 J5 t T100 v\r\n"), "VA 1 t-1\r\n5\r\n");
  const std::string second = Run("ma c1 t v c\r\n");
  EXPECT_EQ(second, "VA 1 t100 c" + CasOf(second) + "\r\n6\r\n");
  EXPECT_EQ(Run("ma c1 T0 t\r\n"), "HD t-1\r\n");
  EXPECT_EQ(Run("ma c1 t N5 MD D100 v\r\n"), "VA 1 t-1\r\n0\r\n");
  EXPECT_EQ(Run("ms c2 2\r\nab\r\nma c2\r\n"),
            "HD\r\nCLIENT_ERROR cannot increment or decrement non-numeric value\r\n");
  EXPECT_EQ(Run("ma c3 C5\r\n"), "NF\r\n");
  EXPECT_EQ(Run("ms c4 2\r\n10\r\nma c4 C1 O1 k\r\n"), "HD\r\nEX O1 kc4\r\n");
  EXPECT_EQ(Run("ma c4 MD v\r\nmg c4 v\r\n"), "VA 1\r\n9\r\nVA 2\r\n9 \r\n");
  EXPECT_EQ(Run("ma c4 M+ D18446744073709551615 v\r\n"), "VA 1\r\n8\r\n");  // wraps
  EXPECT_EQ(Run("ma c5 N0 J7 T100 t\r\n"), "HD t100\r\n");
  EXPECT_EQ(Run("ma c6 T100 N30 t\r\n"), "HD t30\r\n");
  EXPECT_EQ(Run("ma c7 M- N0 J7\r\nmg c7 v\r\n"), "HD\r\nVA 1\r\n7\r\n");  // J is not decremented
  EXPECT_EQ(stats_.incr_hits.Get(), 3u);
  EXPECT_EQ(stats_.decr_hits.Get(), 2u);
  EXPECT_EQ(stats_.incr_misses.Get(), 1u);
}

TEST_F(MetaExecutorTest, CompareCasOfArithmetic) {
  const std::string cas = CasOf(Run("ms n 1 c\r\n1\r\n"));
  EXPECT_EQ(Run("ma n C0 v\r\n"), "VA 1\r\n2\r\n");  // C0 does not compare, as in memcached
  EXPECT_EQ(Run("ma n C" + cas + "\r\n"), "EX\r\n");
  const std::string now_cas = CasOf(Run("mg n c\r\n"));
  EXPECT_EQ(Run("ma n C" + now_cas + " v\r\n"), "VA 1\r\n3\r\n");
}

TEST_F(MetaExecutorTest, DebugDumpsItemMetadata) {
  const std::string cas = CasOf(Run("ms b 3 T100 F5 c\r\nabc\r\n"));
  EXPECT_EQ(Run("me b\r\n"), "ME b exp=-100 la=0 cas=" + cas + " fetch=no cls=1 size=67\r\n");
  Run("mg b\r\n");
  clock_.Advance(2'000);
  EXPECT_EQ(Run("me b\r\n"), "ME b exp=-98 la=2 cas=" + cas + " fetch=yes cls=1 size=67\r\n");
  EXPECT_EQ(Run("me nope\r\n"), "EN\r\n");
  Run("ms big 200\r\n" + std::string(200, 'x') + "\r\n");
  EXPECT_THAT(Run("me big\r\n"), ::testing::HasSubstr(" exp=-1 la=0 cas="));
  EXPECT_THAT(Run("me big\r\n"), ::testing::EndsWith(" fetch=no cls=6 size=262\r\n"));
}

TEST_F(MetaExecutorTest, Base64KeysAreStoredDecodedAndPrintedEncoded) {
  EXPECT_EQ(Run("mg YWJj b k\r\n"), "EN kYWJj b\r\n");
  EXPECT_EQ(Run("ms YWJj 2 b k\r\nhi\r\n"), "HD kYWJj b\r\n");
  EXPECT_EQ(Run("mg YWJj b k v\r\n"), "VA 2 kYWJj b\r\nhi\r\n");
  EXPECT_EQ(Run("mg abc v\r\n"), "VA 2\r\nhi\r\n");  // the key is "abc"
  EXPECT_THAT(Run("me YWJj b\r\n"), ::testing::StartsWith("ME YWJj exp=-1 "));
  EXPECT_EQ(Run("md YWJj b q\r\nmg abc\r\n"), "EN\r\n");
}

TEST_F(MetaExecutorTest, ExplicitCasFlagSetsTheNewCas) {
  EXPECT_EQ(Run("ms a 2 E77 c\r\nhi\r\nmg a c\r\n"), "HD c77\r\nHD c77\r\n");
  EXPECT_EQ(Run("md a I E5\r\nmg a c\r\n"), "HD\r\nHD c5 X W\r\n");
  EXPECT_EQ(Run("ms n 1\r\n1\r\nma n E9 c\r\nmg n c\r\n"), "HD\r\nHD c9\r\nHD c9\r\n");
  EXPECT_EQ(Run("mg v N30 E55 c\r\n"), "HD c55 W\r\n");
  EXPECT_EQ(Run("ma w N0 E66 c\r\n"), "HD c66\r\n");
}

TEST_F(MetaExecutorTest, CountsLikeMemcached) {
  Run("mn\r\nmg a\r\nms a 1\r\n1\r\nmg a\r\nmg a T10\r\nmg b T10\r\nma a\r\nma b MD\r\nmd a\r\n");
  EXPECT_EQ(stats_.cmd_meta.Get(), 9u);  // every meta request
  EXPECT_EQ(stats_.cmd_get.Get(), 3u);   // a miss with T still counts as a get miss
  EXPECT_EQ(stats_.get_hits.Get(), 1u);
  EXPECT_EQ(stats_.get_misses.Get(), 2u);
  EXPECT_EQ(stats_.cmd_touch.Get(), 1u);
  EXPECT_EQ(stats_.touch_hits.Get(), 1u);
  EXPECT_EQ(stats_.cmd_set.Get(), 1u);
  EXPECT_EQ(stats_.incr_hits.Get(), 1u);
  EXPECT_EQ(stats_.decr_misses.Get(), 1u);
  EXPECT_EQ(stats_.delete_hits.Get(), 1u);
}

TEST_F(MetaExecutorTest, TooLargeSetDeletesTheOldItemInEveryMode) {
  // memcached 1.6.18 sizes the item before it looks at the mode or the CAS, and drops the old
  // item whenever that fails: unlike the classic add, replace, append, prepend and cas, every ms
  // form removes it. q does not hide the error, which carries no return flags.
  const std::string big(2'000'000, 'x');
  const std::string kTooLarge = "SERVER_ERROR object too large for cache\r\n";
  for (const std::string flags :
       {"", " MS", " ME", " MR", " MA", " MP", " C1", " I C1", " q", " O5 k c", " T0 F3", " CAS"}) {
    SCOPED_TRACE(flags);
    const std::string cas = CasOf(Run("ms k 3 c\r\nold\r\n"));
    const std::string request_flags = flags == " CAS" ? " C" + cas : flags;  // a matching CAS
    EXPECT_EQ(Run("ms k 2000000" + request_flags + "\r\n" + big + "\r\nmg k v\r\n"),
              kTooLarge + "EN\r\n");
  }
  EXPECT_EQ(Run("ms YWJj 2 b\r\nhi\r\nms YWJj 2000000 b\r\n" + big + "\r\nmg abc v\r\n"),
            "HD\r\n" + kTooLarge + "EN\r\n");
  EXPECT_EQ(Run("ms none 2000000\r\n" + big + "\r\nmg none\r\n"), kTooLarge + "EN\r\n");
  EXPECT_EQ(stats_.cmd_set.Get(), 13u);  // the small sets only
  // A request memcached refuses before sizing the item leaves it alone.
  EXPECT_EQ(Run("ms k 3\r\nold\r\nms k 2000000 MX\r\n" + big + "\r\nmg k v\r\n"),
            "HD\r\nCLIENT_ERROR invalid mode for ms M token\r\nVA 3\r\nold\r\n");
}

TEST_F(MetaExecutorTest, GetWithTouchBumpsUnlessToldNotTo) {
  // T takes the Update path, which marks the item fetched in the same step; u still skips it.
  Run("ms a 2\r\nhi\r\nms b 2\r\nhi\r\n");
  clock_.Advance(4'000);
  EXPECT_EQ(Run("mg a T30 h l\r\nmg a h l\r\n"), "HD h0 l4\r\nHD h1 l0\r\n");
  EXPECT_EQ(Run("mg b T30 u h l\r\nmg b h l\r\n"), "HD h0 l4\r\nHD h0 l4\r\n");
  EXPECT_EQ(Run("mg v N30 u\r\nmg v h\r\n"), "HD W\r\nHD h0 Z\r\n");
}

TEST_F(MetaExecutorTest, InvalidatingWithdrawsTheTokenAndKeepsTheItem) {
  const std::string cas = CasOf(Run("ms y 5 T100 F7 c\r\nhello\r\n"));
  EXPECT_EQ(Run("md y I\r\nmg y\r\n"), "HD\r\nHD X W\r\n");
  // Invalidated again while its token is out: one new CAS, the next reader wins again.
  EXPECT_EQ(Run("md y I E42\r\nmg y v c f t\r\n"), "HD\r\nVA 5 c42 f7 t100 X W\r\nhello\r\n");
  EXPECT_NE(cas, "42");
}

TEST_F(MetaExecutorTest, ParserErrorsReachTheClient) {
  EXPECT_EQ(Run("mg a zz\r\nms a 2 zz\r\nhi\r\nmn\r\n"),
            "CLIENT_ERROR invalid flag\r\nCLIENT_ERROR invalid flag\r\nMN\r\n");
}

}  // namespace
}  // namespace memkv::server
