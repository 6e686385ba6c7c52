// Reclaimer: a background thread that runs a bounded unit of work every period until destroyed.
// The Engine uses it to reclaim expired items without waiting for them to be accessed.
//
// Threads: construct and destroy from one thread; `pass` runs on the reclaimer's own thread and
// must be safe to run beside every other Engine call. The destructor stops the thread and joins.
#ifndef MEMKV_STORAGE_RECLAIMER_H_
#define MEMKV_STORAGE_RECLAIMER_H_

#include <functional>
#include <thread>

#include "absl/base/thread_annotations.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"

namespace memkv::storage {

class Reclaimer {
 public:
  Reclaimer(absl::Duration period, std::function<void()> pass);
  ~Reclaimer();
  Reclaimer(const Reclaimer&) = delete;
  Reclaimer& operator=(const Reclaimer&) = delete;

 private:
  void Run();

  const absl::Duration period_;
  const std::function<void()> pass_;
  absl::Mutex mu_;
  bool stop_ ABSL_GUARDED_BY(mu_) = false;
  std::thread thread_;  // last: starts after the fields it reads are built
};

}  // namespace memkv::storage

#endif  // MEMKV_STORAGE_RECLAIMER_H_
