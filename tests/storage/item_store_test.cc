// storage::ItemStore and ItemRecord: the compact layout, large values, index growth, the memory
// budget under long overwrite workloads, second chances, and aliasing while cleaning.
#include "storage/item_store.h"

#include <random>
#include <string>
#include <unordered_map>

#include "gtest/gtest.h"
#include "storage/key_hash.h"

namespace memkv::storage {
namespace {

constexpr int64_t kNow = 1'700'000'000'000;

// The stores below are built with seed 0.
uint64_t Hash(std::string_view key) { return KeyHash(key, 0); }

absl::Status Put(ItemStore& store, std::string_view key, std::string_view value,
                 const ItemMeta& meta = {}) {
  const std::string_view parts[2] = {value, {}};
  return store.Put(key, Hash(key), parts, meta, kNow);
}

std::optional<std::string> Get(ItemStore& store, std::string_view key) {
  const ItemStore::Ref ref = store.Find(key, Hash(key));
  if (ref == ItemStore::kNull) return std::nullopt;
  return std::string(store.Value(ref));
}

// Stores 100-byte "cold<i>" items until "cold0", the first of them, is evicted: the segments
// written before it have then been cleaned exactly once, which a second chance survives.
void FillUntilFirstColdItemIsEvicted(ItemStore& store) {
  for (int i = 0; Get(store, "cold0").has_value() || i == 0; ++i) {
    ASSERT_LT(i, 100'000);
    ASSERT_TRUE(Put(store, "cold" + std::to_string(i), std::string(100, 'c')).ok());
  }
}

TEST(ItemRecordTest, OverheadIs24BytesForTheReferenceItem) {
  // 20-byte key, 100-byte value: 22 header bytes, padded to 144.
  EXPECT_EQ(ItemRecord::SizeFor(20, 100, {}, false), 144u);
  ItemMeta with_flags;
  with_flags.client_flags = 1;
  EXPECT_EQ(ItemRecord::SizeFor(20, 100, with_flags, false), 152u);
  ItemMeta with_both = with_flags;
  with_both.expiry_millis = 5;
  EXPECT_EQ(ItemRecord::SizeFor(20, 100, with_both, false), 160u);
  EXPECT_EQ(ItemRecord::SizeFor(20, 100, {}, true), 56u);  // value out of line
}

TEST(ItemRecordTest, FieldsRoundTrip) {
  alignas(8) char buffer[512] = {};
  ItemMeta meta;
  meta.cas = 0x0123456789abcdef;
  meta.client_flags = 0xfeedbeef;
  meta.expiry_millis = kNow + 5;
  meta.last_access_sec = 1234;
  meta.stale = true;
  ItemRecord record(buffer);
  const std::string key(300, 'k');  // long key: length in the extension field
  record.Init(key, 10, meta, false);
  std::memcpy(record.value_data(), "0123456789", 10);
  record.set_next(77);
  EXPECT_EQ(record.key(), key);
  EXPECT_EQ(record.value(), "0123456789");
  EXPECT_EQ(record.next(), 77u);
  EXPECT_EQ(record.size(), ItemRecord::SizeFor(300, 10, meta, false));
  const ItemMeta back = record.meta();
  EXPECT_EQ(back.cas, meta.cas);
  EXPECT_EQ(back.client_flags, meta.client_flags);
  EXPECT_EQ(back.expiry_millis, meta.expiry_millis);
  EXPECT_EQ(back.last_access_sec, 1234u);
  EXPECT_TRUE(back.stale);
  EXPECT_FALSE(back.fetched);
  EXPECT_FALSE(back.win_token_sent);
}

TEST(ItemStoreTest, PutFindReplaceRemove) {
  ItemStore store(1 << 20);
  ASSERT_TRUE(Put(store, "a", "1").ok());
  ASSERT_TRUE(Put(store, "b", "2").ok());
  ASSERT_TRUE(Put(store, "a", "3").ok());
  EXPECT_EQ(Get(store, "a"), "3");
  EXPECT_EQ(Get(store, "b"), "2");
  EXPECT_EQ(store.stats().curr_items, 2u);
  store.Remove(store.Find("a", Hash("a")), RemoveReason::kDeleted);
  EXPECT_EQ(Get(store, "a"), std::nullopt);
  EXPECT_EQ(store.stats().curr_items, 1u);
}

// A replacement of the same length is written over the old record: the log does not grow, however
// often the key is rewritten, and every rewrite reads back with its own value and meta.
TEST(ItemStoreTest, SameLengthRewritesStayInPlace) {
  ItemStore store(4 << 20);
  ItemMeta meta;
  meta.client_flags = 7;
  ASSERT_TRUE(Put(store, "k", "aaaa", meta).ok());
  const ItemStore::Ref ref = store.Find("k", Hash("k"));
  const size_t memory = store.memory_bytes();
  for (int i = 0; i < 100'000; ++i) {
    meta.cas = i + 1;
    meta.client_flags = i % 2 == 0 ? 0 : 7;  // 0 fits a record that has the field
    const std::string value = std::to_string(1000 + i % 9000);
    ASSERT_TRUE(Put(store, "k", value, meta).ok());
    ASSERT_EQ(store.Find("k", Hash("k")), ref) << i;
    ASSERT_EQ(Get(store, "k"), value);
    ASSERT_EQ(store.Meta(ref).cas, uint64_t(i + 1));
    ASSERT_EQ(store.Meta(ref).client_flags, meta.client_flags);
  }
  EXPECT_EQ(store.memory_bytes(), memory);
  EXPECT_EQ(store.stats().curr_items, 1u);
  EXPECT_EQ(store.stats().total_items, 100'001u);
}

// Where the old record cannot hold the replacement (another length, a field it lacks) or the new
// value is made from the old one, the item is appended anew as before.
TEST(ItemStoreTest, RewritesThatDoNotFitAreAppended) {
  ItemStore store(4 << 20);
  ASSERT_TRUE(Put(store, "k", "abcd").ok());
  const ItemStore::Ref first = store.Find("k", Hash("k"));
  ASSERT_TRUE(Put(store, "k", "abcde").ok());  // longer
  const ItemStore::Ref second = store.Find("k", Hash("k"));
  EXPECT_NE(second, first);
  ItemMeta with_expiry;
  with_expiry.expiry_millis = kNow + 1000;
  ASSERT_TRUE(Put(store, "k", "12345", with_expiry).ok());  // the record has no expiry field
  const ItemStore::Ref third = store.Find("k", Hash("k"));
  EXPECT_NE(third, second);
  EXPECT_EQ(store.Meta(third).expiry_millis, kNow + 1000);
  // The old value's two halves swapped: both parts point into the record being replaced.
  const std::string_view old_value = store.Value(third);
  const std::string_view parts[2] = {old_value.substr(3), old_value.substr(0, 3)};
  ASSERT_TRUE(store.Put("k", Hash("k"), parts, with_expiry, kNow).ok());
  EXPECT_EQ(Get(store, "k"), "45123");
  EXPECT_EQ(store.stats().curr_items, 1u);
}

// A record rewritten in place keeps its old place in the log; the rewrite earns it a second
// chance, so the cleaner's next pass over that place moves it instead of evicting it.
TEST(ItemStoreTest, RewrittenInPlaceItemsGetASecondChance) {
  ItemStore store(1 << 20);
  for (int i = 0; i < 100; ++i) ASSERT_TRUE(Put(store, "hot" + std::to_string(i), "h").ok());
  for (int i = 0; i < 100; ++i) ASSERT_TRUE(Put(store, "hot" + std::to_string(i), "H").ok());
  ASSERT_NO_FATAL_FAILURE(FillUntilFirstColdItemIsEvicted(store));
  for (int i = 0; i < 100; ++i) EXPECT_EQ(Get(store, "hot" + std::to_string(i)), "H") << i;
}

TEST(ItemStoreTest, CountsItemsWithAnExpiry) {
  ItemStore store(4 << 20);
  ItemMeta expiring;
  expiring.expiry_millis = kNow + 1000;
  ASSERT_TRUE(Put(store, "a", "1", expiring).ok());
  ASSERT_TRUE(Put(store, "b", "2").ok());
  EXPECT_EQ(store.stats().with_expiry, 1u);
  ASSERT_TRUE(Put(store, "a", "3").ok());  // in place, expiry dropped
  EXPECT_EQ(store.stats().with_expiry, 0u);
  ASSERT_TRUE(Put(store, "a", "44", expiring).ok());                            // appended anew
  ASSERT_TRUE(store.SetMeta(store.Find("b", Hash("b")), expiring, kNow).ok());  // rewritten
  EXPECT_EQ(store.stats().with_expiry, 2u);
  ASSERT_TRUE(store.SetMeta(store.Find("b", Hash("b")), {}, kNow).ok());  // in place
  EXPECT_EQ(store.stats().with_expiry, 1u);
  store.Remove(store.Find("a", Hash("a")), RemoveReason::kDeleted);
  EXPECT_EQ(store.stats().with_expiry, 0u);
  ASSERT_TRUE(Put(store, "c", "5", expiring).ok());
  store.Clear();
  EXPECT_EQ(store.stats().with_expiry, 0u);
}

TEST(ItemStoreTest, SetMetaAddsMissingFieldsByRewriting) {
  ItemStore store(1 << 20);
  ASSERT_TRUE(Put(store, "k", "value").ok());
  ItemMeta meta = store.Meta(store.Find("k", Hash("k")));
  EXPECT_EQ(meta.expiry_millis, 0);
  meta.expiry_millis = kNow + 1000;
  meta.client_flags = 9;
  ASSERT_TRUE(store.SetMeta(store.Find("k", Hash("k")), meta, kNow).ok());
  const ItemStore::Ref ref = store.Find("k", Hash("k"));
  EXPECT_EQ(store.Meta(ref).expiry_millis, kNow + 1000);
  EXPECT_EQ(store.Meta(ref).client_flags, 9u);
  EXPECT_EQ(store.Value(ref), "value");
  EXPECT_EQ(store.stats().curr_items, 1u);
  meta.expiry_millis = kNow + 2000;  // fits in place now
  ASSERT_TRUE(store.SetMeta(ref, meta, kNow).ok());
  EXPECT_EQ(store.Find("k", Hash("k")), ref);
  EXPECT_EQ(store.Meta(ref).expiry_millis, kNow + 2000);
}

TEST(ItemStoreTest, LargeValuesLiveOutOfLineAndAreCounted) {
  ItemStore store(4 << 20);
  ASSERT_TRUE(Put(store, "small", "s").ok());  // the head segment exists from here on
  const size_t base = store.memory_bytes();
  const std::string big(200 << 10, 'x');
  ASSERT_TRUE(Put(store, "big", big).ok());
  EXPECT_EQ(Get(store, "big"), big);
  EXPECT_GE(store.memory_bytes(), base + big.size());
  EXPECT_GE(store.stats().bytes, big.size());
  store.Remove(store.Find("big", Hash("big")), RemoveReason::kDeleted);
  EXPECT_EQ(store.memory_bytes(), base);
  EXPECT_EQ(store.stats().bytes, ItemRecord::SizeFor(5, 1, {}, false));
}

TEST(ItemStoreTest, IndexGrowsToKeepLoadAtMostOne) {
  ItemStore store(64 << 20);
  for (int i = 0; i < 100'000; ++i) {
    ASSERT_TRUE(Put(store, "key" + std::to_string(i), "v").ok());
    ASSERT_LE(store.stats().curr_items, store.stats().hash_buckets);
  }
  for (int i = 0; i < 100'000; i += 101) EXPECT_EQ(Get(store, "key" + std::to_string(i)), "v");
}

// A long overwrite workload of varied sizes, with reads (second chances) and deletes: the budget
// holds after every operation and a key never shows anything but its latest value.
TEST(ItemStoreTest, BudgetHoldsAndValuesStayCurrentUnderOverwrites) {
  ItemStore store(2 << 20);
  std::mt19937 rng(7);
  std::unordered_map<std::string, std::string> latest;
  for (int op = 0; op < 300'000; ++op) {
    const std::string key = "k" + std::to_string(rng() % 20'000);
    const uint32_t dice = rng() % 10;
    if (dice < 6) {
      const size_t len = rng() % 8 == 0 ? rng() % 40'000 : rng() % 300;
      std::string value(len, static_cast<char>('a' + op % 26));
      value += std::to_string(op);
      ASSERT_TRUE(Put(store, key, value).ok());
      latest[key] = value;
    } else if (dice < 9) {
      const ItemStore::Ref ref = store.Find(key, Hash(key));
      if (ref != ItemStore::kNull) {
        ASSERT_EQ(store.Value(ref), latest[key]);
        store.MarkAccessed(ref, 1);
      }
    } else if (const ItemStore::Ref ref = store.Find(key, Hash(key)); ref != ItemStore::kNull) {
      store.Remove(ref, RemoveReason::kDeleted);
    }
    ASSERT_LE(store.memory_bytes(), store.budget_bytes()) << op;
  }
  size_t present = 0;
  for (const auto& [key, value] : latest) {
    if (auto got = Get(store, key); got.has_value()) {
      ++present;
      EXPECT_EQ(*got, value);
    }
  }
  EXPECT_EQ(present, store.stats().curr_items);
  EXPECT_GT(store.stats().evictions, 0u);
}

TEST(ItemStoreTest, ReadItemsGetASecondChance) {
  ItemStore store(1 << 20);
  for (int i = 0; i < 100; ++i) ASSERT_TRUE(Put(store, "hot" + std::to_string(i), "h").ok());
  for (int round = 0; round < 40; ++round) {
    for (int i = 0; i < 1000; ++i) {
      ASSERT_TRUE(
          Put(store, "cold" + std::to_string(round * 1000 + i), std::string(100, 'c')).ok());
    }
    for (int i = 0; i < 100; ++i) {
      const std::string key = "hot" + std::to_string(i);
      const ItemStore::Ref ref = store.Find(key, Hash(key));
      ASSERT_NE(ref, ItemStore::kNull) << key << " round " << round;
      store.MarkAccessed(ref, 1);
    }
  }
  EXPECT_GT(store.stats().evictions, 10'000u);
}

// A read followed by a meta change that needs a new field (touch, mg T on an item stored
// without a TTL) rewrites the record: the read must still earn it a second chance.
TEST(ItemStoreTest, RewritingSetMetaKeepsTheSecondChance) {
  ItemStore store(1 << 20);
  for (int i = 0; i < 100; ++i) {
    const std::string key = "hot" + std::to_string(i);
    ASSERT_TRUE(Put(store, key, "h").ok());
    store.MarkAccessed(store.Find(key, Hash(key)), 1);
    ItemMeta meta = store.Meta(store.Find(key, Hash(key)));
    meta.expiry_millis = kNow + 1000;  // the record has no expiry field: rewritten
    ASSERT_TRUE(store.SetMeta(store.Find(key, Hash(key)), meta, kNow).ok());
  }
  ASSERT_NO_FATAL_FAILURE(FillUntilFirstColdItemIsEvicted(store));
  for (int i = 0; i < 100; ++i) EXPECT_EQ(Get(store, "hot" + std::to_string(i)), "h") << i;
}

TEST(ItemStoreTest, AppendToItselfWhileCleaningCopiesFirst) {
  ItemStore store(1 << 20);
  // Fill to the budget so that every Put below cleans.
  for (int i = 0; i < 20'000; ++i) ASSERT_TRUE(Put(store, "f" + std::to_string(i), "filler").ok());
  ASSERT_TRUE(Put(store, "k", "ab").ok());
  std::string expected = "ab";
  for (int i = 0; i < 12; ++i) {
    const ItemStore::Ref ref = store.Find("k", Hash("k"));
    ASSERT_NE(ref, ItemStore::kNull);
    const std::string_view old = store.Value(ref);
    const std::string_view parts[2] = {old, old.substr(0, 1)};
    ASSERT_TRUE(store.Put("k", Hash("k"), parts, {}, kNow).ok());
    store.MarkAccessed(store.Find("k", Hash("k")), 1);
    expected = expected + expected.substr(0, 1);
    ASSERT_EQ(Get(store, "k"), expected);
    for (int j = 0; j < 3000; ++j) {
      ASSERT_TRUE(Put(store, "g" + std::to_string(i * 3000 + j), "filler").ok());
    }
  }
}

// The replaced item sits in the oldest segment of a full log, so storing its successor cleans
// that very segment and reuses it for the new record: the parts must have been copied out first
// (else the new header overwrites them, and AddressSanitizer reports the overlapping memcpy).
TEST(ItemStoreTest, PartsAliasingTheSegmentBeingCleanedAreCopiedFirst) {
  ItemStore store(1 << 20);
  const size_t segment = store.segment_bytes();
  ASSERT_EQ(segment, 32u << 10);
  const size_t capacity =
      (store.budget_bytes() - store.memory_bytes()) / segment * (segment / 4096);
  std::string old_value(4096 - ItemRecord::kFixedBytes - 1, '\0');
  for (size_t i = 0; i < old_value.size(); ++i) old_value[i] = static_cast<char>(i % 251);
  ASSERT_EQ(ItemRecord::SizeFor(1, old_value.size(), {}, false), 4096u);
  ASSERT_TRUE(Put(store, "k", old_value).ok());  // first record of the first segment
  const std::string filler(4096 - ItemRecord::kFixedBytes - 4, 'f');
  for (size_t i = 1; i < capacity; ++i) {
    char key[8];
    std::snprintf(key, sizeof(key), "f%03zu", i);
    ASSERT_TRUE(Put(store, key, filler).ok());
  }
  ASSERT_EQ(store.stats().evictions, 0u);  // the log is exactly full

  const ItemStore::Ref ref = store.Find("k", Hash("k"));
  const std::string_view parts[2] = {"prefix-", store.Value(ref)};
  ItemMeta meta;
  meta.client_flags = 7;  // a longer header than the old record's
  ASSERT_TRUE(store.Put("k", Hash("k"), parts, meta, kNow).ok());
  EXPECT_GT(store.stats().evictions, 0u);  // cleaning did happen
  EXPECT_EQ(Get(store, "k"), "prefix-" + old_value);
}

TEST(ItemStoreTest, ClearFreesEverythingAndTheStoreIsReusable) {
  ItemStore store(4 << 20);
  for (int i = 0; i < 1000; ++i) ASSERT_TRUE(Put(store, "k" + std::to_string(i), "v").ok());
  ASSERT_TRUE(Put(store, "big", std::string(300 << 10, 'b')).ok());
  store.Clear();
  EXPECT_EQ(store.stats().curr_items, 0u);
  EXPECT_EQ(store.stats().bytes, 0u);
  EXPECT_EQ(Get(store, "k1"), std::nullopt);
  ASSERT_TRUE(Put(store, "k1", "again").ok());
  EXPECT_EQ(Get(store, "k1"), "again");
}

TEST(ItemStoreTest, ReclaimExpiredWalksBuckets) {
  ItemStore store(4 << 20);
  ItemMeta expiring;
  expiring.expiry_millis = kNow + 10;
  for (int i = 0; i < 1000; ++i) {
    ASSERT_TRUE(Put(store, "e" + std::to_string(i), "v", expiring).ok());
    ASSERT_TRUE(Put(store, "p" + std::to_string(i), "v").ok());
  }
  store.ReclaimExpired(kNow + 10, 1 << 20);
  EXPECT_EQ(store.stats().curr_items, 1000u);
  EXPECT_EQ(store.stats().reclaimed, 1000u);
  EXPECT_EQ(Get(store, "p5"), "v");
}

TEST(ItemStoreTest, ImpossibleItemIsOutOfMemory) {
  ItemStore store(1 << 20);
  const absl::Status status = Put(store, "k", std::string(1 << 20, 'x'));
  EXPECT_EQ(status.code(), absl::StatusCode::kResourceExhausted);
  EXPECT_EQ(status.message(), "out of memory storing object");
}

}  // namespace
}  // namespace memkv::storage
