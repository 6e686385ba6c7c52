// Numbered databases (Redis SELECT, MOVE, SWAPDB, FLUSHDB): a key is an item per database, the
// databases are counted and flushed apart, SwapDatabases exchanges them whole, and database 0
// (memcached's) costs no byte per item.
#include <atomic>
#include <cstdint>
#include <optional>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "gtest/gtest.h"
#include "storage/clock.h"
#include "storage/engine.h"
#include "storage/item_record.h"
#include "tests/storage/engine_test_util.h"

namespace memkv::storage {
namespace {

using testing::MakeEngine;
using testing::MustStore;
using testing::Read;
using testing::TestOptions;
using Result = Engine::TransferResult;

class EngineDatabaseTest : public ::testing::Test {
 protected:
  EngineDatabaseTest() : engine_(MakeEngine(Options(), &clock_)) {}

  static EngineOptions Options() {
    EngineOptions options = TestOptions();
    options.hash_seed = 0x5eed;
    options.databases = 16;
    return options;
  }

  Keyspace& Db(uint32_t db) { return engine_->Database(db); }

  std::optional<std::string> Value(uint32_t db, std::string_view key) {
    std::optional<testing::Item> item = Read(Db(db), key);
    if (!item.has_value()) return std::nullopt;
    return item->value;
  }

  // Every key a whole Scan of database `db` shows.
  std::multiset<std::string> ScanAll(uint32_t db) {
    std::multiset<std::string> keys;
    uint64_t cursor = 0;
    do {
      cursor = Db(db).Scan(cursor, 64, 1000,
                           [&](const ItemView& item) { keys.insert(std::string(item.key)); });
    } while (cursor != 0);
    return keys;
  }

