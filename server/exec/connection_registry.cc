#include "server/exec/connection_registry.h"

#include <algorithm>
#include <utility>

namespace memkv::server {

const char* ConnStateName(ConnState state) {
  switch (state) {
    case ConnState::kWaiting:
      return "conn_waiting";
    case ConnState::kNread:
      return "conn_nread";
    case ConnState::kParse:
      return "conn_parse_cmd";
    case ConnState::kMwrite:
      return "conn_mwrite";
    case ConnState::kClosing:
      return "conn_closing";
  }
  return "conn_waiting";
}

ConnectionRegistry::Registration& ConnectionRegistry::Registration::operator=(
    Registration&& other) noexcept {
  if (this != &other) {
    Reset();
    registry_ = std::exchange(other.registry_, nullptr);
    entry_ = std::move(other.entry_);
  }
  return *this;
}

void ConnectionRegistry::Registration::Reset() {
  if (registry_ != nullptr && entry_ != nullptr) registry_->Remove(entry_.get());
  registry_ = nullptr;
  entry_.reset();
}

ConnectionRegistry::Registration ConnectionRegistry::Register(int fd, std::string addr,
                                                              std::string listen_addr,
                                                              int64_t now_millis) {
  auto entry = std::make_shared<Entry>();
  entry->fd = fd;
  entry->addr = std::move(addr);
  entry->listen_addr = std::move(listen_addr);
  entry->last_cmd_millis.store(now_millis, std::memory_order_relaxed);
  {
    absl::MutexLock lock(&mu_);
    entries_.emplace(entry.get(), entry);
  }
  return Registration(this, std::move(entry));
}

void ConnectionRegistry::Remove(const Entry* entry) {
  absl::MutexLock lock(&mu_);
  entries_.erase(entry);
}

std::vector<ConnectionRegistry::Snapshot> ConnectionRegistry::List() const {
  std::vector<Snapshot> out;
  {
    absl::MutexLock lock(&mu_);
    out.reserve(entries_.size());
    for (const auto& [key, e] : entries_) {
      out.push_back(Snapshot{e->fd, e->addr, e->listen_addr,
                             e->state.load(std::memory_order_relaxed),
                             e->last_cmd_millis.load(std::memory_order_relaxed)});
    }
  }
  std::sort(out.begin(), out.end(),
            [](const Snapshot& a, const Snapshot& b) { return a.fd < b.fd; });
  return out;
}

}  // namespace memkv::server
