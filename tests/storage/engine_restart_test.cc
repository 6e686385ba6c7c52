// Warm restart (EngineOptions::restart_file, memcached -e): a clean shutdown's file gives the next
// engine every item that had not expired, with its value, flags, CAS, expiry and database; a
// file from a crash, other settings or another version, or a truncated or altered one, gives an
// empty engine and a report that says why. The real server over real sockets is tested in
// tests/server/restart_test.py.
#include <fcntl.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdint>
#include <filesystem>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>

#include "gtest/gtest.h"
#include "storage/clock.h"
#include "storage/engine.h"
#include "tests/storage/engine_test_util.h"

namespace memkv::storage {
namespace {

using testing::Item;
using testing::MakeEngine;
using testing::Mode;
using testing::MustStore;
using testing::Pattern;
using testing::Read;
using testing::TestOptions;

constexpr int64_t kFarFuture = 1'900'000'000'000;

class EngineRestartTest : public ::testing::Test {
 protected:
  EngineRestartTest() {
    std::string pattern =
        (std::filesystem::temp_directory_path() / "memkv-restart-XXXXXX").string();
    dir_ = mkdtemp(pattern.data());
    path_ = dir_ + "/items";
  }
  ~EngineRestartTest() override {
    engine_.reset();
    std::filesystem::remove_all(dir_);
  }

  EngineOptions Options(size_t memory_mb = 16) const {
    EngineOptions options = TestOptions();
    options.memory_limit_bytes = memory_mb << 20;
    options.max_item_bytes = 1 << 20;
    options.restart_file = path_;
    options.software_version = "test-1";
    return options;
  }

  void Start(const EngineOptions& options) {
    engine_.reset();
    engine_ = MakeEngine(options, &clock_);
  }
  void Start() { Start(Options()); }
  // A clean shutdown, then a start with the same options.
  void Restart(const EngineOptions& options) {
    ASSERT_TRUE(engine_->SaveForRestart().ok());
    Start(options);
  }
  void Restart() { Restart(Options()); }

  // Stores `count` small items with varied flags and expiry, and a few large ones; returns what
  // each key must read back as.
  std::map<std::string, Item> Fill(int count, int large) {
    std::map<std::string, Item> expected;
    for (int i = 0; i < count + large; ++i) {
      const std::string key = "key:" + std::to_string(i);
      const size_t size = i < count ? 10 + i % 200 : 100'000 + static_cast<size_t>(i);
      const uint32_t flags = i % 3 == 0 ? 0 : static_cast<uint32_t>(i) * 7919;
      const int64_t expiry = i % 4 == 0 ? kFarFuture + i : 0;
      MustStore(*engine_, key, Pattern(i, size), Mode(StoreMode::kSet, flags, expiry));
    }
    for (int i = 0; i < count + large; ++i) {
      const std::string key = "key:" + std::to_string(i);
      std::optional<Item> item = Read(*engine_, key);
      if (item.has_value()) expected[key] = *item;
    }
    return expected;
  }

  void ExpectAll(const std::map<std::string, Item>& expected) {
    for (const auto& [key, want] : expected) {
      std::optional<Item> got = Read(*engine_, key);
      ASSERT_TRUE(got.has_value()) << key;
      EXPECT_EQ(got->value, want.value) << key;
      EXPECT_EQ(got->client_flags, want.client_flags) << key;
      EXPECT_EQ(got->cas, want.cas) << key;
      EXPECT_EQ(got->expiry_millis, want.expiry_millis) << key;
    }
    EXPECT_EQ(engine_->Stats().curr_items, expected.size());
  }

  // Flips one byte every `stride` bytes from `from` to the end of the file (or `until`).
  void Alter(off_t from, off_t stride, off_t until = -1) {
    const int fd = open(path_.c_str(), O_RDWR);
    ASSERT_GE(fd, 0);
    struct stat st;
    ASSERT_EQ(fstat(fd, &st), 0);
    const off_t end = until < 0 ? st.st_size : until;
    for (off_t at = from; at < end; at += stride) {
      char c;
      ASSERT_EQ(pread(fd, &c, 1, at), 1);
      c = static_cast<char>(c ^ 0x5a);
      ASSERT_EQ(pwrite(fd, &c, 1, at), 1);
    }
    close(fd);
  }
  off_t FileBytes() const { return static_cast<off_t>(std::filesystem::file_size(path_)); }