  FakeClock clock_;
  std::unique_ptr<Engine> engine_;
};

TEST_F(EngineDatabaseTest, DatabaseZeroIsTheEngineItself) {
  EXPECT_EQ(&Db(0), static_cast<Keyspace*>(engine_.get()));
  EXPECT_NE(&Db(1), &Db(0));
  EXPECT_EQ(&Db(15), &Db(15));
}

TEST_F(EngineDatabaseTest, OneKeyIsADifferentItemInEachDatabase) {
  MustStore(Db(0), "k", "zero");
  MustStore(Db(3), "k", "three");
  MustStore(Db(15), "k", "fifteen");
  EXPECT_EQ(Value(0, "k"), "zero");
  EXPECT_EQ(Value(3, "k"), "three");
  EXPECT_EQ(Value(15, "k"), "fifteen");
  EXPECT_EQ(Value(4, "k"), std::nullopt);
  EXPECT_EQ(Db(3).Delete("k", 0), DeleteResult::kDeleted);
  EXPECT_EQ(Value(3, "k"), std::nullopt);
  EXPECT_EQ(Value(0, "k"), "zero");
  EXPECT_EQ(Value(15, "k"), "fifteen");
  EXPECT_EQ(Db(3).Delete("k", 0), DeleteResult::kNotFound);
}

// Keys are arbitrary bytes in every database: no key of one database can stand for a key of
// another (as a prefix scheme would let "\x01k" in database 0 be "k" in database 1).
TEST_F(EngineDatabaseTest, BinaryKeysNeverCollideAcrossDatabases) {
  const std::vector<std::string> keys = {std::string("\x01k", 2), "k", std::string("\0k", 2),
                                         std::string("\x01\0\0\0k", 5), ""};
  for (uint32_t db : {0u, 1u, 2u}) {
    for (size_t i = 0; i < keys.size(); ++i) {
      MustStore(Db(db), keys[i], std::to_string(db) + ":" + std::to_string(i));
    }
  }
  for (uint32_t db : {0u, 1u, 2u}) {
    for (size_t i = 0; i < keys.size(); ++i) {
      EXPECT_EQ(Value(db, keys[i]), std::to_string(db) + ":" + std::to_string(i));
    }
    EXPECT_EQ(Db(db).ItemCount(), keys.size());
  }
}

TEST_F(EngineDatabaseTest, EveryKeyOperationStaysInItsDatabase) {
  MustStore(Db(0), "n", "10");
  MustStore(Db(7), "n", "20");
  EXPECT_EQ(Db(7).Increment("n", 5, false, 0).value, 25u);
  EXPECT_EQ(Value(0, "n"), "10");
  EXPECT_TRUE(Db(7).Touch("n", clock_.NowMillis() + 5000));
  EXPECT_FALSE(Db(8).Touch("n", clock_.NowMillis() + 5000));
  EXPECT_EQ(Read(Db(7), "n")->expiry_millis, clock_.NowMillis() + 5000);
  EXPECT_EQ(Read(Db(0), "n")->expiry_millis, 0);
  ASSERT_TRUE(Db(7)
                  .Update("u",
                          [](const ItemView* current) {
                            EXPECT_EQ(current, nullptr);
                            Mutation m;
                            m.kind = Mutation::Kind::kStore;
                            m.parts[0] = "updated";
                            return m;
                          })
                  .ok());
  EXPECT_EQ(Value(7, "u"), "updated");
  EXPECT_EQ(Value(0, "u"), std::nullopt);
  const std::pair<std::string_view, std::string_view> pairs[] = {{"a", "1"}, {"n", "x"}};
  EXPECT_EQ(Db(9).StoreAll(pairs, Keyspace::StoreAllWhen::kNoneExist).value(), true);
  EXPECT_EQ(Value(9, "n"), "x");
  EXPECT_EQ(Value(0, "n"), "10");
  EXPECT_EQ(Db(7).Transfer("n", "m", /*keep_source=*/false, /*replace=*/false).value(),
            Result::kDone);
  EXPECT_EQ(Value(7, "m"), "25");
  EXPECT_EQ(Value(0, "m"), std::nullopt);
  EXPECT_EQ(Value(0, "n"), "10");
  // A large value (a block of its own) in another database.
  const std::string large(engine_->large_value_bytes() + 10, 'L');
  MustStore(Db(5), "big", large);
  EXPECT_EQ(Value(5, "big"), large);
  EXPECT_EQ(Value(0, "big"), std::nullopt);
}

TEST_F(EngineDatabaseTest, CountsArePerDatabase) {
  MustStore(Db(0), "a", "v");
  MustStore(Db(0), "b", "v");
  StoreArgs with_ttl;
  with_ttl.expiry_millis = clock_.NowMillis() + 10'000;
  MustStore(Db(2), "a", "v", with_ttl);
  with_ttl.expiry_millis = clock_.NowMillis() + 30'000;
  MustStore(Db(2), "b", "v", with_ttl);
  MustStore(Db(2), "c", "v");
  EXPECT_EQ(engine_->ItemCount(), 2u);
  EXPECT_EQ(Db(2).ItemCount(), 3u);
  EXPECT_EQ(Db(1).ItemCount(), 0u);
  EXPECT_EQ(engine_->Stats().curr_items, 5u);
  const Engine::DatabaseCounts two = engine_->CountDatabase(2);
  EXPECT_EQ(two.keys, 3u);
  EXPECT_EQ(two.expires, 2u);
  EXPECT_EQ(two.avg_ttl_millis, 20'000);
  clock_.Advance(5'000);
  EXPECT_EQ(engine_->CountDatabase(2).avg_ttl_millis, 15'000);
  const std::vector<Engine::DatabaseCounts> all = engine_->CountDatabases();
  ASSERT_EQ(all.size(), 16u);
  EXPECT_EQ(all[0].keys, 2u);
  EXPECT_EQ(all[0].expires, 0u);
  EXPECT_EQ(all[2].keys, 3u);
  EXPECT_EQ(all[2].expires, 2u);
  EXPECT_EQ(all[3].keys, 0u);
  // Deleting, expiring and replacing keep the counts.
  EXPECT_EQ(Db(2).Delete("c", 0), DeleteResult::kDeleted);
  clock_.Advance(6'000);  // "a" expired
  engine_->ReclaimExpiredForTest();
  EXPECT_EQ(Db(2).ItemCount(), 1u);
  EXPECT_EQ(engine_->CountDatabase(2).expires, 1u);
  MustStore(Db(2), "b", "plain");  // drops the TTL
  EXPECT_EQ(engine_->CountDatabase(2).expires, 0u);
  EXPECT_EQ(engine_->ItemCount(), 2u);
}

TEST_F(EngineDatabaseTest, FlushDatabaseEmptiesOnlyThatDatabase) {
  for (int i = 0; i < 3000; ++i) {
    MustStore(Db(0), "key" + std::to_string(i), "zero");
    MustStore(Db(4), "key" + std::to_string(i), "four");
  }
  MustStore(Db(5), "key1", "five");
  engine_->FlushDatabase(4);
  EXPECT_EQ(Db(4).ItemCount(), 0u);
  EXPECT_EQ(engine_->ItemCount(), 3000u);
  EXPECT_EQ(Value(0, "key2999"), "zero");
  EXPECT_EQ(Value(4, "key2999"), std::nullopt);
  EXPECT_EQ(Value(5, "key1"), "five");
  engine_->FlushDatabase(0);
  EXPECT_EQ(engine_->ItemCount(), 0u);
  EXPECT_EQ(Value(5, "key1"), "five");
  engine_->FlushAll(0);
  EXPECT_EQ(Value(5, "key1"), std::nullopt);
  EXPECT_EQ(engine_->Stats().curr_items, 0u);
}

TEST_F(EngineDatabaseTest, SwapDatabasesExchangesItemsAndCounts) {
  MustStore(Db(0), "only-in-0", "a");
  MustStore(Db(0), "both", "zero");
  MustStore(Db(1), "both", "one");
  MustStore(Db(1), "only-in-1", "b");
  MustStore(Db(1), "also-in-1", "c");
  engine_->SwapDatabases(0, 1);
  EXPECT_EQ(Value(0, "both"), "one");
  EXPECT_EQ(Value(1, "both"), "zero");
  EXPECT_EQ(Value(0, "only-in-1"), "b");
  EXPECT_EQ(Value(0, "only-in-0"), std::nullopt);
  EXPECT_EQ(engine_->ItemCount(), 3u);
  EXPECT_EQ(Db(1).ItemCount(), 2u);
  EXPECT_EQ(ScanAll(0), (std::multiset<std::string>{"both", "only-in-1", "also-in-1"}));
  // Writes after the swap land in the database now under the number.
  MustStore(Db(0), "new", "n");
  EXPECT_EQ(Value(0, "new"), "n");
  EXPECT_EQ(Value(1, "new"), std::nullopt);
  engine_->FlushDatabase(1);
  EXPECT_EQ(Value(0, "both"), "one");
  EXPECT_EQ(Db(1).ItemCount(), 0u);
  engine_->SwapDatabases(1, 0);
  EXPECT_EQ(engine_->ItemCount(), 0u);
  EXPECT_EQ(Db(1).ItemCount(), 4u);
  EXPECT_EQ(engine_->CountDatabases()[1].keys, 4u);
}

TEST_F(EngineDatabaseTest, TransferBetweenDatabasesKeepsValueFlagsAndTtl) {
  StoreArgs args;
  args.client_flags = 42;
  args.expiry_millis = clock_.NowMillis() + 60'000;
  MustStore(Db(0), "k", "value", args);
  EXPECT_EQ(engine_->TransferBetween(0, "k", 3, "k", false, false).value(), Result::kDone);
  EXPECT_EQ(Value(0, "k"), std::nullopt);
  const std::optional<testing::Item> moved = Read(Db(3), "k");
  ASSERT_TRUE(moved.has_value());
  EXPECT_EQ(moved->value, "value");
  EXPECT_EQ(moved->client_flags, 42u);
  EXPECT_EQ(moved->expiry_millis, args.expiry_millis);
  EXPECT_EQ(engine_->TransferBetween(0, "k", 3, "k", false, false).value(), Result::kNoSource);
  MustStore(Db(0), "k", "again");
  EXPECT_EQ(engine_->TransferBetween(0, "k", 3, "k", false, false).value(),
            Result::kDestinationExists);
  EXPECT_EQ(Value(0, "k"), "again");
  EXPECT_EQ(engine_->TransferBetween(0, "k", 3, "copy", true, false).value(), Result::kDone);
  EXPECT_EQ(Value(3, "copy"), "again");
  EXPECT_EQ(Value(0, "k"), "again");
  EXPECT_EQ(engine_->TransferBetween(0, "k", 3, "k", true, true).value(), Result::kDone);
  EXPECT_EQ(Value(3, "k"), "again");
}

// The index grows by splitting buckets, which rehashes each record with its database's salt: one
// shard, so that its index grows past its first 1024 buckets several times over.
TEST_F(EngineDatabaseTest, ManyKeysInManyDatabasesSurviveIndexGrowth) {
  EngineOptions options = Options();
  options.shard_count = 1;
  engine_ = MakeEngine(options, &clock_);
  constexpr int kKeys = 4000;
  for (uint32_t db : {0u, 6u, 11u}) {
    for (int i = 0; i < kKeys; ++i) {
      MustStore(Db(db), "key:" + std::to_string(i), std::to_string(db));
    }
  }
  EXPECT_GE(engine_->Stats().hash_buckets, 3u * kKeys);
  for (uint32_t db : {0u, 6u, 11u}) {
    EXPECT_EQ(Db(db).ItemCount(), static_cast<uint64_t>(kKeys));
    EXPECT_EQ(ScanAll(db).size(), static_cast<size_t>(kKeys));
    for (int i = 0; i < kKeys; ++i) {
      ASSERT_EQ(Value(db, "key:" + std::to_string(i)), std::to_string(db)) << db << " " << i;
    }
  }
  EXPECT_TRUE(ScanAll(1).empty());
  // One key in 3 databases shares no bucket chain more than any 3 keys would.
  EXPECT_LE(engine_->LongestChainForTest(), 12u);
}

// Items outside database 0 are evicted and re-appended by the cleaner like any other; the counts
// stay those a walk finds.
TEST(EngineDatabaseEvictionTest, CountsMatchAWalkUnderEviction) {
  FakeClock clock;
  EngineOptions options = TestOptions();
  options.memory_limit_bytes = size_t{4} << 20;
  options.max_item_bytes = size_t{64} << 10;
  options.shard_count = 2;
  std::unique_ptr<Engine> engine = MakeEngine(options, &clock);
  const std::string value(300, 'v');
  for (int i = 0; i < 40000; ++i) {
    MustStore(engine->Database(static_cast<uint32_t>(i % 3)), "k" + std::to_string(i), value);
    if (i % 5 == 0) Read(engine->Database(static_cast<uint32_t>(i % 3)), "k" + std::to_string(i));
  }
  EXPECT_GT(engine->Stats().evictions, 0u);
  uint64_t total = 0;
  for (uint32_t db = 0; db < 3; ++db) {
    uint64_t walked = 0;
    uint64_t cursor = 0;
    do {
      cursor = engine->Database(db).Scan(cursor, 256, 1000, [&](const ItemView&) { ++walked; });
    } while (cursor != 0);
    EXPECT_EQ(engine->Database(db).ItemCount(), walked) << "db " << db;
    total += walked;
  }
  EXPECT_EQ(engine->Stats().curr_items, total);
}

// SWAPDB while other threads store: every item lands in one of the two databases, once, and the
// counts stay those of a walk (a store never sees half a swap).
TEST(EngineDatabaseSwapTest, ConcurrentSwapsLoseNothing) {
  FakeClock clock;
  EngineOptions options = TestOptions();
  options.shard_count = 4;
  std::unique_ptr<Engine> engine = MakeEngine(options, &clock);
  constexpr int kWriters = 3;
  constexpr int kKeysEach = 3000;
  std::atomic<bool> done{false};
  std::thread swapper([&] {
    while (!done.load()) engine->SwapDatabases(1, 2);
  });
  std::vector<std::thread> writers;
  for (int w = 0; w < kWriters; ++w) {
    writers.emplace_back([&, w] {
      for (int i = 0; i < kKeysEach; ++i) {
        MustStore(engine->Database(1), "w" + std::to_string(w) + ":" + std::to_string(i), "v");
      }
    });
  }
  for (std::thread& writer : writers) writer.join();
  done.store(true);
  swapper.join();
  std::multiset<std::string> seen;
  for (uint32_t db : {1u, 2u}) {
    uint64_t walked = 0;
    uint64_t cursor = 0;
    do {
      cursor = engine->Database(db).Scan(cursor, 256, 1000, [&](const ItemView& item) {
        seen.insert(std::string(item.key));
        ++walked;
      });
    } while (cursor != 0);
    EXPECT_EQ(engine->Database(db).ItemCount(), walked);
  }
  EXPECT_EQ(seen.size(), static_cast<size_t>(kWriters * kKeysEach));
  EXPECT_EQ(std::set<std::string>(seen.begin(), seen.end()).size(), seen.size());
  EXPECT_EQ(engine->ItemCount(), 0u);
}

TEST(EngineDatabaseOptionsTest, DatabaseCountIsChecked) {
  FakeClock clock;
  EngineOptions options = TestOptions();
  options.databases = 0;
  EXPECT_FALSE(Engine::Create(options, &clock).ok());
  options.databases = kMaxDatabases + 1;
  EXPECT_FALSE(Engine::Create(options, &clock).ok());
  options.databases = 1;
  EXPECT_TRUE(Engine::Create(options, &clock).ok());
}

// The cost per item: none in database 0, one 4-byte field elsewhere (item_record.h).
TEST(ItemRecordDatabaseTest, DatabaseZeroTakesNoByte) {
  EXPECT_EQ(ItemRecord::SizeFor(20, 100, {}, false, 0), 144u);
  EXPECT_EQ(ItemRecord::SizeFor(20, 100, {}, false, 5), 152u);  // 146 rounded up to 8
  EXPECT_EQ(ItemRecord::SizeFor(20, 98, {}, false, 5), 144u);   // fits in the padding
  alignas(8) char bytes[512] = {};
  ItemRecord record(bytes);
  ItemMeta meta;
  meta.client_flags = 7;
  meta.expiry_millis = 123;
  record.Init("key", 5, meta, false, 0x01020304);
  EXPECT_EQ(record.db(), 0x01020304u);
  EXPECT_EQ(record.key(), "key");
  EXPECT_EQ(record.value_len(), 5u);
  EXPECT_EQ(record.meta().client_flags, 7u);
  EXPECT_EQ(record.meta().expiry_millis, 123);
  EXPECT_EQ(record.size(), ItemRecord::SizeFor(3, 5, meta, false, 0x01020304));
  const std::string long_key(300, 'x');
  record.Init(long_key, 9, {}, false, 2);
  EXPECT_EQ(record.db(), 2u);
  EXPECT_EQ(record.key(), long_key);
  EXPECT_EQ(record.value_len(), 9u);
  record.Init("k", 9, {}, false, 0);
  EXPECT_EQ(record.db(), 0u);
}

}  // namespace
}  // namespace memkv::storage
