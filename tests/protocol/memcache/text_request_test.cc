// TextRequest's helpers: command names as sent on the wire, and the command families.
#include "protocol/memcache/text_request.h"

#include "gtest/gtest.h"

namespace memkv::protocol {
namespace {

TEST(TextRequestTest, CommandNames) {
  EXPECT_EQ(TextCommandName(TextCommand::kFlushAll), "flush_all");
  EXPECT_EQ(TextCommandName(TextCommand::kGats), "gats");
  EXPECT_TRUE(IsRetrievalCommand(TextCommand::kGat));
  EXPECT_FALSE(IsRetrievalCommand(TextCommand::kSet));
  EXPECT_TRUE(IsStorageCommand(TextCommand::kCas));
  EXPECT_TRUE(IsStorageCommand(TextCommand::kSet));
  EXPECT_FALSE(IsStorageCommand(TextCommand::kTouch));
}

}  // namespace
}  // namespace memkv::protocol
