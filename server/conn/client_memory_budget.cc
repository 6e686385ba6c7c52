#include "server/conn/client_memory_budget.h"

#include <algorithm>
#include <bit>
#include <utility>

namespace memkv::server {

void ClientMemoryBudget::Account::Attach(ClientMemoryBudget* budget, Evictor evictor) {
  budget_ = budget;
  evictor_ = std::move(evictor);
}

ClientMemoryBudget::Account::~Account() {
  if (budget_ == nullptr) return;
  Update(0);
  budget_->Remove(this);
}

void ClientMemoryBudget::Account::Update(size_t bytes) {
  if (budget_ == nullptr) return;
  // Only the owner writes: a plain load sees its own last report, and most reports repeat it.
  const size_t old = bytes_.load(std::memory_order_relaxed);
  if (old == bytes) return;
  bytes_.store(bytes, std::memory_order_relaxed);
  budget_->Change(this, old, bytes);
}

void ClientMemoryBudget::Account::CountEviction() {
  if (budget_ != nullptr) budget_->evicted_.fetch_add(1, std::memory_order_relaxed);
}

size_t ClientMemoryBudget::DefaultLimit(size_t memory_limit_mb) {
  // A quarter of -m keeps what connections may hold in proportion to the cache; the floor lets a
  // small cache still serve dozens of clients pipelining 1 MiB values (about 2 MiB each).
  return std::max((memory_limit_mb << 20) / 4, size_t{32} << 20);
}

int ClientMemoryBudget::BucketOf(size_t bytes) {
  if (bytes < kMinEvictableBytes) return -1;
  return std::bit_width(bytes) - 1;  // floor(log2): [2^k, 2^(k+1)) is bucket k
}

void ClientMemoryBudget::Change(Account* account, size_t old_bytes, size_t new_bytes) {
  size_t total;
  if (new_bytes > old_bytes) {
    total =
        used_.fetch_add(new_bytes - old_bytes, std::memory_order_relaxed) + (new_bytes - old_bytes);
  } else {
    total =
        used_.fetch_sub(old_bytes - new_bytes, std::memory_order_relaxed) - (old_bytes - new_bytes);
  }
  const bool over = limit_ > 0 && new_bytes > old_bytes && total > limit_;
  // The common report: same bucket, under the limit. No lock.
  if (BucketOf(old_bytes) == BucketOf(new_bytes) && !over) return;
  absl::MutexLock lock(&mu_);
  PlaceLocked(account, new_bytes);
  if (over) EvictLocked();
}

void ClientMemoryBudget::PlaceLocked(Account* account, size_t bytes) {
  const int bucket = BucketOf(bytes);
  if (bucket == account->bucket_) return;
  if (account->bucket_ >= 0) buckets_[account->bucket_].erase(account);
  if (bucket >= 0) buckets_[bucket].insert(account);
  account->bucket_ = bucket;
}

void ClientMemoryBudget::Remove(Account* account) {
  absl::MutexLock lock(&mu_);
  PlaceLocked(account, 0);
  evicting_.erase(account);
}

void ClientMemoryBudget::EvictLocked() {
  const size_t total = used_.load(std::memory_order_relaxed);
  if (total <= limit_) return;
  size_t excess = total - limit_;
  // What the victims already asked to close hold is freed when they close: counted first, so
  // that growth while they close does not claim more victims than the excess needs.
  size_t freeing = 0;
  for (const Account* victim : evicting_) freeing += victim->bytes();
  for (int bucket = kBuckets - 1; bucket >= 0 && freeing < excess; --bucket) {
    for (Account* account : buckets_[bucket]) {
      if (freeing >= excess) break;
      if (account->evicting_) continue;
      account->evicting_ = true;
      evicting_.insert(account);
      freeing += account->bytes();
      if (uint64_t held_back = 0; eviction_log_.Allow(&held_back)) {
        Logf(LogLevel::kWarning,
             "clients hold %d bytes, over --max-client-memory %d: closing the one holding %d "
             "(%d more closed since the last line)",
             total, limit_, account->bytes(), held_back);
      }
      if (account->evictor_) account->evictor_();
    }
  }
}

}  // namespace memkv::server
