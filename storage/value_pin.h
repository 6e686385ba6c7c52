// ValuePin and ValueBuffer: move-only handles on the block that holds a large value
// (value_block.h). A pin lets the server send a stored value without copying it; a buffer lets it
// receive a value straight into the block that will be stored.
//
// ValuePin: a read-only reference to a stored large value, taken inside a Get or Update callback
// with ItemView::Pin(). Its bytes stay valid and unchanged until the pin is destroyed, whatever
// happens to the item meanwhile (delete, overwrite, incr, eviction, flush_all): the store never
// writes a pinned block again, it allocates a new one. Only values stored in a block of their own
// can be pinned (Engine::large_value_bytes()); for a value in a segment, Pin() returns an empty
// pin and the caller copies, because holding a segment would keep the store from reusing it.
// Cost: the first pin of a value takes an atomic increment of its count and two relaxed adds to
// engine-wide counters, further pins only the increment; releases mirror that.
//
// ValueBuffer: a writable block of a fixed size from Engine::AllocateValue, filled by its holder
// and handed to Engine::Store(key, ValueBuffer&&), which adopts the block when the value is to
// live in one of its own and copies it otherwise.
//
// Threads: a pin may be moved to, read on and destroyed on any thread, one thread at a time per
// pin; pins of the same value are independent of each other. A buffer belongs to one thread at a
// time. REQUIRES: no pin outlives the Engine it came from (a buffer may).
#ifndef MEMKV_STORAGE_VALUE_PIN_H_
#define MEMKV_STORAGE_VALUE_PIN_H_

#include <cstddef>
#include <string_view>

#include "storage/value_block.h"

namespace memkv::storage {

struct ItemView;

class ValuePin {
 public:
  ValuePin() = default;  // empty
  ValuePin(ValuePin&& other) noexcept : block_(other.block_), size_(other.size_) {
    other.block_ = nullptr;
    other.size_ = 0;
  }
  ValuePin& operator=(ValuePin&& other) noexcept;
  ~ValuePin() { Reset(); }

  explicit operator bool() const { return block_ != nullptr; }
  // The pinned bytes; empty for an empty pin.
  std::string_view value() const {
    return block_ == nullptr ? std::string_view() : std::string_view(block_->bytes(), size_);
  }
  // Releases the pin now (the destructor does it otherwise).
  void Reset();

 private:
  friend struct ItemView;
  // Pins a stored block of `size` value bytes. REQUIRES: under the shard lock (in a callback).
  ValuePin(ValueBlock* block, size_t size);

  ValueBlock* block_ = nullptr;
  size_t size_ = 0;
};

class ValueBuffer {
 public:
  ValueBuffer() = default;  // empty
  ValueBuffer(ValueBuffer&& other) noexcept : block_(other.block_), size_(other.size_) {
    other.block_ = nullptr;
    other.size_ = 0;
  }
  ValueBuffer& operator=(ValueBuffer&& other) noexcept;
  ~ValueBuffer() { Reset(); }

  explicit operator bool() const { return block_ != nullptr; }
  // size() writable bytes (uninitialised until written); null for an empty buffer.
  char* data() { return block_ == nullptr ? nullptr : block_->bytes(); }
  size_t size() const { return size_; }
  std::string_view view() const {
    return block_ == nullptr ? std::string_view() : std::string_view(block_->bytes(), size_);
  }
  // Frees the block now.
  void Reset();

 private:
  friend class ValueBlock;
  ValueBuffer(ValueBlock* block, size_t size) : block_(block), size_(size) {}

  ValueBlock* block_ = nullptr;
  size_t size_ = 0;
};

}  // namespace memkv::storage

#endif  // MEMKV_STORAGE_VALUE_PIN_H_
