// PlanDescriptors and ReservedDescriptors: what -c fits under which open-file limits. The real
// limits are exercised by descriptor_limit_integration_test.cc.
#include "server/descriptor_limit.h"

#include <sys/resource.h>

#include "absl/status/status.h"
#include "gtest/gtest.h"
#include "server/options.h"

namespace memkv::server {
namespace {

TEST(PlanDescriptorsTest, FitsUnderTheSoftLimitWithoutLoweringIt) {
  auto plan = PlanDescriptors(100, 29, 1024, 4096);
  ASSERT_TRUE(plan.ok());
  EXPECT_EQ(plan->connections, 100);
  EXPECT_EQ(plan->soft_limit, 1024u);
}

TEST(PlanDescriptorsTest, RaisesTheSoftLimitUpToWhatIsNeeded) {
  auto plan = PlanDescriptors(1000, 29, 64, 4096);
  ASSERT_TRUE(plan.ok());
  EXPECT_EQ(plan->connections, 1000);
  EXPECT_EQ(plan->soft_limit, 1029u);
  plan = PlanDescriptors(1000, 29, 64, RLIM_INFINITY);
  ASSERT_TRUE(plan.ok());
  EXPECT_EQ(plan->soft_limit, 1029u);
  plan = PlanDescriptors(4067, 29, 64, 4096);  // exactly the hard limit
  ASSERT_TRUE(plan.ok());
  EXPECT_EQ(plan->connections, 4067);
  EXPECT_EQ(plan->soft_limit, 4096u);
}

TEST(PlanDescriptorsTest, LowersTheConnectionsToWhatTheHardLimitFits) {
  auto plan = PlanDescriptors(100, 29, 64, 64);
  ASSERT_TRUE(plan.ok());
  EXPECT_EQ(plan->connections, 35);
  EXPECT_EQ(plan->soft_limit, 64u);
  plan = PlanDescriptors(5000, 29, 1024, 4096);
  ASSERT_TRUE(plan.ok());
  EXPECT_EQ(plan->connections, 4067);
  EXPECT_EQ(plan->soft_limit, 4096u);
}

TEST(PlanDescriptorsTest, RefusesAHardLimitThatFitsNoConnection) {
  EXPECT_EQ(PlanDescriptors(100, 29, 29, 29).status().code(),
            absl::StatusCode::kFailedPrecondition);
  EXPECT_TRUE(PlanDescriptors(100, 29, 30, 30).ok());
}

TEST(ReservedDescriptorsTest, GrowsWithThreadsDispatchersAndPorts) {
  Options options = DefaultOptions();
  options.threads = 2;
  const int64_t two = ReservedDescriptors(options);
  EXPECT_GE(two, 3 + 1 + 3 * 3 + 1);  // stdio, signalfd, three loops, a listener
  options.threads = 16;
  EXPECT_GT(ReservedDescriptors(options), two);
  options.threads = 2;
  options.dispatchers = 8;
  EXPECT_GT(ReservedDescriptors(options), two);
  options.dispatchers = 0;
  options.resp_port = 6379;
  EXPECT_GT(ReservedDescriptors(options), two);
}

}  // namespace
}  // namespace memkv::server
