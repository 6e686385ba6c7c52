// storage::SegmentLog: appends, sealing, cleaning with survivors and the reserve, releasing.
#include "storage/segment_log.h"

#include <cstring>
#include <set>
#include <vector>

#include "gtest/gtest.h"

namespace memkv::storage {
namespace {

constexpr size_t kSegment = 4096;

TEST(SegmentLogTest, AppendsUntilTheHeadIsFull) {
  SegmentLog log(kSegment);
  EXPECT_EQ(log.TryAppend(8), SegmentLog::kNull);  // no head yet
  ASSERT_TRUE(log.AllocateHead());
  std::set<uint32_t> refs;
  for (int i = 0; i < 4096 / 64; ++i) {
    const uint32_t ref = log.TryAppend(64);
    ASSERT_NE(ref, SegmentLog::kNull);
    EXPECT_TRUE(refs.insert(ref).second);
    std::memset(log.At(ref), i, 64);
  }
  EXPECT_EQ(log.TryAppend(8), SegmentLog::kNull);
  EXPECT_EQ(log.allocated_bytes(), 2 * kSegment);  // head + reserve
  // Neighbouring records did not overwrite each other.
  int i = 0;
  for (uint32_t ref : refs) EXPECT_EQ(static_cast<unsigned char>(log.At(ref)[63]), i++);
}

TEST(SegmentLogTest, CleaningVisitsRecordsOldestFirstAndFreesTheSegment) {
  SegmentLog log(kSegment);
  ASSERT_TRUE(log.AllocateHead());
  std::vector<uint32_t> first;
  for (int i = 0; i < 8; ++i) first.push_back(log.TryAppend(512));
  ASSERT_TRUE(log.AllocateHead());  // seals the first segment
  EXPECT_TRUE(log.has_sealed());
  std::vector<uint32_t> visited;
  log.CleanOldest([&](uint32_t ref) {
    visited.push_back(ref);
    return size_t{512};
  });
  EXPECT_EQ(visited, first);
  EXPECT_FALSE(log.has_sealed());
  // The cleaned segment is free: taking it needs no new allocation.
  const size_t before = log.allocated_bytes();
  EXPECT_TRUE(log.TakeFreeHead());
  EXPECT_EQ(log.allocated_bytes(), before);
}

TEST(SegmentLogTest, SurvivorsOverflowIntoTheReserve) {
  SegmentLog log(kSegment);
  ASSERT_TRUE(log.AllocateHead());
  for (int i = 0; i < 8; ++i) std::memset(log.At(log.TryAppend(512)), 'A' + i, 512);
  ASSERT_TRUE(log.AllocateHead());
  for (int i = 0; i < 7; ++i) log.TryAppend(512);  // head has room for one record only
  const size_t before = log.allocated_bytes();
  std::vector<uint32_t> moved;
  log.CleanOldest([&](uint32_t ref) {
    const uint32_t to = log.AppendForCleaning(512);  // every record survives
    std::memcpy(log.At(to), log.At(ref), 512);
    moved.push_back(to);
    return size_t{512};
  });
  EXPECT_EQ(log.allocated_bytes(), before);  // the reserve was used, no allocation
  for (int i = 0; i < 8; ++i) EXPECT_EQ(log.At(moved[i])[0], 'A' + i);
  // The cleaned segment became the new reserve: a second full cleaning works too.
  ASSERT_TRUE(log.has_sealed());
  log.CleanOldest([&](uint32_t ref) {
    std::memcpy(log.At(log.AppendForCleaning(512)), log.At(ref), 512);
    return size_t{512};
  });
  EXPECT_EQ(log.allocated_bytes(), before);
}

TEST(SegmentLogTest, ReleaseAndResetKeepAccounting) {
  SegmentLog log(kSegment);
  for (int i = 0; i < 4; ++i) {
    ASSERT_TRUE(log.AllocateHead());
    log.TryAppend(64);
  }
  EXPECT_EQ(log.allocated_bytes(), 5 * kSegment);
  EXPECT_FALSE(log.ReleaseOneFree());
  log.Reset();
  EXPECT_FALSE(log.has_sealed());
  int released = 0;
  while (log.ReleaseOneFree()) ++released;
  EXPECT_EQ(released, 4);
  EXPECT_EQ(log.allocated_bytes(), kSegment);  // the reserve stays
  ASSERT_TRUE(log.AllocateHead());             // reuses a released id
  EXPECT_NE(log.TryAppend(8), SegmentLog::kNull);
}

}  // namespace
}  // namespace memkv::storage
