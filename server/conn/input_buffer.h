// InputBuffer: the bytes a connection received but has not consumed yet. Its Receive() hands
// the received bytes straight to the consumer when nothing is buffered (the common case: no
// copy) and keeps only the unconsumed rest; otherwise it appends and consumes from the buffer.
// ReleaseBuffer() empties a buffer and frees it when it grew past what an idle connection
// should keep: one that once received or sent a 1 MB value should not hold 1 MB for the rest
// of its life.
//
// Threads: a buffer belongs to one connection and is used on its loop thread only.
#ifndef MEMKV_SERVER_CONN_INPUT_BUFFER_H_
#define MEMKV_SERVER_CONN_INPUT_BUFFER_H_

#include <cstddef>
#include <string>
#include <string_view>

namespace memkv::server {

// Buffers larger than this are freed, not kept, once empty.
inline constexpr size_t kKeepBufferBytes = size_t{64} << 10;

inline void ReleaseBuffer(std::string* buffer) {
  if (buffer->capacity() > kKeepBufferBytes) {
    std::string().swap(*buffer);
  } else {
    buffer->clear();
  }
}

class InputBuffer {
 public:
  bool has_unread() const { return pos_ < bytes_.size(); }
  // Bytes allocated for what is buffered.
  size_t capacity() const { return bytes_.capacity(); }

  // Passes the received `data` to `consume` (a callable taking std::string_view and returning
  // how many bytes it used), after whatever is still buffered, and keeps what it left.
  template <typename Consume>
  void Receive(std::string_view data, Consume&& consume) {
    if (has_unread()) {
      bytes_.append(data);
      ConsumeBuffered(consume);
      return;
    }
    const size_t used = consume(data);
    if (used < data.size()) bytes_.append(data.substr(used));
  }

  // Passes the buffered bytes to `consume` again (after it stopped early, say at a request
  // budget or a full batch) and drops what it used.
  template <typename Consume>
  void ConsumeBuffered(Consume&& consume) {
    pos_ += consume(std::string_view(bytes_).substr(pos_));
    if (pos_ == bytes_.size()) {
      Discard();
    } else if (pos_ > bytes_.size() / 2) {
      // Moving the rest down costs at most what was consumed since the last move.
      bytes_.erase(0, pos_);
      pos_ = 0;
    }
  }

  // Drops everything buffered (the connection is closing).
  void Discard() {
    ReleaseBuffer(&bytes_);
    pos_ = 0;
  }

 private:
  std::string bytes_;
  size_t pos_ = 0;  // bytes_[0, pos_) is consumed
};

}  // namespace memkv::server

#endif  // MEMKV_SERVER_CONN_INPUT_BUFFER_H_
