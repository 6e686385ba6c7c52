#include "storage/clock.h"

#include <time.h>

namespace memkv::storage {

int64_t RealClock::NowMillis() const {
  timespec ts;
  clock_gettime(CLOCK_REALTIME, &ts);
  return int64_t{ts.tv_sec} * 1000 + ts.tv_nsec / 1'000'000;
}

}  // namespace memkv::storage
