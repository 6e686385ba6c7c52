#include "server/conn/output_buffer.h"

#include <string_view>
#include <utility>

#include "server/conn/input_buffer.h"

namespace memkv::server {
namespace {

void AddSlice(const char* data, size_t size, std::vector<iovec>* slices) {
  if (size > 0) slices->push_back({const_cast<char*>(data), size});
}

}  // namespace

void OutputBuffer::Append(OutputBuffer&& other) {
  if (empty()) {
    // No copy: the worker's buffer becomes the output.
    bytes_.swap(other.bytes_);
    std::swap(spliced_, other.spliced_);
    return;
  }
  spliced_.Append(std::move(other.spliced_), bytes_.size());
  bytes_.append(other.bytes_);
}

void OutputBuffer::Slices(std::vector<iovec>* slices) const {
  slices->clear();
  size_t at = 0;
  for (const ValueSplice& splice : spliced_.splices()) {
    AddSlice(bytes_.data() + at, splice.offset - at, slices);
    const std::string_view value = splice.pin.value();
    AddSlice(value.data(), value.size(), slices);
    at = splice.offset;
  }
  AddSlice(bytes_.data() + at, bytes_.size() - at, slices);
}

void OutputBuffer::Release() {
  spliced_.Clear();
  ReleaseBuffer(&bytes_);
}

}  // namespace memkv::server
