// AuthUsers (the --auth-file format and the check) and AuthRegistry (the file, and its reload
// while other threads check).
#include "server/exec/auth_users.h"

#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <string>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "server/exec/auth_registry.h"

namespace memkv::server {
namespace {

using ::testing::HasSubstr;

AuthUsers MustParse(std::string_view contents) {
  absl::StatusOr<AuthUsers> users = AuthUsers::Parse(contents);
  EXPECT_TRUE(users.ok()) << users.status();
  return users.ok() ? *std::move(users) : AuthUsers();
}

TEST(AuthUsersTest, ChecksUserAndPasswordTogether) {
  AuthUsers users = MustParse("alice:secret\nbob:hunter2\n");
  EXPECT_EQ(users.size(), 2u);
  EXPECT_TRUE(users.Check("alice", "secret"));
  EXPECT_TRUE(users.Check("bob", "hunter2"));
  EXPECT_FALSE(users.Check("alice", "hunter2"));  // another user's password
  EXPECT_FALSE(users.Check("bob", "secret"));
  EXPECT_FALSE(users.Check("alice", "secre"));    // a prefix
  EXPECT_FALSE(users.Check("alice", "secrets"));  // longer
  EXPECT_FALSE(users.Check("Alice", "secret"));   // case matters
  EXPECT_FALSE(users.Check("carol", "secret"));
  EXPECT_FALSE(users.Check("", ""));
}

TEST(AuthUsersTest, SplitsAtTheFirstColon) {
  // As memcached: the user ends at the first ':', the password is the rest of the line.
  AuthUsers users = MustParse("u:pa:ss word\n");
  EXPECT_TRUE(users.Check("u", "pa:ss word"));
  EXPECT_FALSE(users.Check("u:pa", "ss word"));
}

TEST(AuthUsersTest, LastLineNeedsNoNewline) {
  AuthUsers users = MustParse("a:b\nc:d");
  EXPECT_TRUE(users.Check("c", "d"));
  EXPECT_EQ(MustParse("").size(), 0u);  // an empty file: nobody can authenticate
}

TEST(AuthUsersTest, KeepsMemcachedsLimits) {
  std::string eight;
  for (int i = 0; i < 8; ++i) eight += "user" + std::to_string(i) + ":pw\n";
  EXPECT_EQ(MustParse(eight).size(), 8u);
  absl::StatusOr<AuthUsers> nine = AuthUsers::Parse(eight + "user8:pw\n");
  ASSERT_FALSE(nine.ok());
  EXPECT_THAT(std::string(nine.status().message()), HasSubstr("line 9: more than 8 entries"));

  std::string line = "u:" + std::string(254, 'p');  // 256 bytes
  EXPECT_TRUE(AuthUsers::Parse(line + "\n").ok());
  absl::StatusOr<AuthUsers> long_line = AuthUsers::Parse(line + "p\n");
  ASSERT_FALSE(long_line.ok());
  EXPECT_THAT(std::string(long_line.status().message()), HasSubstr("longer than 256 bytes"));
}

TEST(AuthUsersTest, RefusesMalformedLines) {
  for (std::string_view bad :
       {"nocolon\n", "a:b\n\nc:d\n", "a:b\r\n", ":pw\n", "user:\n", "# comment\na:b\n"}) {
    absl::StatusOr<AuthUsers> users = AuthUsers::Parse(bad);
    EXPECT_FALSE(users.ok()) << bad;
    EXPECT_THAT(std::string(users.status().message()), HasSubstr("malformed entry")) << bad;
  }
}

TEST(ConstantTimeEqualsTest, ComparesEveryByteAndTheLength) {
  EXPECT_TRUE(ConstantTimeEquals("", ""));
  EXPECT_TRUE(ConstantTimeEquals("abc", "abc"));
  EXPECT_FALSE(ConstantTimeEquals("abc", "abd"));
  EXPECT_FALSE(ConstantTimeEquals("abc", "xbc"));
  EXPECT_FALSE(ConstantTimeEquals("abc", "ab"));
  EXPECT_FALSE(ConstantTimeEquals("ab", "abc"));
  EXPECT_FALSE(ConstantTimeEquals("", "a"));
  // A shorter input padded with NULs must still differ from the longer one.
  EXPECT_FALSE(ConstantTimeEquals(std::string_view("a\0", 2), "a"));
  EXPECT_TRUE(ConstantTimeEquals(std::string_view("a\0b", 3), std::string_view("a\0b", 3)));
}

// A file in the test's temporary directory, removed at the end.
class AuthFile {
 public:
  AuthFile() {
    const char* dir = std::getenv("TMPDIR");
    path_ = std::string(dir != nullptr ? dir : "/tmp") + "/memkv_auth_users_test_" +
            std::to_string(getpid());
  }
  ~AuthFile() { std::remove(path_.c_str()); }
  void Write(std::string_view contents) {
    std::ofstream(path_, std::ios::binary | std::ios::trunc) << contents;
  }
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

TEST(AuthRegistryTest, LoadsAndReloads) {
  AuthFile file;
  file.Write("alice:one\n");
  absl::StatusOr<std::unique_ptr<AuthRegistry>> registry = AuthRegistry::Load(file.path());
  ASSERT_TRUE(registry.ok()) << registry.status();
  EXPECT_TRUE((*registry)->Check("alice", "one"));

  file.Write("alice:two\n");
  EXPECT_TRUE((*registry)->Check("alice", "one"));  // nothing changes until the reload
  ASSERT_TRUE((*registry)->Reload().ok());
  EXPECT_TRUE((*registry)->Check("alice", "two"));
  EXPECT_FALSE((*registry)->Check("alice", "one"));

  // A file that no longer parses leaves the list in force.
  file.Write("broken\n");
  absl::Status status = (*registry)->Reload();
  EXPECT_FALSE(status.ok());
  EXPECT_THAT(std::string(status.message()), HasSubstr("line 1: malformed entry"));
  EXPECT_TRUE((*registry)->Check("alice", "two"));
}

TEST(AuthRegistryTest, MissingFileIsAnError) {
  AuthFile file;  // never written
  absl::StatusOr<std::unique_ptr<AuthRegistry>> registry = AuthRegistry::Load(file.path());
  ASSERT_FALSE(registry.ok());
  EXPECT_THAT(std::string(registry.status().message()), HasSubstr(file.path()));
}

}  // namespace
}  // namespace memkv::server
