// Helpers shared by the storage engine tests: build an engine on a FakeClock and read items back
// as owned copies.
#ifndef MEMKV_TESTS_STORAGE_ENGINE_TEST_UTIL_H_
#define MEMKV_TESTS_STORAGE_ENGINE_TEST_UTIL_H_

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "gtest/gtest.h"
#include "storage/clock.h"
#include "storage/engine.h"

namespace memkv::storage::testing {

// An owned copy of an ItemView.
struct Item {
  std::string key;
  std::string value;
  uint32_t client_flags = 0;
  uint64_t cas = 0;
  int64_t expiry_millis = 0;
  int64_t last_access_millis = 0;
  bool fetched = false;
  bool stale = false;
  bool win_token_sent = false;
};

inline Item Copy(const ItemView& view) {
  return Item{std::string(view.key), std::string(view.value), view.client_flags, view.cas,
              view.expiry_millis,    view.last_access_millis, view.fetched,      view.stale,
              view.win_token_sent};
}

// Options for deterministic tests: no background thread.
inline EngineOptions TestOptions() {
  EngineOptions options;
  options.start_background_reclaimer = false;
  return options;
}

inline std::unique_ptr<Engine> MakeEngine(const EngineOptions& options, const Clock* clock) {
  auto engine = Engine::Create(options, clock);
  EXPECT_TRUE(engine.ok()) << engine.status();
  return std::move(engine).value();
}

inline std::optional<Item> Read(Keyspace& engine, std::string_view key) {
  std::optional<Item> item;
  engine.Get(key, [&](const ItemView& view) { item = Copy(view); });
  return item;
}

inline StoreOutcome MustStore(Keyspace& engine, std::string_view key, std::string_view value,
                              const StoreArgs& args = {}) {
  auto outcome = engine.Store(key, value, args);
  EXPECT_TRUE(outcome.ok()) << outcome.status();
  return outcome.ok() ? *outcome : StoreOutcome{};
}

// `size` bytes that differ from those of any other tag: a value overwritten, torn or freed and
// reused reads differently.
inline std::string Pattern(uint32_t tag, size_t size) {
  std::string bytes(size, '\0');
  uint32_t state = tag * 2654435761u + 1;
  for (char& c : bytes) {
    state = state * 1664525u + 1013904223u;
    c = static_cast<char>(state >> 24);
  }
  return bytes;
}

// A pin on key's value (empty on a miss, or if the value lives in a segment).
inline ValuePin PinOf(Engine& engine, std::string_view key) {
  ValuePin pin;
  engine.Get(key, [&](const ItemView& view) { pin = view.Pin(); });
  return pin;
}

inline StoreArgs Mode(StoreMode mode, uint32_t flags = 0, int64_t expiry = 0,
                      uint64_t compare_cas = 0) {
  StoreArgs args;
  args.mode = mode;
  args.client_flags = flags;
  args.expiry_millis = expiry;
  args.compare_cas = compare_cas;
  return args;
}

}  // namespace memkv::storage::testing

#endif  // MEMKV_TESTS_STORAGE_ENGINE_TEST_UTIL_H_
