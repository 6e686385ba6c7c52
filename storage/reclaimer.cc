#include "storage/reclaimer.h"

#include <utility>

namespace memkv::storage {

Reclaimer::Reclaimer(absl::Duration period, std::function<void()> pass)
    : period_(period), pass_(std::move(pass)), thread_([this] { Run(); }) {}

Reclaimer::~Reclaimer() {
  {
    absl::MutexLock lock(&mu_);
    stop_ = true;
  }
  thread_.join();
}

void Reclaimer::Run() {
  for (;;) {
    {
      absl::MutexLock lock(&mu_);
      // Wakes at once when stop_ turns true, else after one period.
      mu_.AwaitWithTimeout(absl::Condition(&stop_), period_);
      if (stop_) return;
    }
    pass_();
  }
}

}  // namespace memkv::storage
