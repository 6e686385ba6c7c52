// Tests of SendCursor, the unsent rest of a gather send: zero-length slices dropped, windows of
// at most IOV_MAX slices, and advances that stop inside a slice, on a border, or several slices
// on. The engines' use of it over real sockets is tested in gather_send_test.cc.
#include "server/loop/send_cursor.h"

#include <sys/uio.h>

#include <string>
#include <vector>

#include "gtest/gtest.h"

namespace memkv::server {
namespace {

iovec Slice(std::string& bytes) { return iovec{bytes.data(), bytes.size()}; }

// The bytes the cursor's next window would write, concatenated.
std::string WindowBytes(const SendCursor& cursor, size_t max_slices) {
  std::string out;
  for (const iovec& slice : cursor.Window(max_slices)) {
    out.append(static_cast<const char*>(slice.iov_base), slice.iov_len);
  }
  return out;
}

TEST(SendCursorTest, StartsEmptyAndAnEmptySendIsEmpty) {
  SendCursor cursor;
  EXPECT_TRUE(cursor.empty());
  EXPECT_TRUE(cursor.Window(SendCursor::kMaxSlicesPerCall).empty());
  std::string nothing;
  std::vector<iovec> zero_lengths = {Slice(nothing), {nullptr, 0}};
  cursor.Reset(zero_lengths);
  EXPECT_TRUE(cursor.empty());
  EXPECT_EQ(cursor.slices_left(), 0u);
}

TEST(SendCursorTest, DropsZeroLengthSlicesAndCopiesTheArray) {
  std::string a = "abc", b = "de";
  std::vector<iovec> slices = {{nullptr, 0}, Slice(a), {nullptr, 0}, Slice(b), {nullptr, 0}};
  SendCursor cursor;
  cursor.Reset(slices);
  slices.assign(slices.size(), iovec{nullptr, 0});  // the caller's array may change: a copy
  EXPECT_EQ(cursor.bytes_left(), 5u);
  EXPECT_EQ(cursor.slices_left(), 2u);
  EXPECT_EQ(WindowBytes(cursor, 10), "abcde");
  EXPECT_EQ(WindowBytes(cursor, 1), "abc");
}

TEST(SendCursorTest, AdvancesInsideSlicesOnBordersAndAcrossSeveral) {
  std::string a = "0123", b = "45", c = "6", d = "789";
  std::vector<iovec> slices = {Slice(a), Slice(b), Slice(c), Slice(d)};
  SendCursor cursor;
  cursor.Reset(slices);
  cursor.Advance(1);  // inside the first
  EXPECT_EQ(WindowBytes(cursor, 10), "123456789");
  EXPECT_EQ(cursor.slices_left(), 4u);
  cursor.Advance(3);  // to the border
  EXPECT_EQ(WindowBytes(cursor, 10), "456789");
  EXPECT_EQ(cursor.slices_left(), 3u);
  cursor.Advance(4);  // across two, into the last
  EXPECT_EQ(WindowBytes(cursor, 10), "89");
  EXPECT_EQ(cursor.slices_left(), 1u);
  EXPECT_EQ(cursor.bytes_left(), 2u);
  cursor.Advance(0);
  EXPECT_EQ(WindowBytes(cursor, 10), "89");
  cursor.Advance(2);
  EXPECT_TRUE(cursor.empty());
  EXPECT_TRUE(cursor.Window(10).empty());
  EXPECT_EQ(a + b + c + d, "0123456789");  // the caller's bytes are never written to
}

TEST(SendCursorTest, WindowsCoverManySlicesInOrder) {
  constexpr size_t kSlices = 3 * SendCursor::kMaxSlicesPerCall + 7;
  std::string bytes;
  for (size_t i = 0; i < kSlices; ++i) bytes.push_back(static_cast<char>('a' + i % 26));
  std::vector<iovec> slices;
  for (size_t i = 0; i < kSlices; ++i) slices.push_back({bytes.data() + i, 1});
  SendCursor cursor;
  cursor.Reset(slices);
  std::string written;
  while (!cursor.empty()) {
    std::string window = WindowBytes(cursor, SendCursor::kMaxSlicesPerCall);
    ASSERT_LE(window.size(), SendCursor::kMaxSlicesPerCall);
    // A short write of two thirds of the window, as a full socket would take.
    size_t taken = std::max<size_t>(1, window.size() * 2 / 3);
    written += window.substr(0, taken);
    cursor.Advance(taken);
  }
  EXPECT_EQ(written, bytes);
}

TEST(SendCursorTest, ResetStartsOverAfterAPartialSend) {
  std::string a = "first", b = "second";
  std::vector<iovec> one = {Slice(a)};
  std::vector<iovec> two = {Slice(b)};
  SendCursor cursor;
  cursor.Reset(one);
  cursor.Advance(2);
  cursor.Reset(two);
  EXPECT_EQ(WindowBytes(cursor, 10), "second");
  cursor.Clear();
  EXPECT_TRUE(cursor.empty());
  EXPECT_TRUE(cursor.Window(10).empty());
}

}  // namespace
}  // namespace memkv::server
