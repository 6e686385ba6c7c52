// Tests of ExecuteBinary against the real engine on a fake clock: the counters binary commands
// move (memcached counts them under the text protocol's names), expiry from the extras, and the
// SASL PLAIN check. The reply bytes themselves are compared with a running memcached 1.6.18 by
// tests/server/binary_oracle_test.py.
#include "server/exec/binary_executor.h"

#include <unistd.h>

#include <cstdint>
#include <cstdlib>
#include <memory>
#include <string>
#include <string_view>

#include "gtest/gtest.h"
#include "protocol/memcache/binary_protocol.h"
#include "protocol/memcache/binary_request_parser.h"
#include "server/exec/binary_sasl.h"
#include "server/exec/command_stats.h"
#include "server/exec/exec_context.h"
#include "storage/clock.h"
#include "storage/engine.h"

namespace memkv::server {
namespace {

namespace bin = protocol::binary;

constexpr int64_t kStartMillis = 1'700'000'000'000;

void PutBigEndian(uint64_t value, size_t width, std::string* out) {
  for (size_t i = width; i-- > 0;) out->push_back(static_cast<char>(value >> (8 * i)));
}

std::string Packet(uint8_t opcode, std::string_view key = {}, std::string_view extras = {},
                   std::string_view value = {}, uint64_t cas = 0) {
  std::string out;
  out.push_back(static_cast<char>(bin::kRequestMagic));
  out.push_back(static_cast<char>(opcode));
  PutBigEndian(key.size(), 2, &out);
  out.push_back(static_cast<char>(extras.size()));
  out.push_back('\0');
  PutBigEndian(0, 2, &out);
  PutBigEndian(key.size() + extras.size() + value.size(), 4, &out);
  PutBigEndian(0, 4, &out);
  PutBigEndian(cas, 8, &out);
  return out.append(extras).append(key).append(value);
}

std::string Extras(uint64_t a, size_t a_width, uint64_t b = 0, size_t b_width = 0) {
  std::string out;
  PutBigEndian(a, a_width, &out);
  PutBigEndian(b, b_width, &out);
  return out;
}

// The status of the first response packet in `out`.
uint16_t FirstStatus(std::string_view out) {
  return static_cast<uint16_t>((static_cast<uint8_t>(out[6]) << 8) | static_cast<uint8_t>(out[7]));
}

class BinaryExecutorTest : public ::testing::Test {
 protected:
  BinaryExecutorTest() {
    storage::EngineOptions options;
    options.start_background_reclaimer = false;
    engine_ = storage::Engine::Create(options, &clock_).value();
    context_.engine = engine_.get();
    context_.stats = &stats_;
  }

  // Executes one whole packet; returns its reply bytes.
  std::string Run(const std::string& packet) {
    protocol::BinaryRequest request;
    EXPECT_EQ(parser_.Parse(packet, &request).status, protocol::ParseStatus::kOk);
    std::string out;
    ExecuteBinary(request, context_, &out);
    return out;
  }

