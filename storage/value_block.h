// ValueBlock: the allocation that holds one large value (a value whose record would exceed 1/8
// of a segment), with a 16-byte header before the bytes that counts its references; PinCounters:
// the engine-wide statistics of pinned values, updated as pins come and go.
//
// Why counted: the server sends a large value straight from its block (ValuePin, value_pin.h),
// and the send may still be in progress when the item is deleted, overwritten, evicted or flushed.
// The block then outlives the item: the store holds one reference while the item is stored,
// removing the item drops only that one, and the last reference frees the block (memcached holds
// an item refcount until sendmsg completes for the same reason).
//
// The count is one word: the owner bit (the store's reference, or before the block is stored the
// ValueBuffer's) and the number of pins below it. Keeping the owner apart tells the last pin from
// the last reference, so the statistics count each pinned value once however many pins it has,
// and only the first pin and the last release of a value touch the engine-wide counters.
//
// Threads: pins and the owner's reference are taken only under the shard lock that guards the
// item (or, for a buffer, by its one holder), so whoever holds that lock and reads "no pin" knows
// none can appear behind its back. Pins are released from any thread. The bytes are written only
// by a holder that knows it is alone: a ValueBuffer's holder, or the store under the shard lock
// after reading "no pin" (the acquire load pairs with the releasing decrement of the last pin, so
// a send's reads of the bytes happen before the store writes them).
#ifndef MEMKV_STORAGE_VALUE_BLOCK_H_
#define MEMKV_STORAGE_VALUE_BLOCK_H_

#include <atomic>
#include <cstddef>
#include <cstdint>

namespace memkv::storage {

class ValueBuffer;
class ValuePin;

// Relaxed counters: each value adds before it subtracts, in an order that the shard lock (first
// pin, store's drop) and the reference count's acquire-release (last release) make visible, so
// they never go below zero; a reader may see them a moment stale.
struct PinCounters {
  std::atomic<uint64_t> pinned_values{0};   // values with at least one pin, stored or not
  std::atomic<uint64_t> pinned_bytes{0};    // their value bytes
  std::atomic<uint64_t> dropped_values{0};  // pinned values the store no longer holds
  std::atomic<uint64_t> dropped_bytes{0};   // their value bytes: memory outside the budget
};

class alignas(16) ValueBlock {
 public:
  // A block for `size` value bytes whose only reference is the caller's (as owner). Throws
  // std::bad_alloc if memory is exhausted, as new does. counters: where pins of it are counted.
  static ValueBlock* New(size_t size, PinCounters* counters);
  // A ValueBuffer owning a New block.
  static ValueBuffer NewBuffer(size_t size, PinCounters* counters);
  // Takes the owner's reference out of a buffer (which becomes empty), or null if the buffer is
  // empty or belongs to other counters (another engine's).
  static ValueBlock* Adopt(ValueBuffer* buffer, const PinCounters* counters);

  ValueBlock(const ValueBlock&) = delete;
  ValueBlock& operator=(const ValueBlock&) = delete;

  char* bytes() const { return reinterpret_cast<char*>(const_cast<ValueBlock*>(this) + 1); }

  // REQUIRES: the caller holds the owner's reference under the lock that guards pinning.
  bool pinned() const { return (count_.load(std::memory_order_acquire) & kPinMask) != 0; }
  // Drops the owner's reference to a block of `size` value bytes: frees it if no pin holds it,
  // else leaves it to the last pin and counts it as dropped. Same REQUIRES as pinned().
  void DropOwner(size_t size);

 private:
  friend class ValuePin;
  friend class ValueBuffer;

  static constexpr uint32_t kOwner = uint32_t{1} << 31;
  static constexpr uint32_t kPinMask = kOwner - 1;

  explicit ValueBlock(PinCounters* counters) : count_(kOwner), counters_(counters) {}
  ~ValueBlock() = default;
  // Frees the block. REQUIRES: no other reference exists.
  void Free();
  // A pin of a stored block. REQUIRES: the shard lock is held and the store owns the block.
  void AddPin(size_t size);
  // Releases one pin (any thread); frees the block if it was the last reference.
  void ReleasePin(size_t size);

  std::atomic<uint32_t> count_;
  PinCounters* const counters_;
};

static_assert(sizeof(ValueBlock) == 16, "the header is what a large value costs beyond its bytes");

}  // namespace memkv::storage

#endif  // MEMKV_STORAGE_VALUE_BLOCK_H_
