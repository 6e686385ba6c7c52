// OutputBuffer: replies waiting to be written on one connection: their bytes, and the stored
// values spliced in between them (server/exec/spliced_values.h), written by one gather send.
//
// Threads: belongs to one connection (or to a dispatch batch, which carries one from a worker back
// to its connection); used by one thread at a time.
#ifndef MEMKV_SERVER_CONN_OUTPUT_BUFFER_H_
#define MEMKV_SERVER_CONN_OUTPUT_BUFFER_H_

#include <sys/uio.h>

#include <cstddef>
#include <string>
#include <vector>

#include "server/exec/spliced_values.h"

namespace memkv::server {

class OutputBuffer {
 public:
  // What the encoders append to, and where values spliced between those bytes go.
  std::string& bytes() { return bytes_; }
  const std::string& bytes() const { return bytes_; }
  SplicedValues& spliced() { return spliced_; }

  // Bytes to write, spliced values included.
  size_t size() const { return bytes_.size() + spliced_.bytes(); }
  bool empty() const { return bytes_.empty() && spliced_.empty(); }
  bool has_splices() const { return !spliced_.empty(); }

  // Appends `other` (a worker's replies) after what this holds; takes its pins.
  void Append(OutputBuffer&& other);
  // The slices a gather send writes, in order: bytes, value, bytes, ... (empty slices left
  // out). They point into this buffer and its pinned values: valid until it changes.
  void Slices(std::vector<iovec>* slices) const;
  // Empties the buffer after its send: releases the pins, and the bytes' memory when it grew
  // past what an idle connection should keep (ReleaseBuffer).
  void Release();

 private:
  std::string bytes_;
  SplicedValues spliced_;
};

}  // namespace memkv::server

#endif  // MEMKV_SERVER_CONN_OUTPUT_BUFFER_H_
