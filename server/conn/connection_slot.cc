#include "server/conn/connection_slot.h"

#include <utility>

namespace memkv::server {

bool ConnectionLimiter::TryAcquire() {
  // Optimistic increment, undone when over the limit: one atomic operation per accepted
  // connection, and the count never stays above the limit.
  if (open_.fetch_add(1, std::memory_order_relaxed) >= limit_) {
    open_.fetch_sub(1, std::memory_order_relaxed);
    return false;
  }
  return true;
}

ConnectionSlot::ConnectionSlot(ConnectionLimiter* limiter, std::atomic<int64_t>* assigned)
    : limiter_(limiter), assigned_(assigned) {}

ConnectionSlot::ConnectionSlot(ConnectionSlot&& other) noexcept
    : limiter_(std::exchange(other.limiter_, nullptr)),
      assigned_(std::exchange(other.assigned_, nullptr)) {}

ConnectionSlot& ConnectionSlot::operator=(ConnectionSlot&& other) noexcept {
  if (this != &other) {
    Reset();
    limiter_ = std::exchange(other.limiter_, nullptr);
    assigned_ = std::exchange(other.assigned_, nullptr);
  }
  return *this;
}

void ConnectionSlot::Reset() {
  if (limiter_ != nullptr) limiter_->Release();
  if (assigned_ != nullptr) assigned_->fetch_sub(1, std::memory_order_relaxed);
  limiter_ = nullptr;
  assigned_ = nullptr;
}

}  // namespace memkv::server
