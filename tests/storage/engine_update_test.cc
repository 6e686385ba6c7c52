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
  auto result = engine_->StoreAllIfNoneExist(pairs);
  ASSERT_TRUE(result.ok());
  EXPECT_TRUE(*result);
  for (const auto& [key, value] : pairs) EXPECT_EQ(Read(*engine_, key)->value, value);
}

TEST_F(EngineUpdateTest, StoreAllIfNoneExistStoresNothingIfOneIsLive) {
  MustStore(*engine_, "c", "old");
  auto result = engine_->StoreAllIfNoneExist(Pairs{{"a", "1"}, {"b", "2"}, {"c", "3"}});
  ASSERT_TRUE(result.ok());
  EXPECT_FALSE(*result);
  EXPECT_FALSE(Read(*engine_, "a").has_value());
  EXPECT_FALSE(Read(*engine_, "b").has_value());
  EXPECT_EQ(Read(*engine_, "c")->value, "old");
}

TEST_F(EngineUpdateTest, StoreAllIfNoneExistIgnoresExpiredKeys) {
  MustStore(*engine_, "c", "old", Mode(StoreMode::kSet, 0, clock_.NowMillis() + 1));
  clock_.Advance(1);
  auto result = engine_->StoreAllIfNoneExist(Pairs{{"a", "1"}, {"c", "3"}});
  ASSERT_TRUE(result.ok());
  EXPECT_TRUE(*result);
  EXPECT_EQ(Read(*engine_, "c")->value, "3");
}

TEST_F(EngineUpdateTest, StoreAllIfNoneExistTooLarge) {
  const std::string big(TestOptions().max_item_bytes, 'x');
  auto result = engine_->StoreAllIfNoneExist(Pairs{{"a", "1"}, {"b", big}});
  EXPECT_EQ(result.status().code(), absl::StatusCode::kResourceExhausted);
  EXPECT_FALSE(Read(*engine_, "a").has_value());
}

}  // namespace
}  // namespace memkv::storage
