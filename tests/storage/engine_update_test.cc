// storage::Engine::Update (Mutation kinds) and StoreAllIfNoneExist.
#include <string>
#include <utility>
#include <vector>

#include "gtest/gtest.h"
#include "storage/engine.h"
#include "tests/storage/engine_test_util.h"

namespace memkv::storage {
namespace {

using testing::MakeEngine;
using testing::Mode;
using testing::MustStore;
using testing::Read;
using testing::TestOptions;

class EngineUpdateTest : public ::testing::Test {
 protected:
  UpdateOutcome MustUpdate(std::string_view key,
                           absl::FunctionRef<Mutation(const ItemView*)> decide) {
    auto outcome = engine_->Update(key, decide);
    EXPECT_TRUE(outcome.ok()) << outcome.status();
    return outcome.ok() ? *outcome : UpdateOutcome{};
  }

  FakeClock clock_;
  std::unique_ptr<Engine> engine_ = MakeEngine(TestOptions(), &clock_);
};

TEST_F(EngineUpdateTest, NoneShowsTheItemAndChangesNothing) {
  const uint64_t cas = MustStore(*engine_, "k", "v", Mode(StoreMode::kSet, 5)).cas;
  std::string seen;
  UpdateOutcome out = MustUpdate("k", [&](const ItemView* current) {
    EXPECT_NE(current, nullptr);
    if (current != nullptr) seen = std::string(current->value);
    return Mutation{};
  });
  EXPECT_TRUE(out.existed);
  EXPECT_EQ(out.cas, cas);
  EXPECT_EQ(seen, "v");
  EXPECT_EQ(Read(*engine_, "k")->cas, cas);
}

TEST_F(EngineUpdateTest, MissingAndExpiredKeysShowNull) {
  MustStore(*engine_, "e", "v", Mode(StoreMode::kSet, 0, clock_.NowMillis() + 1));
  clock_.Advance(1);
  for (const char* key : {"missing", "e"}) {
    bool called = false;
    UpdateOutcome out = MustUpdate(key, [&](const ItemView* current) {
      called = true;
      EXPECT_EQ(current, nullptr);
      return Mutation{};
    });
    EXPECT_TRUE(called);
    EXPECT_FALSE(out.existed);
    EXPECT_EQ(out.cas, 0u);
  }
}

TEST_F(EngineUpdateTest, DeleteRemoves) {
  MustStore(*engine_, "k", "v");
  UpdateOutcome out = MustUpdate("k", [](const ItemView*) {
    Mutation m;
    m.kind = Mutation::Kind::kDelete;
    return m;
  });
  EXPECT_TRUE(out.existed);
  EXPECT_FALSE(Read(*engine_, "k").has_value());
}

TEST_F(EngineUpdateTest, StoreCreatesWithFields) {
  UpdateOutcome out = MustUpdate("k", [&](const ItemView*) {
    Mutation m;
    m.kind = Mutation::Kind::kStore;
    m.parts[0] = "ab";
    m.parts[1] = "cd";
    m.client_flags = 11;
    m.expiry_millis = clock_.NowMillis() + 500;
    m.set_win_token_sent = true;
    return m;
  });
  EXPECT_FALSE(out.existed);
  auto item = Read(*engine_, "k");
  ASSERT_TRUE(item.has_value());
  EXPECT_EQ(item->value, "abcd");
  EXPECT_EQ(item->client_flags, 11u);
  EXPECT_EQ(item->expiry_millis, clock_.NowMillis() + 500);
  EXPECT_TRUE(item->win_token_sent);
  EXPECT_EQ(item->cas, out.cas);
}

TEST_F(EngineUpdateTest, StorePartsMayAliasTheCurrentValue) {
  MustStore(*engine_, "k", "0123456789");
  // Prepend and append to itself: parts point into the stored value.
  for (int i = 0; i < 4; ++i) {
    MustUpdate("k", [](const ItemView* current) {
      Mutation m;
      m.kind = Mutation::Kind::kStore;
      m.parts[0] = current->value.substr(5);
      m.parts[1] = current->value;
      m.client_flags = current->client_flags;
      return m;
    });
  }
  // Each round: value = last half-ish suffix + value.
  std::string expected = "0123456789";
  for (int i = 0; i < 4; ++i) expected = expected.substr(5) + expected;
  EXPECT_EQ(Read(*engine_, "k")->value, expected);
}

TEST_F(EngineUpdateTest, StoreWithNewCasAndPastExpiry) {
  UpdateOutcome out = MustUpdate("k", [](const ItemView*) {
    Mutation m;
    m.kind = Mutation::Kind::kStore;
    m.parts[0] = "v";
    m.new_cas = 4242;
    return m;
  });
  EXPECT_EQ(out.cas, 4242u);
  EXPECT_EQ(Read(*engine_, "k")->cas, 4242u);
  out = MustUpdate("k", [&](const ItemView*) {
    Mutation m;
    m.kind = Mutation::Kind::kStore;
    m.parts[0] = "v";
    m.expiry_millis = clock_.NowMillis() - 1;
    return m;
  });
  EXPECT_TRUE(out.existed);
  EXPECT_EQ(out.cas, 0u);
  EXPECT_FALSE(Read(*engine_, "k").has_value());
}

TEST_F(EngineUpdateTest, StoreTooLargeFails) {
  const std::string big(TestOptions().max_item_bytes, 'x');
  auto out = engine_->Update("k", [&](const ItemView*) {
    Mutation m;
    m.kind = Mutation::Kind::kStore;
    m.parts[0] = big;
    return m;
  });
  EXPECT_EQ(out.status().code(), absl::StatusCode::kResourceExhausted);
  EXPECT_EQ(out.status().message(), "object too large for cache");
}

TEST_F(EngineUpdateTest, ModifyChangesOnlyFlaggedFields) {
  const int64_t expiry = clock_.NowMillis() + 1000;
  const uint64_t cas = MustStore(*engine_, "k", "v", Mode(StoreMode::kSet, 1, expiry)).cas;
  UpdateOutcome out = MustUpdate("k", [](const ItemView*) {
    Mutation m;
    m.kind = Mutation::Kind::kModify;
    m.client_flags = 99;
    m.set_client_flags = true;
    m.expiry_millis = 12345;  // not applied: set_expiry is false
    return m;
  });
  EXPECT_EQ(out.cas, cas);
  auto item = Read(*engine_, "k");
  EXPECT_EQ(item->value, "v");
  EXPECT_EQ(item->client_flags, 99u);
  EXPECT_EQ(item->expiry_millis, expiry);
  EXPECT_EQ(item->cas, cas);

  out = MustUpdate("k", [&](const ItemView*) {
    Mutation m;
    m.kind = Mutation::Kind::kModify;
    m.expiry_millis = 0;
    m.set_expiry = true;
    m.new_cas = 555;
    m.set_win_token_sent = true;
    return m;
  });
  item = Read(*engine_, "k");
  EXPECT_EQ(item->client_flags, 99u);
  EXPECT_EQ(item->expiry_millis, 0);
  EXPECT_EQ(item->cas, 555u);
  EXPECT_EQ(out.cas, 555u);
  EXPECT_TRUE(item->win_token_sent);
  EXPECT_FALSE(item->stale);
}

TEST_F(EngineUpdateTest, ModifySetStaleMarksAndBumpsCas) {
  const uint64_t cas = MustStore(*engine_, "k", "v").cas;
  UpdateOutcome out = MustUpdate("k", [](const ItemView*) {
    Mutation m;
    m.kind = Mutation::Kind::kModify;
    m.set_stale = true;
    return m;
  });
  auto item = Read(*engine_, "k");
  EXPECT_TRUE(item->stale);
  EXPECT_NE(item->cas, cas);
  EXPECT_EQ(item->cas, out.cas);
  EXPECT_EQ(item->value, "v");
}

TEST_F(EngineUpdateTest, ModifySetStaleWithdrawsTheWinToken) {
  MustStore(*engine_, "k", "v");
  MustUpdate("k", [](const ItemView*) {
    Mutation m;
    m.kind = Mutation::Kind::kModify;
    m.set_win_token_sent = true;
    return m;
  });
  ASSERT_TRUE(Read(*engine_, "k")->win_token_sent);
  // memcached's md I clears ITEM_TOKEN_SENT: the next reader of the stale item wins.
  MustUpdate("k", [](const ItemView*) {
    Mutation m;
    m.kind = Mutation::Kind::kModify;
    m.set_stale = true;
    m.new_cas = 77;
    return m;
  });
  auto item = Read(*engine_, "k");
  EXPECT_TRUE(item->stale);
  EXPECT_FALSE(item->win_token_sent);
  EXPECT_EQ(item->cas, 77u);
  // Both at once: the token given in the same mutation stays.
  MustUpdate("k", [](const ItemView*) {
    Mutation m;
    m.kind = Mutation::Kind::kModify;
    m.set_stale = true;
    m.set_win_token_sent = true;
    return m;
  });
  item = Read(*engine_, "k");
  EXPECT_TRUE(item->stale);
  EXPECT_TRUE(item->win_token_sent);
}

TEST_F(EngineUpdateTest, StoreSetStaleStoresAStaleItem) {
  MustStore(*engine_, "k", "old");
  UpdateOutcome out = MustUpdate("k", [](const ItemView*) {
    Mutation m;
    m.kind = Mutation::Kind::kStore;
    m.parts[0] = "new";
    m.set_stale = true;
    m.set_win_token_sent = true;
    m.new_cas = 5;
    return m;
  });
  EXPECT_EQ(out.cas, 5u);
  auto item = Read(*engine_, "k");
  EXPECT_EQ(item->value, "new");
  EXPECT_TRUE(item->stale);
  EXPECT_TRUE(item->win_token_sent);
  EXPECT_EQ(item->cas, 5u);
  // A store without set_stale replaces the stale item with a fresh one.
  MustUpdate("k", [](const ItemView*) {
    Mutation m;
    m.kind = Mutation::Kind::kStore;
    m.parts[0] = "fresh";
    return m;
  });
  item = Read(*engine_, "k");
  EXPECT_FALSE(item->stale);
  EXPECT_FALSE(item->win_token_sent);
}

// Every kind that leaves an item marks it read when asked, as Get would, and only then; the
// callback still sees the item as it was before.
TEST_F(EngineUpdateTest, MarkAccessedMarksTheRemainingItemFetched) {
  using Kind = Mutation::Kind;
  for (const Kind kind : {Kind::kNone, Kind::kModify, Kind::kStore}) {
    for (const bool mark : {false, true}) {
      SCOPED_TRACE("kind " + std::to_string(static_cast<int>(kind)) + " mark " +
                   std::to_string(mark));
      const int64_t stored_at = clock_.NowMillis();
      MustStore(*engine_, "k", "v");
      clock_.Advance(5000);
      bool seen_fetched = true;
      int64_t seen_access = 0;
      MustUpdate("k", [&](const ItemView* current) {
        seen_fetched = current->fetched;
        seen_access = current->last_access_millis;
        Mutation m;
        m.kind = kind;
        m.parts[0] = "w";
        m.set_expiry = true;
        m.expiry_millis = clock_.NowMillis() + 60'000;  // kModify rewrites: no expiry field yet
        m.mark_accessed = mark;
        return m;
      });
      EXPECT_FALSE(seen_fetched);
      EXPECT_EQ(seen_access / 1000, stored_at / 1000);
      auto item = Read(*engine_, "k");
      ASSERT_TRUE(item.has_value());
      EXPECT_EQ(item->fetched, mark);
      // A store sets the access time itself; the others keep the stored one unless marked.
      const bool bumped = mark || kind == Kind::kStore;
      EXPECT_EQ(item->last_access_millis / 1000, (bumped ? clock_.NowMillis() : stored_at) / 1000);
    }
  }
}

TEST_F(EngineUpdateTest, MarkAccessedOnAMissingOrDeletedKeyDoesNothing) {
  UpdateOutcome out = MustUpdate("missing", [](const ItemView*) {
    Mutation m;
    m.mark_accessed = true;
    return m;
  });
  EXPECT_FALSE(out.existed);
  MustStore(*engine_, "k", "v");
  out = MustUpdate("k", [](const ItemView*) {
    Mutation m;
    m.kind = Mutation::Kind::kDelete;
    m.mark_accessed = true;
    return m;
  });
  EXPECT_TRUE(out.existed);
  EXPECT_FALSE(Read(*engine_, "k").has_value());
  // A store whose expiry has already passed leaves nothing to mark.
  out = MustUpdate("k", [&](const ItemView*) {
    Mutation m;
    m.kind = Mutation::Kind::kStore;
    m.parts[0] = "v";
    m.expiry_millis = clock_.NowMillis() - 1;
    m.mark_accessed = true;
    return m;
  });
  EXPECT_EQ(out.cas, 0u);
  EXPECT_FALSE(Read(*engine_, "k").has_value());
}

// The second-chance half of "as Get does": items kept read through Update survive a fill of
// cold items that evicts items nobody reads.
TEST(EngineUpdateEvictionTest, MarkAccessedGivesASecondChance) {
  EngineOptions options = TestOptions();
  options.memory_limit_bytes = size_t{4} << 20;
  options.max_item_bytes = 64 << 10;
  options.shard_count = 4;
  FakeClock clock;
  auto engine = MakeEngine(options, &clock);
  constexpr int kHot = 300;
  auto key = [](const char* prefix, int i) { return prefix + std::to_string(i); };
  for (int i = 0; i < kHot; ++i) {
    MustStore(*engine, key("marked", i), "m");
    MustStore(*engine, key("unmarked", i), "u");
  }
  auto touch = [&](const std::string& k, bool mark) {
    bool existed = false;
    (void)engine->Update(k, [&](const ItemView* current) {
      existed = current != nullptr;
      Mutation m;
      m.mark_accessed = mark;
      return m;
    });
    return existed;
  };
  for (int i = 0; i < 200'000; ++i) {
    MustStore(*engine, key("cold", i), std::string(100, 'c'));
    if (i % 2000 == 0) {
      for (int h = 0; h < kHot; ++h) {
        ASSERT_TRUE(touch(key("marked", h), true)) << h;
        touch(key("unmarked", h), false);
      }
    }
  }
  int unmarked_left = 0;
  for (int h = 0; h < kHot; ++h) {
    EXPECT_TRUE(touch(key("marked", h), true)) << h;
    unmarked_left += touch(key("unmarked", h), false) ? 1 : 0;
  }
  EXPECT_EQ(unmarked_left, 0);
}

TEST_F(EngineUpdateTest, ModifyOnMissingKeyDoesNothing) {
  UpdateOutcome out = MustUpdate("k", [](const ItemView*) {
    Mutation m;
    m.kind = Mutation::Kind::kModify;
    m.set_client_flags = true;
    m.client_flags = 3;
    return m;
  });
  EXPECT_FALSE(out.existed);
  EXPECT_FALSE(Read(*engine_, "k").has_value());
}

using Pairs = std::vector<std::pair<std::string_view, std::string_view>>;

TEST_F(EngineUpdateTest, StoreAllIfNoneExistStoresAll) {
  const Pairs pairs = {{"a", "1"}, {"b", "2"}, {"c", "3"}, {"d", "4"}, {"e", "5"}};
  auto result = engine_->StoreAll(pairs, Engine::StoreAllWhen::kNoneExist);
  ASSERT_TRUE(result.ok());
  EXPECT_TRUE(*result);
  for (const auto& [key, value] : pairs) EXPECT_EQ(Read(*engine_, key)->value, value);
}

TEST_F(EngineUpdateTest, StoreAllIfNoneExistStoresNothingIfOneIsLive) {
  MustStore(*engine_, "c", "old");
  auto result = engine_->StoreAll(Pairs{{"a", "1"}, {"b", "2"}, {"c", "3"}},
                                  Engine::StoreAllWhen::kNoneExist);
  ASSERT_TRUE(result.ok());
  EXPECT_FALSE(*result);
  EXPECT_FALSE(Read(*engine_, "a").has_value());
  EXPECT_FALSE(Read(*engine_, "b").has_value());
  EXPECT_EQ(Read(*engine_, "c")->value, "old");
}

TEST_F(EngineUpdateTest, StoreAllIfNoneExistIgnoresExpiredKeys) {
  MustStore(*engine_, "c", "old", Mode(StoreMode::kSet, 0, clock_.NowMillis() + 1));
  clock_.Advance(1);
  auto result = engine_->StoreAll(Pairs{{"a", "1"}, {"c", "3"}}, Engine::StoreAllWhen::kNoneExist);
  ASSERT_TRUE(result.ok());
  EXPECT_TRUE(*result);
  EXPECT_EQ(Read(*engine_, "c")->value, "3");
}

TEST_F(EngineUpdateTest, StoreAllAlwaysReplacesLiveKeys) {
  MustStore(*engine_, "b", "old");
  auto result = engine_->StoreAll(Pairs{{"a", "1"}, {"b", "2"}}, Engine::StoreAllWhen::kAlways);
  ASSERT_TRUE(result.ok());
  EXPECT_TRUE(*result);
  EXPECT_EQ(Read(*engine_, "a")->value, "1");
  EXPECT_EQ(Read(*engine_, "b")->value, "2");
}

TEST_F(EngineUpdateTest, StoreAllAlwaysTooLargeStoresNothing) {
  const std::string big(TestOptions().max_item_bytes, 'x');
  auto result = engine_->StoreAll(Pairs{{"a", "1"}, {"b", big}}, Engine::StoreAllWhen::kAlways);
  EXPECT_EQ(result.status().code(), absl::StatusCode::kResourceExhausted);
  EXPECT_FALSE(Read(*engine_, "a").has_value());
}

TEST_F(EngineUpdateTest, StoreAllIfNoneExistTooLarge) {
  const std::string big(TestOptions().max_item_bytes, 'x');
  auto result = engine_->StoreAll(Pairs{{"a", "1"}, {"b", big}}, Engine::StoreAllWhen::kNoneExist);
  EXPECT_EQ(result.status().code(), absl::StatusCode::kResourceExhausted);
  EXPECT_FALSE(Read(*engine_, "a").has_value());
}

}  // namespace
}  // namespace memkv::storage
