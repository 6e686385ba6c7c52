// Descriptor limit: fits the process's open-file limit (RLIMIT_NOFILE) to -c at start, as
// memcached does. The soft limit is raised to what -c connections plus the server's own
// descriptors need, up to the hard limit. When the hard limit is lower, the server runs with the
// -c that fits instead, so that a client beyond it is refused with memcached's "ERROR Too many
// open connections" rather than failing in accept() (EMFILE) and being dropped without a word.
//
// Threads: FitDescriptorLimit changes a process-wide setting: call it on the main thread before
// any other thread starts. The other functions are pure; any thread.
#ifndef MEMKV_SERVER_DESCRIPTOR_LIMIT_H_
#define MEMKV_SERVER_DESCRIPTOR_LIMIT_H_

#include <sys/resource.h>

#include <cstdint>

#include "absl/status/statusor.h"
#include "server/options.h"

namespace memkv::server {

// Descriptors the server holds besides its client connections, counted generously for whichever
// mode `options` asks for (see descriptor_limit.cc).
int64_t ReservedDescriptors(const Options& options);

struct DescriptorPlan {
  int64_t connections = 0;  // the -c to run with: the requested one, or less when it cannot fit
  rlim_t soft_limit = 0;    // the RLIMIT_NOFILE soft limit to set (never below the current one)
};

// What fits `requested` connections plus `reserved` descriptors under the current `soft` and
// `hard` limits. FailedPrecondition when the hard limit leaves no descriptor for a connection.
absl::StatusOr<DescriptorPlan> PlanDescriptors(int64_t requested, int64_t reserved, rlim_t soft,
                                               rlim_t hard);

struct DescriptorLimit {
  int64_t connections = 0;  // the -c to run with
  rlim_t soft_before = 0;   // the limits found at start
  rlim_t hard = 0;
  rlim_t soft_after = 0;  // the soft limit now
};

// Reads RLIMIT_NOFILE, raises its soft limit per PlanDescriptors(options.conn_limit, ...) and
// says which -c fits. Errors: PlanDescriptors's, and getrlimit / setrlimit failures.
absl::StatusOr<DescriptorLimit> FitDescriptorLimit(const Options& options);

}  // namespace memkv::server

#endif  // MEMKV_SERVER_DESCRIPTOR_LIMIT_H_
