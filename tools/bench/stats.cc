#include "tools/bench/stats.h"

#include <algorithm>
#include <utility>

namespace memkv::bench {

void WorkerStats::AddError(std::string message) {
  ++errors;
  if (error_samples.size() < kMaxErrorSamples) error_samples.push_back(std::move(message));
}

void WorkerStats::Merge(const WorkerStats& other) {
  latency.Merge(other.latency);
  gets += other.gets;
  sets += other.sets;
  keys_requested += other.keys_requested;
  hits += other.hits;
  misses += other.misses;
  errors += other.errors;
  behind_schedule += other.behind_schedule;
  unanswered += other.unanswered;
  preloaded += other.preloaded;
  last_completion_ns = std::max(last_completion_ns, other.last_completion_ns);
  per_connection.insert(per_connection.end(), other.per_connection.begin(),
                        other.per_connection.end());
  for (const std::string& sample : other.error_samples) {
    if (error_samples.size() < kMaxErrorSamples) error_samples.push_back(sample);
  }
}

void IntervalStats::Add(uint64_t requests, uint64_t errors, const LatencyHistogram& latency) {
  absl::MutexLock lock(&mutex_);
  requests_ += requests;
  errors_ += errors;
  latency_.Merge(latency);
}

void IntervalStats::TakeInto(uint64_t* requests, uint64_t* errors, LatencyHistogram* latency) {
  absl::MutexLock lock(&mutex_);
  *requests += requests_;
  *errors += errors_;
  latency->Merge(latency_);
  requests_ = 0;
  errors_ = 0;
  latency_.Clear();
}

}  // namespace memkv::bench
