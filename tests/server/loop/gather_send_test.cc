// Tests of the gather Send (a list of slices written in order with sendmsg or io_uring SENDMSG)
// on every engine variant, over real loopback sockets: thousands of slices of random sizes with
// zero-length ones among them (more than IOV_MAX, so several system calls per send), 16 MiB to a
// slow reader (many short writes that stop inside slices, and full sockets), a peer reset in the
// middle of a gather, and sends with no bytes at all.
//
// The slices lie in their buffer out of order and apart, so a short write that resumes at the
// wrong place (the next slice, the start of the slice, the byte after the last one sent in
// memory) garbles what the client reads.
//
// As in event_loop_test.cc: no sleeps, no timeouts; a broken loop hangs and ctest fails it.
#include <sys/socket.h>
#include <sys/uio.h>

#include <algorithm>
#include <cstddef>
#include <memory>
#include <numeric>
#include <random>
#include <string>
#include <vector>

#include "absl/types/span.h"
#include "gtest/gtest.h"
#include "server/loop/event_loop.h"
#include "server/loop/send_cursor.h"
#include "server/loop/socket_util.h"
#include "tests/support/event_loop_harness.h"

namespace memkv::server {
namespace {

// Slices of the given sizes over one buffer of pattern bytes, placed in a shuffled order with a
// byte between neighbours; expected() is what a client must read: the slices' bytes in order.
class Gather {
 public:
  Gather(const std::vector<size_t>& sizes, uint32_t seed) {
    std::vector<size_t> placement(sizes.size());
    std::iota(placement.begin(), placement.end(), 0);
    std::shuffle(placement.begin(), placement.end(), std::mt19937(seed));
    std::vector<size_t> offsets(sizes.size());
    size_t end = 0;
    for (size_t i : placement) {
      offsets[i] = end;
      end += sizes[i] + 1;
    }
    buffer_ = Pattern(end, seed);
    for (size_t i = 0; i < sizes.size(); ++i) {
      slices_.push_back(iovec{buffer_.data() + offsets[i], sizes[i]});
      expected_.append(buffer_, offsets[i], sizes[i]);
    }
  }
  Gather(const Gather&) = delete;
  Gather& operator=(const Gather&) = delete;

  const std::vector<iovec>& slices() const { return slices_; }
  const std::string& expected() const { return expected_; }

