// Unit tests of the startup warning about protected mode (server/protected_mode_warning.h):
// which -l addresses count as loopback, and the warning's words with protected mode on and off,
// with and without --auth-file. No server listens: only the text is checked.
#include "server/protected_mode_warning.h"

#include <string>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "server/options.h"

namespace memkv::server {
namespace {

using ::testing::EndsWith;
using ::testing::HasSubstr;
using ::testing::StartsWith;

Options Parse(std::vector<std::string> args) {
  args.insert(args.begin(), "memkv");
  absl::StatusOr<Options> o = ParseOptions(args);
  EXPECT_TRUE(o.ok()) << o.status();
  return o.ok() ? *o : Options{};
}

TEST(ProtectedModeWarningTest, LoopbackAddressesAreThoseOnlyThisHostReaches) {
  for (const char* loopback : {"127.0.0.1", "127.0.0.2", "127.255.255.254", "::1",
                               "::ffff:127.0.0.1", "localhost", "LOCALHOST"}) {
    EXPECT_TRUE(IsLoopbackListenAddress(loopback)) << loopback;
  }
  for (const char* beyond : {"", "0.0.0.0", "::", "10.0.0.1", "192.168.1.2", "128.0.0.1", "fe80::1",
                             "2001:db8::1", "::ffff:10.0.0.1", "example.com"}) {
    EXPECT_FALSE(IsLoopbackListenAddress(beyond)) << beyond;
  }
}

TEST(ProtectedModeWarningTest, NoneOnLoopbackOrWithAuthentication) {
  EXPECT_EQ(ProtectedModeWarning(Parse({})), "") << "the default -l is 127.0.0.1";
  EXPECT_EQ(ProtectedModeWarning(Parse({"-l", "::1", "--protected-mode", "no"})), "");
  EXPECT_EQ(ProtectedModeWarning(Parse({"-l", "0.0.0.0", "--auth-file", "users.txt"})), "");
  EXPECT_EQ(
      ProtectedModeWarning(Parse({"-l", "0.0.0.0", "-Y", "users.txt", "--protected-mode", "no"})),
      "");
}

TEST(ProtectedModeWarningTest, ProtectedModeOnSaysNonLocalClientsAreRefusedAndHowToChangeIt) {
  const std::string warning = ProtectedModeWarning(Parse({"-l", "0.0.0.0", "-p", "2000"}));
  EXPECT_THAT(warning, StartsWith("listening on 0.0.0.0 without --auth-file"));
  EXPECT_THAT(warning, HasSubstr("protected mode is on"));
  EXPECT_THAT(warning, HasSubstr("will be refused"));
  EXPECT_THAT(warning, HasSubstr("127.0.0.1 or ::1"));
  EXPECT_THAT(warning, HasSubstr("--auth-file"));
  EXPECT_THAT(warning, HasSubstr("--protected-mode no"));
  EXPECT_THAT(warning, HasSubstr("port 2000"));
  EXPECT_THAT(warning, EndsWith("\n"));
}

TEST(ProtectedModeWarningTest, ProtectedModeOffSaysAnyoneCanReadWriteAndFlush) {
  const std::string warning = ProtectedModeWarning(
      Parse({"-l", "10.1.2.3", "-p", "2000", "--resp-port", "6390", "--protected-mode", "no"}));
  EXPECT_THAT(warning, StartsWith("listening on 10.1.2.3 with --protected-mode "
                                  "no and no --auth-file"));
  EXPECT_THAT(warning, HasSubstr("anyone who can reach port 2000 and 6390 can read, write and "
                                 "flush the cache"));
  EXPECT_THAT(warning, ::testing::Not(HasSubstr("will be refused")));
  EXPECT_THAT(warning, EndsWith("\n"));
}

}  // namespace
}  // namespace memkv::server
