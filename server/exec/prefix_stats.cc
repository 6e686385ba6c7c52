#include "server/exec/prefix_stats.h"

#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"

namespace memkv::server {

PrefixStats::Counts* PrefixStats::Find(std::string_view key) {
  // memcached reads the key as a C string: a NUL ends the search for the delimiter.
  size_t length = 0;
  while (length < key.size() && key[length] != '\0' && key[length] != delimiter_) ++length;
  if (length == key.size() || key[length] != delimiter_) return nullptr;
  const std::string_view prefix = key.substr(0, length);
  // absl's string_view may not be std's in this build: the heterogeneous lookup wants absl's.
  auto it = index_.find(absl::string_view(prefix.data(), prefix.size()));
  if (it == index_.end()) {
    it = index_.emplace(std::string(prefix), order_.size()).first;
    order_.emplace_back(std::string(prefix), Counts());
  }
  return &order_[it->second].second;
}

void PrefixStats::RecordGet(std::string_view key, bool hit) {
  absl::MutexLock lock(&mu_);
  if (Counts* counts = Find(key)) {
    ++counts->gets;
    if (hit) ++counts->hits;
  }
}

void PrefixStats::RecordSet(std::string_view key) {
  absl::MutexLock lock(&mu_);
  if (Counts* counts = Find(key)) ++counts->sets;
}

void PrefixStats::RecordDelete(std::string_view key) {
  absl::MutexLock lock(&mu_);
  if (Counts* counts = Find(key)) ++counts->deletes;
}

void PrefixStats::AppendDump(std::string* out) const {
  absl::MutexLock lock(&mu_);
  for (const auto& [prefix, c] : order_) {
    absl::StrAppend(out, "PREFIX ", prefix, " get ", c.gets, " hit ", c.hits, " set ", c.sets,
                    " del ", c.deletes, "\r\n");
  }
}

}  // namespace memkv::server
