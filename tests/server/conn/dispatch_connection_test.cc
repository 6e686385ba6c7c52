// Unit tests of DispatchConnection (the dispatch modes' per-connection framing, batching and
// in-order replies) and of ExecuteDispatchBatch, over a fake EventLoop and a fake host
// that the test drives by hand: the test decides which "worker" executes each batch and when
// its answer comes back, when sends complete, and when the peer goes away. No sockets, no
// threads, no timing.
#include "server/conn/dispatch_connection.h"

#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <deque>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "gtest/gtest.h"
#include "server/conn/dispatch_batch.h"
#include "server/conn/request_pipeline.h"
#include "storage/clock.h"
#include "storage/engine.h"
#include "tests/support/fake_event_loop.h"

namespace memkv::server {
namespace {

// Stands in for the dispatcher: keeps submitted batches for the test to execute and return.
class FakeHost final : public DispatchHost {
 public:
  void Submit(DispatchBatch batch) override {
    EXPECT_TRUE(submitted.empty()) << "a second batch of one connection in flight";
    submitted.push_back(std::move(batch));
    ++submissions;
  }
  void Closed(uint64_t id) override {
    closed_id = id;
    connection.reset();
  }

  std::unique_ptr<DispatchConnection> connection;
  std::vector<DispatchBatch> submitted;
  int submissions = 0;
  std::optional<uint64_t> closed_id;
};

std::string Repeat(std::string_view piece, int times) {
  std::string out;
  for (int i = 0; i < times; ++i) out.append(piece);
  return out;
}

class DispatchConnectionTest : public ::testing::Test {
 protected:
  DispatchConnectionTest()
      : engine_(*storage::Engine::Create(EngineOptionsFor(), &clock_)), pipeline_(size_t{1} << 20) {
    EXPECT_EQ(socketpair(AF_UNIX, SOCK_STREAM, 0, fds_), 0);
    DispatchConnection::Env env;
    env.loop = &loop_;
    env.host = &host_;
    env.pipeline = &pipeline_;
    env.stats = &dispatcher_stats_;
    host_.connection = std::make_unique<DispatchConnection>(kId, fds_[0], PortDialect::kAuto, 7,
                                                            env, ConnectionSlot());
    for (auto& stats : worker_stats_) contexts_.push_back({engine_.get(), &stats, nullptr});
  }

  ~DispatchConnectionTest() override {
    host_.connection.reset();
    close(fds_[0]);
    close(fds_[1]);
  }

  static storage::EngineOptions EngineOptionsFor() {
    storage::EngineOptions options;
    options.start_background_reclaimer = false;
    return options;
  }

  DispatchConnection* conn() { return host_.connection.get(); }
  void Receive(std::string_view data) { conn()->OnReceive(data); }

  // Executes the batch in flight on worker `w` and hands it back. False if none was in flight.
  bool ExecuteOn(int w) {
    if (host_.submitted.empty()) return false;
    DispatchBatch batch = std::move(host_.submitted.front());
    host_.submitted.clear();
    ExecuteDispatchBatch(pipeline_, contexts_[w], &batch);
    if (conn() != nullptr) conn()->OnBatchDone(std::move(batch));
    return true;
  }

  void CompleteSend() {
    ASSERT_TRUE(loop_.in_flight.has_value());
    loop_.in_flight.reset();
    conn()->OnSendComplete();
  }

  // Executes batches (rotating over the workers) and completes sends until nothing is left.
  void Drain() {
    for (int i = 0; i < 100000 && conn() != nullptr; ++i) {
      bool moved = ExecuteOn(i % kWorkers);
      if (conn() != nullptr && loop_.in_flight.has_value()) {
        CompleteSend();
        moved = true;
      }
      if (!moved) return;
    }
  }

