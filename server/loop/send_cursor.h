// SendCursor: the unsent rest of one gather send, for the engines' write paths. It holds a copy
// of the caller's slice array (zero-length slices dropped, so that the kernel is never handed an
// empty iovec and an all-empty send is simply empty), and advances through it in place as the
// kernel takes bytes: a short write may stop anywhere, in the middle of a slice or on a border.
//
// The copy is why an engine can accept a slice array that lives on the caller's stack (the
// one-slice Send of a string_view) and why io_uring can give the kernel an iovec array that stays
// put until the completion: the array is the stream's own, inside the stream's (never moved)
// object. A few slices live inline, so the usual send allocates nothing; a send of many slices
// grows a heap array, which is kept for the stream's next sends up to kKeptSlices.
//
// Threads: one stream's, so the loop thread only.
#ifndef MEMKV_SERVER_LOOP_SEND_CURSOR_H_
#define MEMKV_SERVER_LOOP_SEND_CURSOR_H_

#include <limits.h>
#include <sys/uio.h>

#include <cstddef>

#include "absl/container/inlined_vector.h"
#include "absl/types/span.h"

namespace memkv::server {

class SendCursor {
 public:
  // Slices one sendmsg takes at most (UIO_MAXIOV; more is EMSGSIZE): a longer send is written
  // in several calls.
  static constexpr size_t kMaxSlicesPerCall = IOV_MAX;
  // Inline: a reply of a header, a value and a trailer, or a few of them, needs no allocation.
  static constexpr size_t kInlineSlices = 8;
  // A heap array up to this size (IOV_MAX slices, 16 KiB) is kept between sends, so that a
  // stream answering large multi-gets does not allocate per reply; a larger one is given back.
  static constexpr size_t kKeptSlices = 1024;

  // Starts a send of `slices`, in order. The bytes they point to must stay until it is done;
  // the array itself is copied.
  void Reset(absl::Span<const iovec> slices);
  // Drops what is left (the stream is closing).
  void Clear() { Reset({}); }

  bool empty() const { return bytes_left_ == 0; }
  size_t bytes_left() const { return bytes_left_; }
  size_t slices_left() const { return slices_.size() - next_; }

  // The next slices to write, at most max_slices of them (kMaxSlicesPerCall for one sendmsg). They
  // stay where they are and unchanged until the next Advance or Reset: io_uring's kernel side reads
  // them while the send is in flight. Empty when everything was written.
  absl::Span<const iovec> Window(size_t max_slices) const {
    size_t count = slices_left() < max_slices ? slices_left() : max_slices;
    return absl::MakeConstSpan(slices_.data() + next_, count);
  }

  // The kernel took `bytes` more (at most bytes_left()).
  void Advance(size_t bytes);

 private:
  absl::InlinedVector<iovec, kInlineSlices> slices_;
  size_t next_ = 0;  // the first slice not written whole; its iov_base moves on a partial write
  size_t bytes_left_ = 0;
};

}  // namespace memkv::server

#endif  // MEMKV_SERVER_LOOP_SEND_CURSOR_H_
