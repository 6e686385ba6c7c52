// WorkQueue: the hand-over queue between the threads of the dispatch and hybrid modes. A
// dispatcher hands batches of requests to a worker through one, and a worker hands the answered
// batches back to a dispatcher through another.
//
// Batched on purpose: a producer appends a whole vector under one lock and the consumer swaps out
// everything queued under one lock, so the lock is taken once per batch of batches (at most once
// per producer per loop turn), never once per request. The vectors' capacity circulates between
// producer and consumer, so a steady stream allocates nothing.
//
// Two ways to consume:
//   - a thread with nothing else to do blocks in WaitTakeAll() until items arrive or Close();
//   - an event loop drains with TakeAll() from a task it posted to itself: Push() returns true
//     exactly when the consumer must be woken (the first push since the last TakeAll), so a burst
//     of pushes from many threads costs one wake-up.
//
// Order: items from one producer come out in the order that producer pushed them; items of
// different producers interleave in push order. Every pushed item comes out exactly once (or is
// destroyed with the queue).
//
// Threads: Push() and Close() from any thread; TakeAll() and WaitTakeAll() from one consumer
// thread at a time.
#ifndef MEMKV_SERVER_FRONTEND_WORK_QUEUE_H_
#define MEMKV_SERVER_FRONTEND_WORK_QUEUE_H_

#include <utility>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/synchronization/mutex.h"

namespace memkv::server {

template <typename T>
class WorkQueue {
 public:
  WorkQueue() = default;
  WorkQueue(const WorkQueue&) = delete;
  WorkQueue& operator=(const WorkQueue&) = delete;

  // Moves every element of *items to the back of the queue, in order, and leaves *items empty
  // (possibly with the capacity of an earlier batch, for the producer to reuse). Returns true
  // when the consumer has to be woken: the queue had not been pushed to since the last
  // TakeAll(). After Close() the items are dropped and false is returned.
  bool Push(std::vector<T>* items) ABSL_LOCKS_EXCLUDED(mu_) {
    if (items->empty()) return false;
    absl::MutexLock lock(&mu_);
    if (closed_) {
      items->clear();
      return false;
    }
    if (items_.empty()) {
      // The common case: hand the whole vector over and take back the empty one.
      items_.swap(*items);
    } else {
      for (T& item : *items) items_.push_back(std::move(item));
      items->clear();
    }
    bool wake = !notified_;
    notified_ = true;
    return wake;
  }

  // One item; same contract as Push(std::vector<T>*).
  bool Push(T item) ABSL_LOCKS_EXCLUDED(mu_) {
    std::vector<T> one;
    one.push_back(std::move(item));
    return Push(&one);
  }

  // Swaps everything queued into *out, which must be empty; does not block. The next Push()
  // returns true again.
  void TakeAll(std::vector<T>* out) ABSL_LOCKS_EXCLUDED(mu_) {
    absl::MutexLock lock(&mu_);
    TakeLocked(out);
  }

  // Blocks until something is queued or the queue is closed, then takes everything as
  // TakeAll(). Returns false once the queue is closed and empty.
  bool WaitTakeAll(std::vector<T>* out) ABSL_LOCKS_EXCLUDED(mu_) {
    absl::MutexLock lock(&mu_, absl::Condition(this, &WorkQueue::ReadyLocked));
    if (items_.empty()) return false;  // closed
    TakeLocked(out);
    return true;
  }

  // Any thread. Wakes a blocked consumer; later pushes are dropped. Items already queued can
  // still be taken.
  void Close() ABSL_LOCKS_EXCLUDED(mu_) {
    absl::MutexLock lock(&mu_);
    closed_ = true;
  }

 private:
  bool ReadyLocked() const ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) { return !items_.empty() || closed_; }

  void TakeLocked(std::vector<T>* out) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
    out->clear();
    out->swap(items_);
    notified_ = false;
  }

  absl::Mutex mu_;
  std::vector<T> items_ ABSL_GUARDED_BY(mu_);
  // A push since the last take has already told the caller to wake the consumer.
  bool notified_ ABSL_GUARDED_BY(mu_) = false;
  bool closed_ ABSL_GUARDED_BY(mu_) = false;
};

}  // namespace memkv::server

#endif  // MEMKV_SERVER_FRONTEND_WORK_QUEUE_H_
