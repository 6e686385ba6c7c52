// ValueReceipt: a large value a connection is receiving straight into the block it will be
// stored in (memcached's conn_nread, which reads into the item it allocated), instead of into its
// input buffer and then, once whole, copied by the store.
//
// How a value gets here: a storage request's header arrived but not all of its value, and the
// value is at least PipelineConfig::direct_value_bytes; the connection allocates the block
// (Engine::AllocateValue, exactly the value's size), keeps a copy of the header (a few dozen
// bytes), copies in the value bytes that came with the header, and from then on gives the loop
// the block's unfilled rest as the receive target (StreamHandler::ReceiveTarget), so the kernel
// writes the value where it will live. Bytes that still come through OnReceive (a receive that
// was already under way, a TLS stream) are copied in with Take(). Once the value is whole, the
// bytes after it (the CRLF of text and meta, the two bytes after a RESP bulk; none in the binary
// protocol) come through the input buffer again, and the request runs with the block
// (RequestPipeline::ExecuteReceived), which the store adopts.
//
// Ownership: the receipt owns the block until the request runs; the request takes it (a dispatch
// batch carries it to its worker thread). A connection that dies mid-value frees it with the
// receipt, when the connection is destroyed, which is after the loop has no receive into it in
// flight (OnClosed comes only then).
//
// Threads: one per connection, on the connection's loop thread.
#ifndef MEMKV_SERVER_CONN_VALUE_RECEIPT_H_
#define MEMKV_SERVER_CONN_VALUE_RECEIPT_H_

#include <algorithm>
#include <cstddef>
#include <cstring>
#include <string>
#include <string_view>
#include <utility>

#include "absl/types/span.h"
#include "server/conn/request_pipeline.h"
#include "storage/value_pin.h"

namespace memkv::server {

class ValueReceipt {
 public:
  bool active() const { return static_cast<bool>(value_); }
  // Every byte of the value is in; what follows it comes through the input.
  bool value_complete() const { return filled_ == value_.size(); }
  // Bytes held for the connection's memory footprint.
  size_t bytes() const { return value_.size() + header_.capacity(); }

  // Starts receiving: `header` is the request's bytes before its value, `value` the block of the
  // value's size; `first` the bytes that came after the header. Returns how many of them were
  // value bytes: `first` may hold the whole value and part of its trailer (a read that ended
  // between CR and LF), and those trailer bytes are the caller's to keep for the trailer check.
  size_t Start(Dialect dialect, std::string_view header, storage::ValueBuffer value,
               std::string_view first) {
    dialect_ = dialect;
    trailer_bytes_ = RequestPipeline::TrailerBytes(dialect);
    header_.assign(header);
    value_ = std::move(value);
    filled_ = 0;
    return Take(first);
  }
  // Copies in what `data` holds of the value; returns the bytes used.
  size_t Take(std::string_view data) {
    const size_t n = std::min(data.size(), value_.size() - filled_);
    std::memcpy(value_.data() + filled_, data.data(), n);
    filled_ += n;
    return n;
  }
  // Where the loop may receive the rest of the value; empty once it is whole.
  absl::Span<char> Target() {
    if (!active()) return {};
    return absl::Span<char>(value_.data() + filled_, value_.size() - filled_);
  }
  // `n` bytes were received at the front of Target().
  void Filled(size_t n) { filled_ += std::min(n, value_.size() - filled_); }

  Dialect dialect() const { return dialect_; }
  // Bytes after the value that end the request (its CRLF, or none in the binary protocol).
  size_t trailer_bytes() const { return trailer_bytes_; }
  const std::string& header() const { return header_; }
  // Hands the whole value over to the request; the receipt is inactive afterwards, its header
  // readable until the next Start.
  storage::ValueBuffer TakeValue() {
    filled_ = 0;
    return std::move(value_);
  }

 private:
  Dialect dialect_ = Dialect::kUndecided;
  size_t trailer_bytes_ = 2;
  std::string header_;
  storage::ValueBuffer value_;
  size_t filled_ = 0;
};

}  // namespace memkv::server

#endif  // MEMKV_SERVER_CONN_VALUE_RECEIPT_H_
