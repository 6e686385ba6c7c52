// ClientMemoryBudget: the policy (what is counted, who is asked to close, and how many), with
// evictors that record the request instead of posting it to a loop.
#include "server/conn/client_memory_budget.h"

#include <memory>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace memkv::server {
namespace {

using ::testing::ElementsAre;
using ::testing::IsEmpty;

constexpr size_t kKiB = 1024;
constexpr size_t kMiB = 1024 * 1024;

class ClientMemoryBudgetTest : public ::testing::Test {
 protected:
  // The budget outlives the accounts, as the server's outlives its connections.
  ClientMemoryBudget& MakeBudget(size_t limit) {
    budget_ = std::make_unique<ClientMemoryBudget>(limit);
    return *budget_;
  }

  // A connection's account; its evictor records the connection's number in asked_.
  ClientMemoryBudget::Account* Open(ClientMemoryBudget* budget, size_t bytes = 0) {
    const int number = static_cast<int>(accounts_.size());
    accounts_.push_back(std::make_unique<ClientMemoryBudget::Account>());
    accounts_.back()->Attach(budget, [this, number] { asked_.push_back(number); });
    accounts_.back()->Update(bytes);
    return accounts_.back().get();
  }
  void Close(int number) { accounts_[number].reset(); }

  std::unique_ptr<ClientMemoryBudget> budget_;
  std::vector<std::unique_ptr<ClientMemoryBudget::Account>> accounts_;
  std::vector<int> asked_;
};

TEST_F(ClientMemoryBudgetTest, CountsWhatEveryConnectionHoldsAndGivesItBackOnClose) {
  ClientMemoryBudget& budget = MakeBudget(0);
  ClientMemoryBudget::Account* a = Open(&budget, 100);
  Open(&budget, 5 * kMiB);
  EXPECT_EQ(budget.used(), 100 + 5 * kMiB);
  a->Update(40);
  EXPECT_EQ(budget.used(), 40 + 5 * kMiB);
  Close(1);
  EXPECT_EQ(budget.used(), 40u);
  Close(0);
  EXPECT_EQ(budget.used(), 0u);
}

TEST_F(ClientMemoryBudgetTest, WithoutALimitNobodyIsAsked) {
  ClientMemoryBudget& budget = MakeBudget(0);
  Open(&budget, 900 * kMiB);
  Open(&budget, 900 * kMiB);
  EXPECT_THAT(asked_, IsEmpty());
}

TEST_F(ClientMemoryBudgetTest, UnderTheLimitNobodyIsAsked) {
  ClientMemoryBudget& budget = MakeBudget(4 * kMiB);
  Open(&budget, 2 * kMiB);
  Open(&budget, 2 * kMiB);
  EXPECT_EQ(budget.used(), 4 * kMiB);
  EXPECT_THAT(asked_, IsEmpty());
}

TEST_F(ClientMemoryBudgetTest, TheLargestIsAskedFirstEvenWhenAnotherWentOver) {
  ClientMemoryBudget& budget = MakeBudget(4 * kMiB);
  Open(&budget, 100 * kKiB);
  Open(&budget, 3 * kMiB);
  ClientMemoryBudget::Account* growing = Open(&budget, 200 * kKiB);
  EXPECT_THAT(asked_, IsEmpty());
  growing->Update(1 * kMiB);  // over by 100 KiB plus a little: the 3 MiB holder covers it
  EXPECT_THAT(asked_, ElementsAre(1));
}

TEST_F(ClientMemoryBudgetTest, AsTheExcessGrowsTheNextLargestAreAskedInOrder) {
  ClientMemoryBudget& budget = MakeBudget(1 * kMiB);
  Open(&budget, 300 * kKiB);
  Open(&budget, 100 * kKiB);
  Open(&budget, 40 * kKiB);
  // Connections too small to be asked push the total ever further over the limit: each time the
  // victims already closing no longer cover the excess, the next largest is asked.
  for (int i = 0; i < 100 && asked_.size() < 3; ++i) Open(&budget, 31 * kKiB);
  EXPECT_THAT(asked_, ElementsAre(0, 1, 2));
}

TEST_F(ClientMemoryBudgetTest, SmallConnectionsAreNeverAsked) {
  ClientMemoryBudget& budget = MakeBudget(64 * kKiB);
  for (int i = 0; i < 10; ++i) Open(&budget, 16 * kKiB);  // under kMinEvictableBytes each
  EXPECT_GT(budget.used(), budget.limit());
  EXPECT_THAT(asked_, IsEmpty());
  Open(&budget, ClientMemoryBudget::kMinEvictableBytes);
  EXPECT_THAT(asked_, ElementsAre(10));
}

TEST_F(ClientMemoryBudgetTest, AConnectionThatShrankBelowTheMinimumIsNotAsked) {
  ClientMemoryBudget& budget = MakeBudget(1 * kMiB);
  ClientMemoryBudget::Account* shrinking = Open(&budget, 512 * kKiB);
  shrinking->Update(1 * kKiB);
  for (int i = 0; i < 70; ++i) Open(&budget, 16 * kKiB);  // 1.1 MiB of small connections
  EXPECT_THAT(asked_, IsEmpty());
}

TEST_F(ClientMemoryBudgetTest, AVictimStillClosingIsAskedOnceAndCountsAsFreed) {
  ClientMemoryBudget& budget = MakeBudget(1 * kMiB);
  ClientMemoryBudget::Account* greedy = Open(&budget, 2 * kMiB);
  EXPECT_THAT(asked_, ElementsAre(0));
  // It goes on growing until its close runs on its own thread; so does another, smaller one.
  greedy->Update(3 * kMiB);
  ClientMemoryBudget::Account* other = Open(&budget, 100 * kKiB);
  other->Update(200 * kKiB);
  EXPECT_THAT(asked_, ElementsAre(0)) << "the closing victim's 3 MiB covers the excess";
  Close(0);
  other->Update(2 * kMiB);
  EXPECT_THAT(asked_, ElementsAre(0, 1));
}

TEST_F(ClientMemoryBudgetTest, EvictionsAreCountedByTheConnectionsThatClose) {
  ClientMemoryBudget& budget = MakeBudget(1 * kMiB);
  ClientMemoryBudget::Account* a = Open(&budget, 2 * kMiB);
  EXPECT_EQ(budget.evicted(), 0u);
  a->CountEviction();
  EXPECT_EQ(budget.evicted(), 1u);
}

TEST_F(ClientMemoryBudgetTest, ADetachedAccountReportsNothing) {
  ClientMemoryBudget::Account detached;
  detached.Update(100 * kMiB);
  detached.CountEviction();
  EXPECT_EQ(detached.bytes(), 0u);
}

TEST(ClientMemoryBudgetDefaultTest, AQuarterOfMemoryLimitAtLeast32MiB) {
  EXPECT_EQ(ClientMemoryBudget::DefaultLimit(64), 32 * kMiB);
  EXPECT_EQ(ClientMemoryBudget::DefaultLimit(128), 32 * kMiB);
  EXPECT_EQ(ClientMemoryBudget::DefaultLimit(1024), 256 * kMiB);
}

}  // namespace
}  // namespace memkv::server
