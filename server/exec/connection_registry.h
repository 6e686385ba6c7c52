// ConnectionRegistry: the open client connections as memcached's `stats conns` prints them (one
// block per connection: its address, the address it came in on, what it is doing, seconds since
// its last command). Each connection registers itself for its lifetime (Registration, RAII) and
// keeps its state and last-command time up to date with relaxed stores; `stats conns` takes a
// snapshot under the registry's lock.
//
// Threads: every method may be called from any thread; a Registration's setters are called by
// its connection's thread only.
#ifndef MEMKV_SERVER_EXEC_CONNECTION_REGISTRY_H_
#define MEMKV_SERVER_EXEC_CONNECTION_REGISTRY_H_

#include <atomic>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/container/flat_hash_map.h"
#include "absl/synchronization/mutex.h"

namespace memkv::server {

// What a connection is doing, under memcached's state names (docs/operations.md).
enum class ConnState : uint8_t {
  kWaiting,  // "conn_waiting": nothing owed, waiting for a request
  kNread,    // "conn_nread": part of a request (say, a value) received, waiting for the rest
  kParse,    // "conn_parse_cmd": executing requests now (the one asking `stats conns` is)
  kMwrite,   // "conn_mwrite": replies not yet written to the socket
  kClosing,  // "conn_closing": closing once what is owed is written
};
const char* ConnStateName(ConnState state);

class ConnectionRegistry {
 public:
  struct Entry {
    int fd = 0;
    std::string addr;         // "tcp:127.0.0.1:40000" / "tcp6:[::1]:40000"
    std::string listen_addr;  // the local address it was accepted on, in the same form
    std::atomic<ConnState> state{ConnState::kWaiting};
    std::atomic<int64_t> last_cmd_millis{0};  // unix ms; the accept time until a command
  };

  // A connection's place in the registry, removed when destroyed. Move-only; empty when
  // default-constructed (no registry).
  class Registration {
   public:
    Registration() = default;
    Registration(ConnectionRegistry* registry, std::shared_ptr<Entry> entry)
        : registry_(registry), entry_(std::move(entry)) {}
    Registration(Registration&& other) noexcept = default;
    Registration& operator=(Registration&& other) noexcept;
    ~Registration() { Reset(); }

    void SetState(ConnState state) {
      if (entry_ != nullptr) entry_->state.store(state, std::memory_order_relaxed);
    }
    void SetLastCommand(int64_t now_millis) {
      if (entry_ != nullptr) entry_->last_cmd_millis.store(now_millis, std::memory_order_relaxed);
    }
    void Reset();

   private:
    ConnectionRegistry* registry_ = nullptr;
    std::shared_ptr<Entry> entry_;
  };

  // Registers the connection on socket `fd`, whose peer and local addresses are given in
  // memcached's form ("tcp:127.0.0.1:40000", "tcp6:[::1]:40000").
  Registration Register(int fd, std::string addr, std::string listen_addr, int64_t now_millis);

  // What `stats conns` prints, per connection.
  struct Snapshot {
    int fd;
    std::string addr;
    std::string listen_addr;
    ConnState state;
    int64_t last_cmd_millis;
  };
  // Every registered connection, by fd.
  std::vector<Snapshot> List() const;

 private:
  void Remove(const Entry* entry);

  mutable absl::Mutex mu_;
  absl::flat_hash_map<const Entry*, std::shared_ptr<Entry>> entries_ ABSL_GUARDED_BY(mu_);
};

}  // namespace memkv::server

#endif  // MEMKV_SERVER_EXEC_CONNECTION_REGISTRY_H_
