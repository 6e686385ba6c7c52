#include "server/loop/send_cursor.h"

#include <cassert>

namespace memkv::server {

void SendCursor::Reset(absl::Span<const iovec> slices) {
  if (slices_.capacity() > kKeptSlices) {
    slices_.clear();  // gives the heap array back
  } else {
    slices_.erase(slices_.begin(), slices_.end());  // keeps it
  }
  next_ = 0;
  bytes_left_ = 0;
  for (const iovec& slice : slices) {
    if (slice.iov_len == 0) continue;
    slices_.push_back(slice);
    bytes_left_ += slice.iov_len;
  }
}

void SendCursor::Advance(size_t bytes) {
  assert(bytes <= bytes_left_);
  bytes_left_ -= bytes;
  while (bytes > 0) {
    iovec& slice = slices_[next_];
    if (bytes < slice.iov_len) {
      // Stopped inside this slice: the rest of it starts the next write.
      slice.iov_base = static_cast<char*>(slice.iov_base) + bytes;
      slice.iov_len -= bytes;
      return;
    }
    bytes -= slice.iov_len;
    ++next_;
  }
}

}  // namespace memkv::server
