// ConnectionLimiter and ConnectionSlot: the -c limit on open connections, and one admitted
// connection's place under it.
//
// Every thread that accepts shares one ConnectionLimiter; a connection it admits holds a
// ConnectionSlot, which gives the place back (and decrements the count of connections assigned
// to its loop thread, for least-conn balancing) when it is destroyed, whichever thread that is.
//
// Threads: any thread.
#ifndef MEMKV_SERVER_CONN_CONNECTION_SLOT_H_
#define MEMKV_SERVER_CONN_CONNECTION_SLOT_H_

#include <atomic>
#include <cstdint>

namespace memkv::server {

// The -c limit, shared by every thread that accepts.
class ConnectionLimiter {
 public:
  explicit ConnectionLimiter(int64_t limit) : limit_(limit) {}
  // Takes a place for a new connection; false when `limit` connections are open.
  bool TryAcquire();
  void Release() { open_.fetch_sub(1, std::memory_order_relaxed); }
  int64_t open() const { return open_.load(std::memory_order_relaxed); }
  int64_t limit() const { return limit_; }

 private:
  const int64_t limit_;
  std::atomic<int64_t> open_{0};
};

// One admitted connection's place under the -c limit and in its loop thread's count of
// assigned connections; given back when destroyed. Move-only.
class ConnectionSlot {
 public:
  ConnectionSlot() = default;
  ConnectionSlot(ConnectionLimiter* limiter, std::atomic<int64_t>* assigned);
  ConnectionSlot(ConnectionSlot&& other) noexcept;
  ConnectionSlot& operator=(ConnectionSlot&& other) noexcept;
  ~ConnectionSlot() { Reset(); }

  void Reset();

 private:
  ConnectionLimiter* limiter_ = nullptr;
  std::atomic<int64_t>* assigned_ = nullptr;
};

}  // namespace memkv::server

#endif  // MEMKV_SERVER_CONN_CONNECTION_SLOT_H_