  storage::FakeClock clock_{kStartMillis};
  std::unique_ptr<storage::Engine> engine_;
  CommandStats stats_;
  ExecContext context_;
  protocol::BinaryRequestParser parser_;
};

TEST_F(BinaryExecutorTest, StatResetAnswersTheEmptyPacketAlone) {
  // memcached answers STAT "reset" with the terminating packet only; an unknown group with
  // KeyNotFound.
  const std::string reset = Run(Packet(bin::kStat, "reset"));
  EXPECT_EQ(reset.size(), 24u);
  EXPECT_EQ(FirstStatus(reset), bin::kSuccess);
  EXPECT_EQ(FirstStatus(Run(Packet(bin::kStat, "bogus"))), bin::kKeyNotFound);
}

TEST_F(BinaryExecutorTest, CountsAsTheTextProtocolDoes) {
  Run(Packet(bin::kGet, "k"));
  Run(Packet(bin::kSet, "k", Extras(0, 4, 0, 4), "v"));
  Run(Packet(bin::kGetQ, "k"));
  Run(Packet(bin::kTouch, "k", Extras(10, 4)));
  Run(Packet(bin::kTouch, "nope", Extras(10, 4)));
  Run(Packet(bin::kSet, "k", Extras(0, 4, 0, 4), "v", /*cas=*/12345));
  Run(Packet(bin::kDelete, "k"));
  Run(Packet(bin::kDelete, "k"));
  Run(Packet(bin::kIncrement, "n", Extras(1, 8, 0, 8) + Extras(bin::kNoInitialValue, 4)));
  Run(Packet(bin::kFlush));
  EXPECT_EQ(stats_.cmd_get.Get(), 2u);
  EXPECT_EQ(stats_.get_hits.Get(), 1u);
  EXPECT_EQ(stats_.get_misses.Get(), 1u);
  EXPECT_EQ(stats_.cmd_set.Get(), 2u);
  EXPECT_EQ(stats_.cas_badval.Get(), 1u);
  EXPECT_EQ(stats_.cmd_touch.Get(), 2u);
  EXPECT_EQ(stats_.touch_hits.Get(), 1u);
  EXPECT_EQ(stats_.touch_misses.Get(), 1u);
  EXPECT_EQ(stats_.delete_hits.Get(), 1u);
  EXPECT_EQ(stats_.delete_misses.Get(), 1u);
  EXPECT_EQ(stats_.incr_misses.Get(), 1u);
  EXPECT_EQ(stats_.cmd_flush.Get(), 1u);
}

TEST_F(BinaryExecutorTest, ExpirationFromExtrasExpiresTheItem) {
  EXPECT_EQ(FirstStatus(Run(Packet(bin::kSet, "k", Extras(0, 4, 10, 4), "v"))), bin::kSuccess);
  clock_.Advance(9'999);
  EXPECT_EQ(FirstStatus(Run(Packet(bin::kGet, "k"))), bin::kSuccess);
  clock_.Advance(1);
  EXPECT_EQ(FirstStatus(Run(Packet(bin::kGet, "k"))), bin::kKeyNotFound);
  // An INCREMENT that creates its counter gives it the expiration too.
  Run(Packet(bin::kIncrement, "n", Extras(1, 8, 5, 8) + Extras(20, 4)));
  clock_.Advance(19'999);
  EXPECT_EQ(FirstStatus(Run(Packet(bin::kGet, "n"))), bin::kSuccess);
  clock_.Advance(1);
  EXPECT_EQ(FirstStatus(Run(Packet(bin::kGet, "n"))), bin::kKeyNotFound);
}

TEST_F(BinaryExecutorTest, QuietSuccessIsSilentButErrorsAreNot) {
  EXPECT_EQ(Run(Packet(bin::kSetQ, "k", Extras(0, 4, 0, 4), "v")), "");
  EXPECT_EQ(FirstStatus(Run(Packet(bin::kAddQ, "k", Extras(0, 4, 0, 4), "v"))), bin::kKeyExists);
  EXPECT_EQ(Run(Packet(bin::kGetQ, "nope")), "");
  EXPECT_EQ(FirstStatus(Run(Packet(bin::kDeleteQ, "nope"))), bin::kKeyNotFound);
  EXPECT_EQ(Run(Packet(bin::kDeleteQ, "k")), "");
}

TEST(CheckSaslPlainTest, AcceptsOnlyTheListedPairWithAnEmptyOrEqualAuthzid) {
  std::string path = ::testing::TempDir() + "memkv_sasl_users_XXXXXX";
  const int fd = mkstemp(path.data());
  ASSERT_GE(fd, 0);
  const std::string users = "alice:secret\n";
  ASSERT_EQ(write(fd, users.data(), users.size()), static_cast<ssize_t>(users.size()));
  close(fd);
  auto registry = AuthRegistry::Load(path);
  unlink(path.c_str());
  ASSERT_TRUE(registry.ok()) << registry.status();
  using std::string_literals::operator""s;
  EXPECT_TRUE(CheckSaslPlain("\0alice\0secret"s, **registry));
  EXPECT_TRUE(CheckSaslPlain("alice\0alice\0secret"s, **registry));
  EXPECT_FALSE(CheckSaslPlain("bob\0alice\0secret"s, **registry));
  EXPECT_FALSE(CheckSaslPlain("\0alice\0wrong"s, **registry));
  EXPECT_FALSE(CheckSaslPlain("\0alice\0secret\0"s, **registry));
  EXPECT_FALSE(CheckSaslPlain("alice\0secret"s, **registry));
  EXPECT_FALSE(CheckSaslPlain(""s, **registry));
}

}  // namespace
}  // namespace memkv::server
