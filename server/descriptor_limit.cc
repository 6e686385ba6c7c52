#include "server/descriptor_limit.h"

#include <algorithm>
#include <cerrno>
#include <cstring>

#include "absl/status/status.h"
#include "absl/strings/str_format.h"

namespace memkv::server {
namespace {

// stdin, stdout and stderr, the shutdown signalfd, the io_uring probe at start, and a margin
// for descriptors that live a moment (a refused connection between accept and close, files
// that a sanitizer runtime opens).
constexpr int64_t kProcessDescriptors = 3 + 1 + 1 + 8;
// Each event loop's epoll or io_uring descriptor, its wake-up eventfd and the spare descriptor
// it keeps to shed connections on EMFILE (server/loop/event_loop_core.cc).
constexpr int64_t kLoopDescriptors = 3;

}  // namespace

int64_t ReservedDescriptors(const Options& options) {
  // Every mode at once, as an upper bound: a loop per worker, per dispatcher (hybrid: --dispatchers
  // or one per four workers) and the acceptor's; and a listening socket per port on every loop,
  // as reuseport and hybrid open one per thread.
  const int64_t dispatchers = std::max({options.dispatchers, options.threads / 4, 1});
  const int64_t loops = options.threads + dispatchers + 1;
  const int64_t ports = options.resp_port > 0 ? 2 : 1;
  return kProcessDescriptors + loops * (kLoopDescriptors + ports);
}

absl::StatusOr<DescriptorPlan> PlanDescriptors(int64_t requested, int64_t reserved, rlim_t soft,
                                               rlim_t hard) {
  const rlim_t want = static_cast<rlim_t>(requested + reserved);
  if (hard == RLIM_INFINITY || want <= hard) {
    return DescriptorPlan{requested, std::max(soft, want)};
  }
  if (hard <= static_cast<rlim_t>(reserved)) {
    return absl::FailedPreconditionError(absl::StrFormat(
        "the open-file limit (ulimit -Hn %d) leaves no descriptor for a connection: the server "
        "needs %d of its own",
        static_cast<int64_t>(hard), reserved));
  }
  return DescriptorPlan{static_cast<int64_t>(hard) - reserved, hard};
}

absl::StatusOr<DescriptorLimit> FitDescriptorLimit(const Options& options) {
  rlimit limit{};
  if (getrlimit(RLIMIT_NOFILE, &limit) != 0) {
    return absl::InternalError(absl::StrFormat("getrlimit(RLIMIT_NOFILE): %s", strerror(errno)));
  }
  absl::StatusOr<DescriptorPlan> plan = PlanDescriptors(
      options.conn_limit, ReservedDescriptors(options), limit.rlim_cur, limit.rlim_max);
  if (!plan.ok()) return plan.status();
  DescriptorLimit result{plan->connections, limit.rlim_cur, limit.rlim_max, limit.rlim_cur};
  if (plan->soft_limit != limit.rlim_cur) {
    limit.rlim_cur = plan->soft_limit;
    if (setrlimit(RLIMIT_NOFILE, &limit) != 0) {
      return absl::InternalError(absl::StrFormat("setrlimit(RLIMIT_NOFILE, %d): %s",
                                                 static_cast<int64_t>(plan->soft_limit),
                                                 strerror(errno)));
    }
    result.soft_after = plan->soft_limit;
  }
  return result;
}

}  // namespace memkv::server
