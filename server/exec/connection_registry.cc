#include "server/exec/connection_registry.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include <algorithm>
#include <utility>

namespace memkv::server {

namespace {

// memcached's form of a socket address: "tcp:<ip>:<port>", "tcp6:[<ip>]:<port>".
std::string FormatAddress(const sockaddr_storage& address) {
  char text[INET6_ADDRSTRLEN] = {};
  if (address.ss_family == AF_INET) {
    const auto& in = reinterpret_cast<const sockaddr_in&>(address);
    inet_ntop(AF_INET, &in.sin_addr, text, sizeof(text));
    return std::string("tcp:") + text + ":" + std::to_string(ntohs(in.sin_port));
  }
  if (address.ss_family == AF_INET6) {
    const auto& in6 = reinterpret_cast<const sockaddr_in6&>(address);
    inet_ntop(AF_INET6, &in6.sin6_addr, text, sizeof(text));
    return std::string("tcp6:[") + text + "]:" + std::to_string(ntohs(in6.sin6_port));
  }
  return "unknown";
}

template <typename GetName>
std::string AddressOf(int fd, GetName get_name) {
  sockaddr_storage address{};
  socklen_t length = sizeof(address);
  if (get_name(fd, reinterpret_cast<sockaddr*>(&address), &length) != 0) return "unknown";
  return FormatAddress(address);
}

}  // namespace

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

ConnectionRegistry::Registration ConnectionRegistry::Register(int fd, int64_t now_millis) {
  auto entry = std::make_shared<Entry>();
  entry->fd = fd;
  entry->addr = AddressOf(fd, getpeername);
  entry->listen_addr = AddressOf(fd, getsockname);
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
