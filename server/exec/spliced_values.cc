#include "server/exec/spliced_values.h"

#include <utility>

namespace memkv::server {

void SplicedValues::Add(size_t offset, storage::ValuePin pin) {
  bytes_ += pin.value().size();
  splices_.push_back({offset, std::move(pin)});
}

void SplicedValues::Append(SplicedValues&& other, size_t shift) {
  for (ValueSplice& splice : other.splices_) {
    splice.offset += shift;
    splices_.push_back(std::move(splice));
  }
  bytes_ += other.bytes_;
  other.Clear();
}

void SplicedValues::Clear() {
  splices_.clear();
  bytes_ = 0;
}

void AppendValue(const storage::ItemView& item, SplicedValues* spliced, std::string* out) {
  if (spliced != nullptr && item.value.size() >= kMinSplicedValueBytes) {
    if (storage::ValuePin pin = item.Pin()) {
      spliced->Add(out->size(), std::move(pin));
      return;
    }
  }
  out->append(item.value);
}

}  // namespace memkv::server
