// storage::BucketIndex: linear-hashing splits keep every entry reachable in the right bucket.
#include "storage/bucket_index.h"

#include <cstdint>
#include <vector>

#include "gtest/gtest.h"

namespace memkv::storage {
namespace {

// Entries 1..n with a made-up hash each and a `next` link, standing in for item records.
struct Entries {
  explicit Entries(size_t n) : hash(n + 1), next(n + 1, 0) {
    for (size_t i = 1; i <= n; ++i) hash[i] = (i * 0x9E3779B97F4A7C15ull) ^ (i << 7);
  }
  std::vector<uint64_t> hash;
  std::vector<uint32_t> next;
};

void Insert(BucketIndex& index, Entries& entries, uint32_t ref) {
  uint32_t& head = index.Head(index.BucketOf(entries.hash[ref]));
  entries.next[ref] = head;
  head = ref;
}

// Every entry is in the chain of the bucket its hash maps to, exactly once.
void ExpectConsistent(BucketIndex& index, const Entries& entries, size_t count) {
  size_t seen = 0;
  for (size_t bucket = 0; bucket < index.bucket_count(); ++bucket) {
    for (uint32_t ref = index.Head(bucket); ref != 0; ref = entries.next[ref]) {
      ASSERT_EQ(index.BucketOf(entries.hash[ref]), bucket) << ref;
      ++seen;
    }
  }
  EXPECT_EQ(seen, count);
}

TEST(BucketIndexTest, SplitsOneBucketAtATimeAndKeepsEntriesReachable) {
  constexpr size_t kEntries = 10'000;
  Entries entries(kEntries);
  BucketIndex index;
  const size_t initial = index.bucket_count();
  for (uint32_t ref = 1; ref <= kEntries; ++ref) {
    Insert(index, entries, ref);
    if (ref > index.bucket_count()) {
      const size_t before = index.bucket_count();
      index.Split([&](uint32_t r) { return entries.hash[r]; },
                  [&](uint32_t r) { return &entries.next[r]; });
      ASSERT_EQ(index.bucket_count(), before + 1);
    }
  }
  EXPECT_EQ(index.bucket_count(), std::max(initial, kEntries));
  ExpectConsistent(index, entries, kEntries);
  // Memory is the chunks actually needed: 4 bytes per bucket plus at most one partial chunk.
  EXPECT_LE(index.memory_bytes(), (index.bucket_count() + 1024) * 4 + 1024);
}

TEST(BucketIndexTest, ClearEmptiesEveryBucket) {
  Entries entries(3000);
  BucketIndex index;
  for (uint32_t ref = 1; ref <= 3000; ++ref) {
    Insert(index, entries, ref);
    if (ref > index.bucket_count()) {
      index.Split([&](uint32_t r) { return entries.hash[r]; },
                  [&](uint32_t r) { return &entries.next[r]; });
    }
  }
  index.Clear();
  ExpectConsistent(index, entries, 0);
}

}  // namespace
}  // namespace memkv::storage
