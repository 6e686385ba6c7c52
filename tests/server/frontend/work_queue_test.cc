#include "server/frontend/work_queue.h"

#include <algorithm>
#include <atomic>
#include <cstdint>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace memkv::server {
namespace {

using ::testing::ElementsAre;
using ::testing::IsEmpty;

// An item that says who pushed it and its place in that producer's sequence.
struct Tagged {
  int producer = 0;
  int64_t index = 0;
};

TEST(WorkQueueTest, TakeAllReturnsItemsInPushOrder) {
  WorkQueue<int> queue;
  std::vector<int> batch = {1, 2, 3};
  queue.Push(&batch);
  EXPECT_THAT(batch, IsEmpty());
  queue.Push(4);
  std::vector<int> out;
  queue.TakeAll(&out);
  EXPECT_THAT(out, ElementsAre(1, 2, 3, 4));
  out.clear();
  queue.TakeAll(&out);
  EXPECT_THAT(out, IsEmpty());
}

TEST(WorkQueueTest, OnlyTheFirstPushSinceATakeAsksForAWakeUp) {
  WorkQueue<int> queue;
  EXPECT_TRUE(queue.Push(1));
  EXPECT_FALSE(queue.Push(2));
  std::vector<int> out;
  queue.TakeAll(&out);
  EXPECT_TRUE(queue.Push(3));
  // A take that finds the queue empty also re-arms the wake-up.
  out.clear();
  queue.TakeAll(&out);
  out.clear();
  queue.TakeAll(&out);
  EXPECT_TRUE(queue.Push(4));
}

TEST(WorkQueueTest, EmptyPushNeitherQueuesNorWakes) {
  WorkQueue<int> queue;
  std::vector<int> none;
  EXPECT_FALSE(queue.Push(&none));
  EXPECT_TRUE(queue.Push(1));
}

TEST(WorkQueueTest, MoveOnlyItemsAreMovedNotCopied) {
  WorkQueue<std::unique_ptr<std::string>> queue;
  queue.Push(std::make_unique<std::string>("a"));
  std::vector<std::unique_ptr<std::string>> batch;
  batch.push_back(std::make_unique<std::string>("b"));
  queue.Push(&batch);
  std::vector<std::unique_ptr<std::string>> out;
  queue.TakeAll(&out);
  ASSERT_EQ(out.size(), 2u);
  EXPECT_EQ(*out[0], "a");
  EXPECT_EQ(*out[1], "b");
}

TEST(WorkQueueTest, CloseWakesABlockedConsumerAndDropsLaterPushes) {
  WorkQueue<int> queue;
  std::atomic<bool> returned{false};
  bool result = true;
  std::thread consumer([&] {
    std::vector<int> out;
    result = queue.WaitTakeAll(&out);
    returned = true;
  });
  queue.Close();
  consumer.join();
  EXPECT_TRUE(returned);
  EXPECT_FALSE(result);
  EXPECT_FALSE(queue.Push(7));
  std::vector<int> out;
  queue.TakeAll(&out);
  EXPECT_THAT(out, IsEmpty());
}

TEST(WorkQueueTest, ItemsQueuedBeforeCloseCanStillBeTaken) {
  WorkQueue<int> queue;
  queue.Push(1);
  queue.Close();
  std::vector<int> out;
  EXPECT_TRUE(queue.WaitTakeAll(&out));
  EXPECT_THAT(out, ElementsAre(1));
  out.clear();
  EXPECT_FALSE(queue.WaitTakeAll(&out));
}

// Checks that `taken` holds every item of every producer exactly once, each producer's in the
// order it pushed them.
void ExpectEveryItemOnceInProducerOrder(const std::vector<Tagged>& taken, int producers,
                                        int64_t per_producer) {
  std::vector<int64_t> next(producers, 0);
  for (const Tagged& item : taken) {
    ASSERT_GE(item.producer, 0);
    ASSERT_LT(item.producer, producers);
    ASSERT_EQ(item.index, next[item.producer]) << "producer " << item.producer;
    ++next[item.producer];
  }
  for (int p = 0; p < producers; ++p) EXPECT_EQ(next[p], per_producer) << "producer " << p;
}

// Producers push in batches of varying size; returns when all have pushed everything.
void Produce(WorkQueue<Tagged>* queue, int producers, int64_t per_producer,
             std::vector<std::thread>* threads) {
  for (int p = 0; p < producers; ++p) {
    threads->emplace_back([queue, p, per_producer] {
      std::vector<Tagged> batch;
      int64_t i = 0;
      while (i < per_producer) {
        int64_t size = 1 + (i + p) % 7;  // 1..7 items per push
        for (int64_t k = 0; k < size && i < per_producer; ++k) batch.push_back({p, i++});
        queue->Push(&batch);
      }
    });
  }
}

TEST(WorkQueueTest, BlockingConsumerGetsEveryItemOnceInProducerOrder) {
  constexpr int kProducers = 4;
  constexpr int64_t kPerProducer = 50000;
  WorkQueue<Tagged> queue;
  std::vector<Tagged> taken;
  std::thread consumer([&] {
    std::vector<Tagged> out;
    while (queue.WaitTakeAll(&out)) {
      taken.insert(taken.end(), out.begin(), out.end());
      out.clear();
    }
  });
  std::vector<std::thread> producers;
  Produce(&queue, kProducers, kPerProducer, &producers);
  for (std::thread& t : producers) t.join();
  queue.Close();  // the consumer still takes what was queued before it stops
  consumer.join();
  ExpectEveryItemOnceInProducerOrder(taken, kProducers, kPerProducer);
}

// The event-loop style: the consumer drains only when a push said to wake it, as a dispatcher
// drains its return queue from a task posted by that push. No item may be stranded.
TEST(WorkQueueTest, WakeUpProtocolStrandsNoItem) {
  constexpr int kProducers = 3;
  constexpr int64_t kPerProducer = 50000;
  WorkQueue<Tagged> queue;
  WorkQueue<int> wakeups;  // stands in for the loop's posted tasks
  std::atomic<int> producers_done{0};
  std::vector<std::thread> producers;
  for (int p = 0; p < kProducers; ++p) {
    producers.emplace_back([&, p] {
      std::vector<Tagged> batch;
      for (int64_t i = 0; i < kPerProducer;) {
        int64_t size = 1 + (i + p) % 5;
        for (int64_t k = 0; k < size && i < kPerProducer; ++k) batch.push_back({p, i++});
        if (queue.Push(&batch)) wakeups.Push(1);
      }
      if (++producers_done == kProducers) wakeups.Close();
    });
  }
  std::vector<Tagged> taken;
  std::vector<int> tasks;
  std::vector<Tagged> out;
  while (wakeups.WaitTakeAll(&tasks)) {
    for (size_t t = 0; t < tasks.size(); ++t) {
      queue.TakeAll(&out);
      taken.insert(taken.end(), out.begin(), out.end());
      out.clear();
    }
    tasks.clear();
  }
  for (std::thread& t : producers) t.join();
  // Every push either woke the consumer or came before a take that a wake-up caused: after the
  // last wake-up was handled, nothing is left.
  queue.TakeAll(&out);
  EXPECT_THAT(out, IsEmpty());
  ExpectEveryItemOnceInProducerOrder(taken, kProducers, kPerProducer);
}

}  // namespace
}  // namespace memkv::server