 private:
  std::string buffer_;
  std::vector<iovec> slices_;
  std::string expected_;
};

// Slice sizes, at least min_count of them and min_bytes in all: a quarter zero, the rest mostly
// small with a few up to max_size.
std::vector<size_t> RandomSizes(size_t min_count, size_t min_bytes, size_t max_size,
                                uint32_t seed) {
  std::mt19937 random(seed);
  std::vector<size_t> sizes;
  size_t bytes = 0;
  while (sizes.size() < min_count || bytes < min_bytes) {
    uint32_t kind = random() % 20;
    size_t size = kind < 5    ? 0
                  : kind < 15 ? 1 + random() % 64
                  : kind < 19 ? 1 + random() % 4096
                              : 1 + random() % max_size;
    sizes.push_back(size);
    bytes += size;
  }
  return sizes;
}

// Reads size bytes in reads of at most `chunk`: a reader slower than the loop's writer.
std::string ReadInChunks(int fd, size_t size, size_t chunk) {
  std::string out(size, '\0');
  size_t got = 0;
  while (got < size) {
    ssize_t n = recv(fd, out.data() + got, std::min(chunk, size - got), 0);
    if (n <= 0) break;
    got += n;
  }
  out.resize(got);
  return out;
}

class GatherSendTest : public EngineTest {};

TEST_P(GatherSendTest, ThousandsOfSlicesOfRandomSizesArriveIntact) {
  const Gather gather(RandomSizes(5000, 0, 64 * 1024, 1), 1);
  ASSERT_GT(gather.slices().size(), 4 * SendCursor::kMaxSlicesPerCall);
  EchoServer server = StartEchoServer();
  TestLoopThread* loop = server.loop.get();
  int count = 0;
  // A roomy receive window (few, long sendmsg calls) and a small one (many short ones).
  for (int receive_buffer : {0, 4096}) {
    UniqueFd client = Connect(server.port, receive_buffer);
    EchoHandler* handler = loop->AwaitHandler(++count);
    loop->RunSync([handler, &gather] { handler->set_reply_slices(gather.slices()); });
    WriteAll(client.get(), "go");
    // EXPECT_TRUE: no diff of megabytes when it fails.
    EXPECT_TRUE(ReadExactly(client.get(), gather.expected().size()) == gather.expected())
        << "receive buffer " << receive_buffer;
    client.reset();
    EXPECT_EQ(handler->AwaitClosed(), 1);
    EXPECT_EQ(handler->sends_completed(), 1);
  }
}

TEST_P(GatherSendTest, SixteenMiBOverSlicesToASlowReader) {
  const Gather gather(RandomSizes(0, 16 << 20, 64 * 1024, 2), 2);
  EchoServer server = StartEchoServer();
  TestLoopThread* loop = server.loop.get();
  // A 4 KiB window read 1000 bytes at a time: the loop's writes stop short and find the socket
  // full over and over.
  UniqueFd client = Connect(server.port, 4096);
  EchoHandler* handler = loop->AwaitHandler(1);
  loop->RunSync([handler, &gather] { handler->set_reply_slices(gather.slices()); });
  WriteAll(client.get(), "go");
  EXPECT_TRUE(ReadInChunks(client.get(), gather.expected().size(), 1000) == gather.expected());
  shutdown(client.get(), SHUT_WR);
  EXPECT_EQ(ReadToEnd(client.get()), 0u);  // nothing after it; closed once the peer closed
  EXPECT_EQ(handler->AwaitClosed(), 1);
  EXPECT_EQ(handler->sends_completed(), 1);
}

TEST_P(GatherSendTest, PeerResetInTheMiddleClosesTheStream) {
  // Far more than the socket buffers hold: the send is still going when the reset comes.
  const Gather gather(RandomSizes(0, 4 << 20, 64 * 1024, 3), 3);
  EchoServer server = StartEchoServer();
  TestLoopThread* loop = server.loop.get();
  int count = 0;
  for (bool paused : {false, true}) {
    UniqueFd client = Connect(server.port, 4096);
    EchoHandler* handler = loop->AwaitHandler(++count);
    loop->RunSync([handler, &gather] { handler->set_reply_slices(gather.slices()); });
    WriteAll(client.get(), "go");
    ASSERT_EQ(ReadExactly(client.get(), 1000), gather.expected().substr(0, 1000));
    // Paused as a Connection pauses a client that does not read: only the send sees the reset.
    if (paused) loop->RunSync([loop, handler] { loop->loop()->PauseReceive(handler->fd()); });
    Reset(std::move(client));
    EXPECT_EQ(handler->AwaitClosed(), 1);
    EXPECT_EQ(handler->sends_completed(), 0);
    EXPECT_EQ(handler->peer_closed(), 0);
  }
  loop->RunSync([] {});
  for (EchoHandler* handler : loop->handlers()) EXPECT_EQ(handler->closed(), 1);
}

// An empty span and a span of zero-length slices complete without writing (at the next safe
// point, never inside Send); zero-length slices among others are skipped; the stream goes on.
TEST_P(GatherSendTest, SendsWithNoBytesComplete) {
  EchoServer server = StartEchoServer();
  TestLoopThread* loop = server.loop.get();
  UniqueFd client = Connect(server.port);
  EchoHandler* handler = loop->AwaitHandler(1);
  const std::vector<iovec> zero_lengths = {{nullptr, 0}, {nullptr, 0}, {nullptr, 0}};
  for (absl::Span<const iovec> slices :
       {absl::Span<const iovec>(), absl::MakeConstSpan(zero_lengths)}) {
    int before = -1;
    int inside = -1;
    loop->RunSync([&] {
      before = handler->sends_completed();
      handler->SendSlices(slices);
      inside = handler->sends_completed();
    });
    EXPECT_EQ(inside, before) << "OnSendComplete inside Send";
    loop->RunSync([] {});
    EXPECT_EQ(handler->sends_completed(), before + 1) << slices.size() << " slices";
  }
  char ab[] = "ab";
  char c[] = "c";
  const std::vector<iovec> mixed = {{nullptr, 0}, {ab, 2}, {c, 0}, {c, 1}, {nullptr, 0}};
  loop->RunSync([&] { handler->SendSlices(mixed); });
  EXPECT_EQ(ReadExactly(client.get(), 3), "abc");
  // Echoed only once the gather completed (one send at a time): the stream is still serving.
  WriteAll(client.get(), "still open");
  EXPECT_EQ(ReadExactly(client.get(), 10), "still open");
  EXPECT_GE(handler->sends_completed(), 3);
  EXPECT_EQ(handler->closed(), 0);
}

INSTANTIATE_TEST_SUITE_P(Engines, GatherSendTest, ::testing::ValuesIn(kEngines), EngineName);

}  // namespace
}  // namespace memkv::server
