// Connection: one non-blocking TCP connection of a memkv-bench worker, with its byte buffers and
// its requests in flight (a fixed ring, as deep as the pipeline, so that the hot path never
// allocates). The worker thread that opened it is the only one to touch it.
#ifndef MEMKV_TOOLS_BENCH_CONNECTION_H_
#define MEMKV_TOOLS_BENCH_CONNECTION_H_

#include <sys/socket.h>

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/types/span.h"
#include "tools/bench/codec.h"

namespace memkv::bench {

// Owns a file descriptor; closes it once.
class UniqueFd {
 public:
  UniqueFd() = default;
  explicit UniqueFd(int fd) : fd_(fd) {}
  UniqueFd(UniqueFd&& other) noexcept : fd_(other.Release()) {}
  UniqueFd& operator=(UniqueFd&& other) noexcept;
  UniqueFd(const UniqueFd&) = delete;
  UniqueFd& operator=(const UniqueFd&) = delete;
  ~UniqueFd() { Reset(); }

  int get() const { return fd_; }
  int Release() {
    const int fd = fd_;
    fd_ = -1;
    return fd;
  }
  void Reset();

 private:
  int fd_ = -1;
};

// A resolved server address.
struct ServerAddress {
  sockaddr_storage storage = {};
  socklen_t length = 0;
};

absl::StatusOr<ServerAddress> ResolveServer(const std::string& host, uint16_t port);

class Connection {
 public:
  // Connects (blocking, at most 5 s), then turns the socket non-blocking with TCP_NODELAY.
  // `depth` requests may be in flight, each of up to `max_keys` keys.
  static absl::StatusOr<std::unique_ptr<Connection>> Open(const ServerAddress& address, int depth,
                                                          int max_keys);

  int fd() const { return fd_.get(); }
  bool open() const { return fd_.get() >= 0; }
  void Close() { fd_.Reset(); }

  // --- Requests in flight, oldest first.
  struct Slot {
    bool is_set = false;
    uint32_t key_count = 0;
    int64_t intended_ns = 0;  // when the request was due to be sent
  };
  size_t in_flight() const { return count_; }
  bool full() const { return count_ == slots_.size(); }
  // Reserves the next slot; fill its keys through the returned span. REQUIRES: !full().
  absl::Span<uint64_t> Push(bool is_set, uint32_t key_count, int64_t intended_ns);
  // REQUIRES: in_flight() > 0.
  const Slot& front() const { return slots_[head_]; }
  PendingRequest FrontRequest() const;
  ReplyProgress& progress() { return progress_; }
  void Pop();

  // --- Output: codecs append to output(); Flush sends what the socket takes.
  std::string* output() { return &out_; }
  bool has_output() const { return out_sent_ < out_.size(); }
  // Sends until done or the socket would block (*blocked). An error means the connection broke.
  absl::Status Flush(bool* blocked);

  // --- Input.
  // Reads what has arrived. *closed: the server closed its end.
  absl::Status Fill(bool* closed);
  std::string_view input() const {
    return std::string_view(in_.data() + in_begin_, in_end_ - in_begin_);
  }
  void Consume(size_t bytes) { in_begin_ += bytes; }

  // Requests answered, for the per-connection throughput spread.
  uint64_t completed = 0;
  // Whether EPOLLOUT is armed.
  bool want_write = false;

 private:
  Connection(UniqueFd fd, int depth, int max_keys);

  UniqueFd fd_;
  std::vector<Slot> slots_;
  std::vector<uint64_t> keys_;  // max_keys per slot
  size_t max_keys_;
  size_t head_ = 0;
  size_t count_ = 0;
  ReplyProgress progress_;
  std::string out_;
  size_t out_sent_ = 0;
  std::vector<char> in_;
  size_t in_begin_ = 0;
  size_t in_end_ = 0;
};

}  // namespace memkv::bench

#endif  // MEMKV_TOOLS_BENCH_CONNECTION_H_