  void ExpectEmptyBecause(const std::string& reason) {
    EXPECT_EQ(engine_->Stats().curr_items, 0u);
    EXPECT_NE(engine_->restart_report().find(reason), std::string::npos)
        << engine_->restart_report();
    EXPECT_NE(engine_->restart_report().find("starting empty"), std::string::npos);
  }

  FakeClock clock_;
  std::string dir_;
  std::string path_;
  std::unique_ptr<Engine> engine_;
};

TEST_F(EngineRestartTest, ANewFileStartsEmptyAndSaysSo) {
  Start();
  EXPECT_EQ(engine_->Stats().curr_items, 0u);
  EXPECT_NE(engine_->restart_report().find("new or empty; starting empty"), std::string::npos)
      << engine_->restart_report();
}

TEST_F(EngineRestartTest, EveryItemComesBackWithItsFlagsCasAndExpiry) {
  Start();
  const std::map<std::string, Item> expected = Fill(20'000, 12);
  ASSERT_GT(expected.size(), 10'000u);
  Restart();
  EXPECT_NE(engine_->restart_report().find(std::to_string(expected.size()) + " items restored"),
            std::string::npos)
      << engine_->restart_report();
  ExpectAll(expected);
  // New CAS uniques go on from the saved counters: none repeats an old one.
  std::set<uint64_t> old_cas;
  for (const auto& [key, item] : expected) old_cas.insert(item.cas);
  int checked = 0;
  for (const auto& [key, item] : expected) {
    if (++checked > 500) break;
    MustStore(*engine_, key, "new");
    const uint64_t cas = Read(*engine_, key)->cas;
    EXPECT_GT(cas, item.cas) << key;
    EXPECT_EQ(old_cas.count(cas), 0u) << key;
  }
}

TEST_F(EngineRestartTest, TheRestoredEngineStoresEvictsAndRestartsAgain) {
  Start();
  Fill(5'000, 4);
  Restart();
  // Twice the memory limit in new items: the restored log is cleaned and evicted as any other.
  for (int i = 0; i < 40'000; ++i) {
    MustStore(*engine_, "more:" + std::to_string(i), Pattern(i, 800));
  }
  EXPECT_GT(engine_->Stats().evictions, 0u);
  const std::map<std::string, Item> before = [&] {
    std::map<std::string, Item> items;
    for (int i = 0; i < 40'000; ++i) {
      const std::string key = "more:" + std::to_string(i);
      if (std::optional<Item> item = Read(*engine_, key)) items[key] = *item;
    }
    return items;
  }();
  ASSERT_GT(before.size(), 1'000u);
  Restart();
  ExpectAll(before);
}

TEST_F(EngineRestartTest, DatabasesAndTheirMapComeBack) {
  Start();
  MustStore(engine_->Database(1), "k", "one");
  MustStore(engine_->Database(2), "k", "two");
  MustStore(engine_->Database(0), "k", "zero");
  engine_->SwapDatabases(1, 2);
  Restart();
  EXPECT_EQ(Read(engine_->Database(0), "k")->value, "zero");
  EXPECT_EQ(Read(engine_->Database(1), "k")->value, "two");
  EXPECT_EQ(Read(engine_->Database(2), "k")->value, "one");
  EXPECT_EQ(engine_->CountDatabase(1).keys, 1u);
}

TEST_F(EngineRestartTest, ItemsThatExpiredWhileStoppedAreLeftOut) {
  Start();
  const int64_t now = clock_.NowMillis();
  for (int i = 0; i < 1000; ++i) {
    const int64_t expiry = i % 2 == 0 ? now + 10'000 : 0;
    MustStore(*engine_, "k" + std::to_string(i), Pattern(i, i % 50 == 0 ? 200'000 : 50),
              Mode(StoreMode::kSet, 0, expiry));
  }
  ASSERT_TRUE(engine_->SaveForRestart().ok());
  clock_.Advance(20'000);
  Start();
  EXPECT_EQ(engine_->Stats().curr_items, 500u);
  EXPECT_NE(engine_->restart_report().find("500 expired or flushed left out"), std::string::npos)
      << engine_->restart_report();
  for (int i = 0; i < 1000; ++i) {
    EXPECT_EQ(Read(*engine_, "k" + std::to_string(i)).has_value(), i % 2 == 1) << i;
  }
  EXPECT_EQ(Read(*engine_, "k1")->value, Pattern(1, 50));
}

TEST_F(EngineRestartTest, AFlushAllThatCameDueWhileStoppedIsApplied) {
  Start();
  Fill(1000, 2);
  engine_->FlushAll(5'000);
  ASSERT_TRUE(engine_->SaveForRestart().ok());
  clock_.Advance(10'000);
  Start();
  EXPECT_EQ(engine_->Stats().curr_items, 0u);
  EXPECT_FALSE(Read(*engine_, "key:1").has_value());
}

TEST_F(EngineRestartTest, ACrashStartsEmpty) {
  Start();
  Fill(1000, 2);
  Start();  // the engine went away without SaveForRestart, as a killed process does
  ExpectEmptyBecause("did not shut down cleanly");
}

TEST_F(EngineRestartTest, TheFileIsInUseAgainOnceServing) {
  Start();
  Fill(1000, 2);
  Restart();
  ASSERT_GT(engine_->Stats().curr_items, 0u);
  Start();  // a crash after a good restart: the saved state must not be served twice
  ExpectEmptyBecause("did not shut down cleanly");
}

TEST_F(EngineRestartTest, OtherSettingsStartEmpty) {
  Start();
  Fill(1000, 2);
  Restart(Options(32));
  ExpectEmptyBecause("memory limit (bytes) 16777216 then, 33554432 now");
  // The file now serves the new settings.
  MustStore(*engine_, "k", "v");
  Restart(Options(32));
  EXPECT_EQ(Read(*engine_, "k")->value, "v");
}

TEST_F(EngineRestartTest, AnotherVersionStartsEmpty) {
  Start();
  Fill(100, 1);
  EngineOptions options = Options();
  options.software_version = "test-2";
  Restart(options);
  ExpectEmptyBecause("written by memkv test-1 (format 1); this is memkv test-2");
}

TEST_F(EngineRestartTest, ATruncatedFileStartsEmpty) {
  Start();
  Fill(2000, 4);
  ASSERT_TRUE(engine_->SaveForRestart().ok());
  engine_.reset();
  ASSERT_EQ(truncate(path_.c_str(), FileBytes() - 1), 0);
  Start();
  ExpectEmptyBecause("truncated");
}

TEST_F(EngineRestartTest, AnAlteredHeaderStartsEmpty) {
  Start();
  Fill(100, 1);
  ASSERT_TRUE(engine_->SaveForRestart().ok());
  engine_.reset();
  Alter(100, 1, 101);
  Start();
  ExpectEmptyBecause("damaged header");
}

TEST_F(EngineRestartTest, AnAlteredSegmentStartsEmpty) {
  Start();
  Fill(20'000, 0);
  ASSERT_TRUE(engine_->SaveForRestart().ok());
  engine_.reset();
  // One byte in every 4 KiB of the segments: some land in segments holding items.
  Alter(4096 + 1234, 4096, 4096 + (16 << 20));
  Start();
  ExpectEmptyBecause("damaged segments (checksum");
}

TEST_F(EngineRestartTest, AnAlteredLargeValueStartsEmpty) {
  Start();
  Fill(10, 3);
  ASSERT_TRUE(engine_->SaveForRestart().ok());
  engine_.reset();
  // The large values follow the segments; the metadata, a few KiB, ends the file.
  Alter(FileBytes() - 250'000, 1, FileBytes() - 249'999);
  Start();
  ExpectEmptyBecause("damaged large values (checksum)");
}

TEST_F(EngineRestartTest, AFileThatIsNotOneStartsEmpty) {
  {
    const int fd = open(path_.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
    ASSERT_GE(fd, 0);
    const std::string text(8192, 'x');
    ASSERT_EQ(write(fd, text.data(), text.size()), static_cast<ssize_t>(text.size()));
    close(fd);
  }
  Start();
  ExpectEmptyBecause("not a memkv restart file");
}

TEST_F(EngineRestartTest, AnUnwritableFileIsAnError) {
  EngineOptions options = Options();
  options.restart_file = dir_ + "/no/such/dir/items";
  EXPECT_FALSE(Engine::Create(options, &clock_).ok());
}

TEST_F(EngineRestartTest, SavingWithoutAFileIsRefused) {
  std::unique_ptr<Engine> engine = MakeEngine(TestOptions(), &clock_);
  EXPECT_EQ(engine->SaveForRestart().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_EQ(engine->restart_report(), "");
}

}  // namespace
}  // namespace memkv::storage
