// SplicedValues: the stored values a reply sends from the store's own memory instead of copying
// them into its bytes (issue 12: "replies sent from the items themselves").
//
// A reply is its bytes (the std::string every encoder appends to) plus, for each value held in a
// block of its own (storage keeps large values so), a pin on that value and the offset in the
// bytes where it belongs. The connection sends bytes[0, o1), value 1, bytes[o1, o2), value 2, ...
// with one gather send. A pin keeps its value alive and unchanged until released, also when the
// item is deleted, overwritten or evicted meanwhile (storage/value_pin.h), so the client gets the
// value it asked for, whole.
//
// Threads: belongs to one reply; moves with it between threads (the dispatch modes execute on a
// worker and send on the dispatcher). Pins may be released on any thread.
#ifndef MEMKV_SERVER_EXEC_SPLICED_VALUES_H_
#define MEMKV_SERVER_EXEC_SPLICED_VALUES_H_

#include <cstddef>
#include <string>
#include <vector>

#include "storage/engine_types.h"
#include "storage/value_pin.h"

namespace memkv::server {

struct ValueSplice {
  size_t offset = 0;  // in the reply's bytes: the value goes before the byte at this offset
  storage::ValuePin pin;
};

class SplicedValues {
 public:
  bool empty() const { return splices_.empty(); }
  // Value bytes spliced, in all.
  size_t bytes() const { return bytes_; }
  const std::vector<ValueSplice>& splices() const { return splices_; }

  // Splices `pin`'s value in at `offset` of the reply's bytes. REQUIRES: offset >= the last
  // splice's offset (replies are built front to back).
  void Add(size_t offset, storage::ValuePin pin);
  // Takes every splice of `other`, whose bytes were appended after `shift` bytes of ours.
  void Append(SplicedValues&& other, size_t shift);
  // Releases every pin.
  void Clear();

 private:
  std::vector<ValueSplice> splices_;
  size_t bytes_ = 0;
};

// Values at least this large are spliced when they can be pinned; smaller ones are copied (a
// copy of a few KiB costs less than a pin, a release and an iovec).
inline constexpr size_t kMinSplicedValueBytes = 4096;

// Appends `item`'s value to a reply: pinned and spliced into `spliced` when that is not null and
// the value can be pinned (it lives in its own block), copied into *out otherwise. Called inside
// an Engine callback, where the item may be pinned.
void AppendValue(const storage::ItemView& item, SplicedValues* spliced, std::string* out);

}  // namespace memkv::server

#endif  // MEMKV_SERVER_EXEC_SPLICED_VALUES_H_
