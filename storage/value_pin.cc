// ValueBlock's reference counting and the handles on it (value_block.h, value_pin.h).
#include "storage/value_pin.h"

#include <cstdint>
#include <cstdlib>
#include <new>
#include <utility>

#include "storage/value_block.h"

namespace memkv::storage {

ValueBlock* ValueBlock::New(size_t size, PinCounters* counters) {
  // A size no memory can hold must not wrap around to a small allocation.
  if (size > SIZE_MAX - sizeof(ValueBlock)) throw std::bad_alloc();
  void* memory = std::malloc(sizeof(ValueBlock) + size);
  if (memory == nullptr) throw std::bad_alloc();
  return new (memory) ValueBlock(counters);
}

ValueBuffer ValueBlock::NewBuffer(size_t size, PinCounters* counters) {
  return ValueBuffer(New(size, counters), size);
}

ValueBlock* ValueBlock::Adopt(ValueBuffer* buffer, const PinCounters* counters) {
  if (buffer->block_ == nullptr || buffer->block_->counters_ != counters) return nullptr;
  buffer->size_ = 0;
  return std::exchange(buffer->block_, nullptr);
}

void ValueBlock::Free() {
  this->~ValueBlock();
  std::free(this);
}

void ValueBlock::DropOwner(size_t size) {
  // No pin, and none can appear while the caller holds the lock: nothing to count or share.
  if (count_.load(std::memory_order_acquire) == kOwner) return Free();
  // Counted before the owner lets go, so that the last pin, which subtracts it, sees it added.
  PinCounters* const counters = counters_;
  counters->dropped_values.fetch_add(1, std::memory_order_relaxed);
  counters->dropped_bytes.fetch_add(size, std::memory_order_relaxed);
  if (count_.fetch_sub(kOwner, std::memory_order_acq_rel) == kOwner) {
    // The pins went in the meantime: nobody is left to count it as dropped.
    counters->dropped_values.fetch_sub(1, std::memory_order_relaxed);
    counters->dropped_bytes.fetch_sub(size, std::memory_order_relaxed);
    Free();
  }
}

void ValueBlock::AddPin(size_t size) {
  if ((count_.fetch_add(1, std::memory_order_relaxed) & kPinMask) == 0) {
    counters_->pinned_values.fetch_add(1, std::memory_order_relaxed);
    counters_->pinned_bytes.fetch_add(size, std::memory_order_relaxed);
  }
}

void ValueBlock::ReleasePin(size_t size) {
  // Read before the decrement: after it another thread may free the block.
  PinCounters* const counters = counters_;
  const uint32_t before = count_.fetch_sub(1, std::memory_order_acq_rel);
  if ((before & kPinMask) != 1) return;  // other pins remain
  counters->pinned_values.fetch_sub(1, std::memory_order_relaxed);
  counters->pinned_bytes.fetch_sub(size, std::memory_order_relaxed);
  if (before == 1) {  // the owner had dropped it: this was the last reference
    counters->dropped_values.fetch_sub(1, std::memory_order_relaxed);
    counters->dropped_bytes.fetch_sub(size, std::memory_order_relaxed);
    Free();
  }
}

ValuePin::ValuePin(ValueBlock* block, size_t size) : block_(block), size_(size) {
  block->AddPin(size);
}

ValuePin& ValuePin::operator=(ValuePin&& other) noexcept {
  if (this != &other) {
    Reset();
    block_ = std::exchange(other.block_, nullptr);
    size_ = std::exchange(other.size_, 0);
  }
  return *this;
}

void ValuePin::Reset() {
  if (block_ != nullptr) std::exchange(block_, nullptr)->ReleasePin(std::exchange(size_, 0));
}

ValueBuffer& ValueBuffer::operator=(ValueBuffer&& other) noexcept {
  if (this != &other) {
    Reset();
    block_ = std::exchange(other.block_, nullptr);
    size_ = std::exchange(other.size_, 0);
  }
  return *this;
}

void ValueBuffer::Reset() {
  // Never stored, so never pinned: the buffer's is the only reference.
  if (block_ != nullptr) std::exchange(block_, nullptr)->Free();
  size_ = 0;
}

}  // namespace memkv::storage