  static constexpr uint64_t kId = 42;
  static constexpr int kWorkers = 3;
  storage::FakeClock clock_;
  std::unique_ptr<storage::Engine> engine_;
  PipelineConfig pipeline_;
  int fds_[2] = {-1, -1};
  FakeEventLoop loop_;
  FakeHost host_;
  CommandStats dispatcher_stats_;
  CommandStats worker_stats_[kWorkers];
  std::vector<ExecContext> contexts_;
};

TEST_F(DispatchConnectionTest, OneRequestMakesOneBatch) {
  Receive("set a 0 0 1\r\nx\r\n");
  ASSERT_EQ(host_.submitted.size(), 1u);
  EXPECT_EQ(host_.submitted[0].connection_id, kId);
  EXPECT_EQ(host_.submitted[0].executable, 1);
  EXPECT_EQ(loop_.AllSent(), "");
  ASSERT_TRUE(ExecuteOn(0));
  EXPECT_EQ(loop_.AllSent(), "STORED\r\n");
  EXPECT_EQ(worker_stats_[0].requests.Get(), 1u);
  EXPECT_EQ(dispatcher_stats_.bytes_read.Get(), 16u);
}

TEST_F(DispatchConnectionTest, PipelinedRequestsKeepTheirOrderAcrossWorkers) {
  // A set, then a get of the same key, then an incr: each depends on the one before, and the
  // batches run on different workers in turn.
  std::string input;
  std::string expected;
  for (int i = 0; i < 200; ++i) {
    std::string key = "k" + std::to_string(i % 7);
    input += "set " + key + " 0 0 " + std::to_string(std::to_string(i).size()) + "\r\n" +
             std::to_string(i) + "\r\n";
    input += "get " + key + "\r\n";
    input += "incr " + key + " 1\r\n";
    expected += "STORED\r\nVALUE " + key + " 0 " + std::to_string(std::to_string(i).size()) +
                "\r\n" + std::to_string(i) + "\r\nEND\r\n" + std::to_string(i + 1) + "\r\n";
  }
  Receive(input);
  Drain();
  EXPECT_EQ(loop_.AllSent(), expected);
  EXPECT_GE(host_.submissions, 600 / DispatchConnection::kMaxBatchRequests);
  for (const CommandStats& stats : worker_stats_) EXPECT_GT(stats.requests.Get(), 0u);
}

TEST_F(DispatchConnectionTest, RequestsCutAtAnyByteMakeTheSameReplies) {
  const std::string input =
      "set a 0 0 5\r\nhello\r\nget a\r\nmg a v\r\nincr n 1\r\nbogus\r\nappend a 0 0 1\r\n!\r\n"
      "get a\r\n";
  const std::string expected =
      "STORED\r\nVALUE a 0 5\r\nhello\r\nEND\r\nVA 5\r\nhello\r\nNOT_FOUND\r\nERROR\r\n"
      "STORED\r\nVALUE a 0 6\r\nhello!\r\nEND\r\n";
  for (size_t fragment : {1, 2, 3, 5, 7, 10, 64}) {
    FakeEventLoop loop;
    FakeHost host;
    DispatchConnection::Env env;
    env.loop = &loop;
    env.host = &host;
    env.pipeline = &pipeline_;
    env.stats = &dispatcher_stats_;
    host.connection = std::make_unique<DispatchConnection>(1, fds_[0], PortDialect::kAuto, 1, env,
                                                           ConnectionSlot());
    engine_->Delete("a");
    for (size_t pos = 0; pos < input.size(); pos += fragment) {
      host.connection->OnReceive(std::string_view(input).substr(pos, fragment));
      // Answer at once half of the time, later the other half.
      if ((pos / fragment) % 2 == 0 && !host.submitted.empty()) {
        DispatchBatch batch = std::move(host.submitted.front());
        host.submitted.clear();
        ExecuteDispatchBatch(pipeline_, contexts_[pos % kWorkers], &batch);
        host.connection->OnBatchDone(std::move(batch));
      }
      if (loop.in_flight) {
        loop.in_flight.reset();
        host.connection->OnSendComplete();
      }
    }
    for (int i = 0; i < 100 && (!host.submitted.empty() || loop.in_flight); ++i) {
      if (!host.submitted.empty()) {
        DispatchBatch batch = std::move(host.submitted.front());
        host.submitted.clear();
        ExecuteDispatchBatch(pipeline_, contexts_[i % kWorkers], &batch);
        host.connection->OnBatchDone(std::move(batch));
      }
      if (loop.in_flight) {
        loop.in_flight.reset();
        host.connection->OnSendComplete();
      }
    }
    EXPECT_EQ(loop.AllSent(), expected) << "fragment size " << fragment;
  }
}

TEST_F(DispatchConnectionTest, ParseErrorsStayInOrderWithExecutedReplies) {
  // The error is known on the dispatcher, but written between the replies around it.
  Receive("get a\r\n");
  Receive("bogus\r\nget a\r\n");
  ASSERT_EQ(host_.submitted.size(), 1u);
  Drain();
  EXPECT_EQ(loop_.AllSent(), "END\r\nERROR\r\nEND\r\n");
  EXPECT_EQ(dispatcher_stats_.protocol_errors.Get(), 1u);
}

TEST_F(DispatchConnectionTest, ParseErrorAloneIsAnsweredWithoutAWorker) {
  Receive("bogus\r\n");
  EXPECT_TRUE(host_.submitted.empty());
  EXPECT_EQ(loop_.AllSent(), "ERROR\r\n");
}

TEST_F(DispatchConnectionTest, RefusedValueIsSwallowedAcrossReceives) {
  // A value larger than -I is refused at its header and its bytes dropped as they arrive.
  std::string big(2 << 20, 'v');
  Receive("set big 0 0 " + std::to_string(big.size()) + "\r\n");
  Receive(big.substr(0, 1000));
  Receive(big.substr(1000) + "\r\nget big\r\n");
  Drain();
  EXPECT_EQ(loop_.AllSent(), "SERVER_ERROR object too large for cache\r\nEND\r\n");
}

TEST_F(DispatchConnectionTest, TooLargeSetIsExecutedAndRemovesTheOldValue) {
  // Framed from its command line alone: a worker deletes the old item and answers while the
  // value is still arriving; the value's bytes never reach a batch.
  Receive("set k 0 0 3\r\nold\r\nms m 3\r\nold\r\n");
  Drain();
  loop_.sent.clear();
  std::string big(2 << 20, 'v');
  Receive("set k 0 0 " + std::to_string(big.size()) + " noreply\r\n" + big.substr(0, 1000));
  ASSERT_EQ(host_.submitted.size(), 1u);
  EXPECT_LT(host_.submitted[0].bytes.size(), 100u);
  Drain();
  Receive(big.substr(1000) + "\r\nms m " + std::to_string(big.size()) + " MR\r\n" + big +
          "\r\nget k\r\nmg m v\r\n");
  Drain();
  EXPECT_EQ(loop_.AllSent(), "SERVER_ERROR object too large for cache\r\nEND\r\nEN\r\n");
  EXPECT_EQ(dispatcher_stats_.protocol_errors.Get(), 0u);
}

TEST_F(DispatchConnectionTest, OnlyOneBatchInFlightAndReceivingPausesWhenTheNextIsFull) {
  constexpr int kBatch = DispatchConnection::kMaxBatchRequests;
  Receive(Repeat("get a\r\n", 4 * kBatch));
  // One batch at a worker, one full batch waiting; the rest of the input stays unframed.
  EXPECT_EQ(host_.submitted.size(), 1u);
  EXPECT_EQ(host_.submitted[0].executable, kBatch);
  EXPECT_TRUE(loop_.paused);
  ASSERT_TRUE(ExecuteOn(1));
  // The waiting batch left, the next one filled from the input, and a batch's worth is left.
  EXPECT_EQ(host_.submitted.size(), 1u);
  EXPECT_TRUE(loop_.paused) << "a full batch still waits behind the one in flight";
  ASSERT_TRUE(ExecuteOn(2));
  EXPECT_TRUE(loop_.paused) << "everything is framed, but a full batch waits";
  ASSERT_TRUE(ExecuteOn(0));
  EXPECT_FALSE(loop_.paused);
  Drain();
  EXPECT_EQ(loop_.AllSent(), Repeat("END\r\n", 4 * kBatch));
  EXPECT_EQ(host_.submissions, 4);
}

// `get v v v ...` naming a 1 MB item 40 times: the worker stops the batch at the output limit,
// the connection sends what it got and runs the rest (the paused get, then what followed it)
// in later batches, in order (issue 12 item 3).
TEST_F(DispatchConnectionTest, AHugeMultiGetIsAnsweredInPartsInOrder) {
  std::string value((1 << 20) - 100, 'v');
  ASSERT_TRUE(engine_->Store("v", value, storage::StoreArgs{}).ok());
  Receive("get" + Repeat(" v", 40) + "\r\nversion\r\nget v\r\n");
  size_t largest = 0;
  for (int i = 0; i < 1000 && conn() != nullptr; ++i) {
    bool moved = ExecuteOn(i % kWorkers);
    if (loop_.in_flight.has_value()) {
      largest = std::max(largest, loop_.in_flight->size());
      CompleteSend();
      moved = true;
    }
    if (!moved) break;
  }
  const std::string block = "VALUE v 0 " + std::to_string(value.size()) + "\r\n" + value + "\r\n";
  EXPECT_LE(largest, DispatchConnection::kOutputHighWater + block.size());
  EXPECT_EQ(loop_.AllSent(),
            Repeat(block, 40) + "END\r\nVERSION 1.6.18-memkv-0.1\r\n" + block + "END\r\n");
  uint64_t executed = 0;
  for (const CommandStats& s : worker_stats_) executed += s.requests.Get();
  EXPECT_EQ(executed, 3u) << "a paused get is one request";
}

TEST_F(DispatchConnectionTest, AClientThatDoesNotReadStopsBeingServedAndIsPaused) {
  std::string value(512 << 10, 'x');
  ASSERT_TRUE(engine_->Store("v", value, storage::StoreArgs{}).ok());
  Receive(Repeat("get v\r\n", 100));  // 50 MB of replies
  // The loop never completes the first send: the client does not read.
  for (int w = 0; w < 100 && ExecuteOn(w % kWorkers);) ++w;
  uint64_t executed = 0;
  for (const CommandStats& s : worker_stats_) executed += s.requests.Get();
  // Output holds about one high-water mark plus one batch of replies; nothing more runs.
  EXPECT_LT(executed * value.size(),
            DispatchConnection::kOutputHighWater +
                DispatchConnection::kMaxBatchRequests * (value.size() + 100));
  EXPECT_LT(executed, 100u);
  EXPECT_TRUE(loop_.paused);
  EXPECT_FALSE(host_.connection->batch_in_flight());
  // Once the client reads, the rest is served.
  Drain();
  executed = 0;
  for (const CommandStats& s : worker_stats_) executed += s.requests.Get();
  EXPECT_EQ(executed, 100u);
  EXPECT_FALSE(loop_.paused);
  EXPECT_EQ(loop_.AllSent().size(),
            100 * (value.size() + std::string("VALUE v 0 \r\n\r\nEND\r\n").size() +
                   std::to_string(value.size()).size()));
}

// The peer's half-close (FIN) while a batch is at a worker: the replies are written when the
// batch comes back, and only then does the connection close (`printf 'version\r\n' | nc -N`).
TEST_F(DispatchConnectionTest, AnswersEverythingReceivedBeforeThePeersFinThenCloses) {
  Receive("version\r\n");
  ASSERT_TRUE(conn()->batch_in_flight());
  conn()->OnPeerClosed();
  EXPECT_FALSE(loop_.close_requested) << "the batch is still at a worker";
  ASSERT_TRUE(ExecuteOn(0));
  EXPECT_FALSE(loop_.close_requested) << "its reply is still being written";
  CompleteSend();
  EXPECT_TRUE(loop_.close_requested);
  EXPECT_EQ(loop_.AllSent(), "VERSION 1.6.18-memkv-0.1\r\n");
}

TEST_F(DispatchConnectionTest, PeersFinWithSeveralBatchesQueuedAnswersThemAll) {
  const int requests = 5 * DispatchConnection::kMaxBatchRequests;
  Receive(Repeat("get nothing\r\n", requests) + "get cut");
  conn()->OnPeerClosed();
  Drain();
  EXPECT_EQ(loop_.AllSent(), Repeat("END\r\n", requests));
  EXPECT_TRUE(loop_.close_requested) << "a request cut by the FIN can never complete";
}

TEST_F(DispatchConnectionTest, PeersFinOnAnIdleConnectionClosesAtOnce) {
  conn()->OnPeerClosed();
  EXPECT_TRUE(loop_.close_requested);
  EXPECT_EQ(host_.submissions, 0);
}

// The loop's OnIdle (--idle-timeout) on a dispatcher's connection: not while a batch is at a
// worker or its replies are being written; once it owes nothing, closed silently and counted in
// the dispatcher's stats.
TEST_F(DispatchConnectionTest, IdleClosesOnlyOnceNothingIsOwed) {
  Receive("version\r\n");
  ASSERT_TRUE(conn()->batch_in_flight());
  conn()->OnIdle();
  EXPECT_FALSE(loop_.close_requested) << "the batch is still at a worker";
  ASSERT_TRUE(ExecuteOn(0));
  conn()->OnIdle();
  EXPECT_FALSE(loop_.close_requested) << "its reply is still being written";
  CompleteSend();
  EXPECT_EQ(dispatcher_stats_.idle_kicks.Get(), 0u);
  conn()->OnIdle();
  EXPECT_TRUE(loop_.close_requested);
  EXPECT_EQ(loop_.AllSent(), "VERSION 1.6.18-memkv-0.1\r\n");
  EXPECT_EQ(dispatcher_stats_.idle_kicks.Get(), 1u);
  conn()->OnClosed();
  EXPECT_EQ(host_.closed_id, kId);
}

TEST_F(DispatchConnectionTest, QuitClosesAfterTheRepliesBeforeItAndRunsNothingAfter) {
  Receive("set q 0 0 1\r\n1\r\nquit\r\nset q 0 0 1\r\n2\r\n");
  ASSERT_TRUE(ExecuteOn(0));
  EXPECT_FALSE(loop_.close_requested) << "the reply before quit is still being written";
  CompleteSend();
  EXPECT_TRUE(loop_.close_requested);
  EXPECT_EQ(loop_.AllSent(), "STORED\r\n");
  EXPECT_TRUE(host_.submitted.empty());
  conn()->OnClosed();
  EXPECT_EQ(host_.closed_id, kId);
  std::string seen;
  engine_->Get("q", [&](const storage::ItemView& item) { seen = item.value; });
  EXPECT_EQ(seen, "1");
}

TEST_F(DispatchConnectionTest, FatalParseErrorClosesAfterEarlierReplies) {
  // A RESP connection with a bad bulk length cannot be framed any more.
  Receive("*1\r\n$4\r\nPING\r\n*1\r\n$-5\r\n");
  Drain();
  EXPECT_TRUE(loop_.close_requested);
  EXPECT_EQ(loop_.AllSent().substr(0, 7), "+PONG\r\n");
  EXPECT_GT(loop_.AllSent().size(), 7u) << "the protocol error is answered";
}

TEST_F(DispatchConnectionTest, ClosingWithABatchInFlightDestroysOnlyAfterTheCallback) {
  Receive("get a\r\n");
  ASSERT_EQ(host_.submitted.size(), 1u);
  conn()->OnClosed();  // the peer went away while a worker holds the batch
  EXPECT_EQ(host_.closed_id, kId);
  EXPECT_EQ(conn(), nullptr);
  EXPECT_EQ(dispatcher_stats_.curr_connections.Get(), 0);
  // The host drops the answer: it no longer knows the id.
}

TEST_F(DispatchConnectionTest, AStaleAnswerIsIgnored) {
  Receive("get a\r\n");
  DispatchBatch batch = std::move(host_.submitted.front());
  host_.submitted.clear();
  DispatchBatch stale;
  stale.connection_id = kId;
  stale.sequence = batch.sequence + 5;
  stale.replies.bytes() = "garbage\r\n";
  conn()->OnBatchDone(std::move(stale));
  EXPECT_EQ(loop_.AllSent(), "");
  EXPECT_TRUE(conn()->batch_in_flight());
  ExecuteDispatchBatch(pipeline_, contexts_[0], &batch);
  conn()->OnBatchDone(std::move(batch));
  EXPECT_EQ(loop_.AllSent(), "END\r\n");
}

TEST_F(DispatchConnectionTest, RespSessionTravelsWithTheBatch) {
  Receive("*3\r\n$6\r\nCLIENT\r\n$7\r\nSETNAME\r\n$3\r\nabc\r\n");
  Drain();
  Receive("*2\r\n$6\r\nCLIENT\r\n$7\r\nGETNAME\r\n*2\r\n$6\r\nCLIENT\r\n$2\r\nID\r\n");
  Drain();
  EXPECT_EQ(loop_.AllSent(), "+OK\r\n$3\r\nabc\r\n:7\r\n");
}

TEST(ExecuteBatchTest, LiteralsAndRepliesInItemOrderAndStopAtQuit) {
  storage::FakeClock clock;
  storage::EngineOptions options;
  options.start_background_reclaimer = false;
  auto engine = *storage::Engine::Create(options, &clock);
  PipelineConfig pipeline(size_t{1} << 20);
  CommandStats stats;
  ExecContext context{engine.get(), &stats, nullptr};
  DispatchBatch batch;
  auto add = [&](DispatchItem::Kind kind, std::string_view bytes) {
    batch.items.push_back({kind, Dialect::kText, batch.bytes.size(), bytes.size()});
    batch.bytes.append(bytes);
    if (kind == DispatchItem::Kind::kExecute) ++batch.executable;
  };
  add(DispatchItem::Kind::kExecute, "set a 0 0 1\r\n1\r\n");
  add(DispatchItem::Kind::kLiteral, "ERROR\r\n");
  add(DispatchItem::Kind::kExecute, "get a\r\n");
  add(DispatchItem::Kind::kExecute, "quit\r\n");
  add(DispatchItem::Kind::kExecute, "set a 0 0 1\r\n2\r\n");
  ExecuteDispatchBatch(pipeline, context, &batch);
  EXPECT_EQ(batch.replies.bytes(), "STORED\r\nERROR\r\nVALUE a 0 1\r\n1\r\nEND\r\n");
  EXPECT_TRUE(batch.close);
  EXPECT_EQ(stats.requests.Get(), 3u);
}

}  // namespace
}  // namespace memkv::server
