// GlobMatch against Redis's stringmatchlen (nocase, and exact case): the pattern language, and the
// bounds that keep a hostile pattern from taking exponential time or deep recursion (issue 14 item
// 5).
#include "server/exec/resp/glob_match.h"

#include <string>

#include "gtest/gtest.h"

namespace memkv::server::resp {
namespace {

std::string Repeat(const std::string& piece, int times) {
  std::string out;
  for (int i = 0; i < times; ++i) out += piece;
  return out;
}

TEST(GlobMatchTest, ExactCaseForKeys) {
  EXPECT_TRUE(GlobMatch("user:*", "user:1", /*ignore_case=*/false));
  EXPECT_FALSE(GlobMatch("USER:*", "user:1", /*ignore_case=*/false));
  EXPECT_FALSE(GlobMatch("[A-Z]", "a", /*ignore_case=*/false));
  EXPECT_TRUE(GlobMatch("[A-Z]", "a"));
  EXPECT_FALSE(GlobMatch("[a]b", "Ab", /*ignore_case=*/false));
  EXPECT_TRUE(GlobMatch("[^a]b", "Ab", /*ignore_case=*/false));
}

TEST(GlobMatchTest, PatternLanguage) {
  EXPECT_TRUE(GlobMatch("*", ""));
  EXPECT_TRUE(GlobMatch("*", "maxmemory"));
  EXPECT_TRUE(GlobMatch("max*", "maxmemory"));
  EXPECT_TRUE(GlobMatch("*memory*", "maxmemory-policy"));
  EXPECT_TRUE(GlobMatch("MAX*-POLICY", "maxmemory-policy"));  // case is ignored
  EXPECT_FALSE(GlobMatch("max*", "appendonly"));
  EXPECT_TRUE(GlobMatch("?ave", "save"));
  EXPECT_FALSE(GlobMatch("?ave", "ave"));
  EXPECT_TRUE(GlobMatch("[sa]ave", "save"));
  EXPECT_TRUE(GlobMatch("[^a]ave", "save"));
  EXPECT_FALSE(GlobMatch("[^s]ave", "save"));
  EXPECT_TRUE(GlobMatch("[r-t]ave", "save"));
  EXPECT_TRUE(GlobMatch("[t-r]ave", "save"));  // a reversed range is swapped, as in Redis
  EXPECT_TRUE(GlobMatch("a\\*b", "a*b"));
  EXPECT_FALSE(GlobMatch("a\\*b", "axb"));
  EXPECT_TRUE(GlobMatch("[\\]]", "]"));
  EXPECT_TRUE(GlobMatch("a**b", "ab"));
  EXPECT_TRUE(GlobMatch("*a*b*c", "xxaxxbxxc"));
  EXPECT_FALSE(GlobMatch("*a*b*c", "xxaxxcxxb"));
  EXPECT_FALSE(GlobMatch("abc", "ab"));
  EXPECT_FALSE(GlobMatch("ab", "abc"));
}

// "*a*a*a...*b" against "aaaa...": a matcher that backtracks over every way to split the text
// among the stars takes about C(60 + 30, 30) = 6.7e24 steps here, never finishing; giving up on
// longer matches once the rest matched nowhere makes it about 30 x 60. That this test finishes
// at all is the check (no clock is read: the ctest timeout would catch the exponential case).
TEST(GlobMatchTest, BacktrackingIsBounded) {
  const std::string text(60, 'a');
  EXPECT_FALSE(GlobMatch(Repeat("*a", 30) + "*b", text));
  EXPECT_TRUE(GlobMatch(Repeat("*a", 30) + "*", text));
  EXPECT_FALSE(GlobMatch(Repeat("*?", 61), text));
  EXPECT_TRUE(GlobMatch(Repeat("*?", 60), text));
  // The same against a long text.
  const std::string long_text(20000, 'a');
  EXPECT_FALSE(GlobMatch(Repeat("a*", 200) + "b", long_text));
}

// Each '*' recurses once; past 1000 nested stars a pattern matches nothing, as in Redis, so a
// 64 KiB pattern of stars cannot exhaust the stack.
TEST(GlobMatchTest, StarNestingIsBounded) {
  const std::string text(kMaxGlobStarNesting + 10, 'a');
  EXPECT_TRUE(GlobMatch(Repeat("*a", kMaxGlobStarNesting), text));
  EXPECT_FALSE(GlobMatch(Repeat("*a", kMaxGlobStarNesting + 2), text));
  EXPECT_FALSE(GlobMatch(Repeat("*a", 30000), std::string(40000, 'a')));
}

}  // namespace
}  // namespace memkv::server::resp
