// ClientMemoryBudget: one server-wide limit on the memory that client connections hold
// (--max-client-memory), enforced as Redis 7 enforces maxmemory-clients: once the connections
// together hold more than the limit, the ones holding the most are closed first, until what they
// hold covers the excess, and each is counted as an evicted client.
//
// What a connection holds is what it reports through its Account: the capacity of its input
// buffer (an unfinished request waits there), of its reply buffers, of its parsed-request
// vectors, and in the dispatch modes of its batches. Values spliced into replies are not counted:
// they are items, inside -m, shared by every connection that sends them (see docs/reliability.md).
//
// Policy: accounts of at least kMinEvictableBytes sit in power-of-two size buckets (an account
// moves between buckets, under the mutex, only when its size crosses a power of two; reports that
// stay in their bucket touch one atomic and no lock). When a report that grew finds the total over
// the limit, victims are taken from the largest bucket down until the bytes of the victims not yet
// closed cover the excess. A connection under kMinEvictableBytes is never a victim: it holds
// about what an idle connection keeps, and closing it would free almost nothing.
//
// A victim is asked to close through the Evictor it registered, called with the budget's mutex
// held (so its connection, and the loop it posts to, are alive): it must only hand the request
// to the connection's own thread (EventLoop::Post) and return.
//
// Threads: any thread. An Account is updated by its connection's thread only.
#ifndef MEMKV_SERVER_CONN_CLIENT_MEMORY_BUDGET_H_
#define MEMKV_SERVER_CONN_CLIENT_MEMORY_BUDGET_H_

#include <array>
#include <atomic>
#include <cstddef>
#include <cstdint>
#include <functional>

#include "absl/base/thread_annotations.h"
#include "absl/container/flat_hash_set.h"
#include "absl/synchronization/mutex.h"
#include "server/loop/log.h"

namespace memkv::server {

class ClientMemoryBudget {
 public:
  // Asks one connection to close; see the file comment for what it may do.
  using Evictor = std::function<void()>;

  // Smallest account that may be evicted (Redis: CLIENT_MEM_USAGE_BUCKET_MIN, 32 KiB).
  static constexpr size_t kMinEvictableBytes = size_t{32} << 10;

  // One connection's share. Reports are ignored until it is attached to a budget.
  class Account {
   public:
    Account() = default;
    ~Account();  // gives back what it holds
    Account(const Account&) = delete;
    Account& operator=(const Account&) = delete;

    // Joins `budget`; `evictor` asks this account's connection to close. REQUIRES: once, before
    // the first Update.
    void Attach(ClientMemoryBudget* budget, Evictor evictor);
    // The connection now holds `bytes`. May ask connections to close (this one included).
    void Update(size_t bytes);
    // The connection closed because it was asked to: counted as an evicted client.
    void CountEviction();
    size_t bytes() const { return bytes_.load(std::memory_order_relaxed); }

   private:
    friend class ClientMemoryBudget;
    ClientMemoryBudget* budget_ = nullptr;
    Evictor evictor_;               // read under the budget's mutex once the account is in a bucket
    std::atomic<size_t> bytes_{0};  // written by the owner, read under the budget's mutex
    int bucket_ = -1;               // guarded by budget_->mu_: -1 = not evictable
    bool evicting_ = false;         // guarded by budget_->mu_: its evictor was called
  };

  // `limit_bytes` 0 counts without a limit.
  explicit ClientMemoryBudget(size_t limit_bytes) : limit_(limit_bytes) {}
  ClientMemoryBudget(const ClientMemoryBudget&) = delete;
  ClientMemoryBudget& operator=(const ClientMemoryBudget&) = delete;

  size_t limit() const { return limit_; }
  size_t used() const { return used_.load(std::memory_order_relaxed); }
  uint64_t evicted() const { return evicted_.load(std::memory_order_relaxed); }

  // The --max-client-memory default for `-m memory_limit_mb`: a quarter of -m, at least 32 MiB.
  static size_t DefaultLimit(size_t memory_limit_mb);

 private:
  static constexpr int kBuckets = 64;
  static int BucketOf(size_t bytes);

  void Change(Account* account, size_t old_bytes, size_t new_bytes);
  void Remove(Account* account);
  void PlaceLocked(Account* account, size_t bytes) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  void EvictLocked() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);

  const size_t limit_;
  std::atomic<size_t> used_{0};
  std::atomic<uint64_t> evicted_{0};

  absl::Mutex mu_;
  std::array<absl::flat_hash_set<Account*>, kBuckets> buckets_ ABSL_GUARDED_BY(mu_);
  // Victims asked to close that have not closed yet: their bytes are about to be freed.
  absl::flat_hash_set<Account*> evicting_ ABSL_GUARDED_BY(mu_);
  // The log line for closed clients: one per period (written under mu_, so rarely that the
  // write costs nothing that matters).
  LogThrottle eviction_log_{absl::Seconds(10)};
};

}  // namespace memkv::server

#endif  // MEMKV_SERVER_CONN_CLIENT_MEMORY_BUDGET_H_
