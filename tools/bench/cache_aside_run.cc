#include "tools/bench/cache_aside_run.h"

#include <poll.h>

#include <algorithm>
#include <memory>
#include <string_view>
#include <unordered_set>

#include "absl/status/status.h"
#include "absl/strings/str_format.h"
#include "tools/bench/cache_aside.h"
#include "tools/bench/codec.h"
#include "tools/bench/report.h"
#include "tools/bench/strings.h"
#include "tools/bench/worker.h"
#include "tools/bench/workload.h"

namespace memkv::bench {
namespace {

// A server that answers nothing for this long is taken to be stuck.
constexpr int kAnswerTimeoutMs = 10'000;
constexpr size_t kMaxErrorSamples = 5;

int DigitsOf(uint64_t n) {
  int digits = 1;
  for (; n >= 10; n /= 10) ++digits;
  return digits;
}

// One request of a batch and what its answer said.
struct Sent {
  CacheAsideRequest request;
  bool hit = false;
  std::string error;
};

class Driver {
 public:
  Driver(const BenchOptions& options, std::unique_ptr<Connection> connection,
         const ValuePattern* values, const CodecContext& context)
      : options_(options),
        connection_(std::move(connection)),
        values_(values),
        codec_(MakeCodec(options.dialect, context)) {}

  // Runs requests from `source` until it ends, `limit` requests were sent or `stop_ns` passed.
  absl::Status Run(RequestSource& source, uint64_t limit, int64_t stop_ns, uint64_t interval,
                   CacheAsideResult* result);

 private:
  // Sends what is queued and reads until every request in flight is answered; the answers land
  // in batch_[first..] in order.
  absl::Status Exchange(size_t first);
  void Note(CacheAsideResult* result, std::string_view what);

  const BenchOptions& options_;
  std::unique_ptr<Connection> connection_;
  const ValuePattern* values_;
  std::unique_ptr<RequestCodec> codec_;
  std::vector<Sent> batch_;
  std::vector<size_t> fills_;  // indexes in batch_ of the gets that missed
};

void Driver::Note(CacheAsideResult* result, std::string_view what) {
  if (result->error_samples.size() < kMaxErrorSamples) result->error_samples.emplace_back(what);
}

absl::Status Driver::Exchange(size_t first) {
  Connection& c = *connection_;
  size_t next = first;
  while (c.in_flight() > 0) {
    if (c.has_output()) {
      bool blocked = false;
      if (absl::Status status = c.Flush(&blocked); !status.ok()) return status;
    }
    while (c.in_flight() > 0) {
      const ReplyStep step = codec_->Consume(c.input(), c.FrontRequest(), &c.progress());
      c.Consume(step.consumed);
      if (step.status == ReplyStatus::kBroken) {
        return absl::DataLossError(Cat("unframeable answer: ", step.error));
      }
      if (step.status == ReplyStatus::kNeedMore) break;
      batch_[next].hit = c.progress().hits > 0;
      batch_[next].error = c.progress().error;
      ++next;
      c.Pop();
    }
    if (c.in_flight() == 0) break;
    pollfd p = {.fd = c.fd(),
                .events = static_cast<short>(POLLIN | (c.has_output() ? POLLOUT : 0)),
                .revents = 0};
    const int ready = ::poll(&p, 1, kAnswerTimeoutMs);
    if (ready == 0) return absl::DeadlineExceededError("no answer within 10 s");
    if (ready < 0) continue;  // EINTR
    if ((p.revents & (POLLIN | POLLHUP | POLLERR)) != 0) {
      bool closed = false;
      if (absl::Status status = c.Fill(&closed); !status.ok()) return status;
      if (closed && c.input().empty()) return absl::UnavailableError("the server closed");
    }
  }
  return absl::OkStatus();
}

absl::Status Driver::Run(RequestSource& source, uint64_t limit, int64_t stop_ns, uint64_t interval,
                         CacheAsideResult* result) {
  const size_t depth = static_cast<size_t>(options_.pipeline);
  const int64_t start_ns = MonotonicNowNs();
  CacheAsideInterval current;
  uint64_t interval_end = interval;
  std::unordered_set<uint64_t> in_batch;
  CacheAsideRequest pending;
  bool have_pending = false;
  bool exhausted = false;
  while (!exhausted && result->requests < limit && MonotonicNowNs() < stop_ns) {
    // The batch: distinct keys, up to the pipeline depth, the limit or the interval's end.
    batch_.clear();
    in_batch.clear();
    const uint64_t room = std::min(limit, interval_end) - result->requests;
    while (batch_.size() < depth && batch_.size() < room) {
      if (!have_pending && !(have_pending = source.Next(&pending))) {
        exhausted = true;
        break;
      }
      if (!in_batch.insert(pending.key).second) break;
      batch_.push_back(Sent{.request = pending, .hit = false, .error = {}});
      have_pending = false;
    }
    if (batch_.empty()) break;
    for (const Sent& sent : batch_) {
      const CacheAsideRequest& r = sent.request;
      if (r.is_set) {
        codec_->EncodeSet(r.key, values_->ValueFor(r.key, r.size), connection_->output());
      } else {
        codec_->EncodeGet(absl::MakeConstSpan(&r.key, 1), connection_->output());
      }
      connection_->Push(r.is_set, 1, 0)[0] = r.key;
    }
    if (absl::Status status = Exchange(0); !status.ok()) return status;
    // The application's fills: a set for each get that missed, in the order of the gets.
    fills_.clear();
    for (size_t i = 0; i < batch_.size(); ++i) {
      Sent& sent = batch_[i];
      if (sent.request.is_set) {
        ++result->trace_sets;
        if (!sent.error.empty()) {
          ++result->set_failures;
          Note(result, Cat("set: ", sent.error));
        }
        continue;
      }
      ++result->gets;
      ++current.gets;
      if (!sent.error.empty()) {
        ++result->errors;
        Note(result, Cat("get: ", sent.error));
      }
      if (sent.hit) {
        ++result->hits;
        ++current.hits;
      } else {
        ++result->misses;
        fills_.push_back(i);
      }
    }
    const size_t fill_start = batch_.size();
    for (size_t i : fills_) {
      const CacheAsideRequest& r = batch_[i].request;
      codec_->EncodeSet(r.key, values_->ValueFor(r.key, r.size), connection_->output());
      connection_->Push(true, 1, 0)[0] = r.key;
      batch_.push_back(Sent{.request = r, .hit = false, .error = {}});
    }
    if (absl::Status status = Exchange(fill_start); !status.ok()) return status;
    for (size_t i = fill_start; i < batch_.size(); ++i) {
      ++result->fill_sets;
      if (!batch_[i].error.empty()) {
        ++result->set_failures;
        Note(result, Cat("fill: ", batch_[i].error));
      }
    }
    result->requests += fill_start;
    if (result->requests >= interval_end) {
      current.requests_end = result->requests;
      current.elapsed_s = static_cast<double>(MonotonicNowNs() - start_ns) / 1e9;
      result->intervals.push_back(current);
      current = CacheAsideInterval();
      interval_end += interval;
    }
  }
  result->elapsed_s = static_cast<double>(MonotonicNowNs() - start_ns) / 1e9;
  if (current.gets > 0 ||
      result->requests > (result->intervals.empty() ? 0 : result->intervals.back().requests_end)) {
    current.requests_end = result->requests;
    current.elapsed_s = result->elapsed_s;
    result->intervals.push_back(current);
  }
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<CacheAsideResult> RunCacheAside(const BenchOptions& options,
                                               const ServerAddress& address) {
  CacheAsideResult result;
  Trace trace;
  std::unique_ptr<RequestSource> source;
  int key_width = options.key_width;
  size_t value_min = options.value_min;
  size_t value_max = options.value_max;
  uint64_t limit = options.requests != 0 ? options.requests : UINT64_MAX;
  int64_t stop_ns = INT64_MAX;
  if (!options.trace_path.empty()) {
    absl::StatusOr<Trace> loaded = LoadTrace(options.trace_path);
    if (!loaded.ok()) return loaded.status();
    trace = *std::move(loaded);
    source = std::make_unique<TraceSource>(&trace);
    result.source = "trace";
    result.keys = trace.distinct_keys;
    key_width = DigitsOf(trace.distinct_keys - 1);
    value_min = trace.min_size;
    value_max = trace.max_size;
    if (options.key_prefix.size() + static_cast<size_t>(key_width) > 250) {
      return absl::InvalidArgumentError("keys would be longer than 250 bytes (--key-prefix)");
    }
  } else {
    source = std::make_unique<SyntheticSource>(options);
    result.source = options.zipf_theta > 0 ? Cat("zipf:", options.zipf_theta) : "uniform";
    result.keys = options.keyspace;
    if (options.requests == 0) {
      stop_ns = MonotonicNowNs() + static_cast<int64_t>(options.duration_s * 1e9);
    }
  }
  uint64_t interval = options.interval;
  if (interval == 0) {
    const uint64_t planned = options.requests != 0        ? options.requests
                             : options.trace_path.empty() ? 100'000 * 20
                                                          : trace.requests.size();
    interval = std::max<uint64_t>(1, planned / 20);
  }
  const KeyNamer keys(options.key_prefix, key_width);
  const ValuePattern values(value_max);
  const CodecContext context{.keys = &keys,
                             .values = &values,
                             .value_min = value_min,
                             .value_max = value_max,
                             .verify = options.verify};
  absl::StatusOr<std::unique_ptr<Connection>> connection =
      Connection::Open(address, options.pipeline, 1);
  if (!connection.ok()) return connection.status();
  Driver driver(options, *std::move(connection), &values, context);
  if (absl::Status status = driver.Run(*source, limit, stop_ns, interval, &result); !status.ok()) {
    return status;
  }
  return result;
}

std::string FormatCacheAsideText(const CacheAsideResult& r) {
  std::string out = absl::StrFormat("cache-aside  %s over %d keys, %d requests in %.2f s\n",
                                    r.source, r.keys, r.requests, r.elapsed_s);
  out += "  requests      gets      hits  interval  cumulative    time\n";
  uint64_t gets = 0;
  uint64_t hits = 0;
  for (const CacheAsideInterval& i : r.intervals) {
    gets += i.gets;
    hits += i.hits;
    absl::StrAppendFormat(&out, "%10d %9d %9d  %7.2f%%    %7.2f%%  %5.1fs\n", i.requests_end,
                          i.gets, i.hits,
                          i.gets == 0 ? 0.0 : 100.0 * static_cast<double>(i.hits) / i.gets,
                          gets == 0 ? 0.0 : 100.0 * static_cast<double>(hits) / gets, i.elapsed_s);
  }
  absl::StrAppendFormat(&out, "hit ratio    %.2f%% (%d hits, %d misses of %d gets)\n",
                        100 * r.hit_ratio(), r.hits, r.misses, r.gets);
  absl::StrAppendFormat(&out, "sets         %d fills, %d from the trace, %d refused\n", r.fill_sets,
                        r.trace_sets, r.set_failures);
  absl::StrAppendFormat(&out, "errors       %d\n", r.errors);
  for (const std::string& sample : r.error_samples) out += Cat("  ", sample, "\n");
  return out;
}

std::string FormatCacheAsideJson(const BenchOptions& o, const CacheAsideResult& r) {
  std::string out =
      Cat("{\"workload\":\"cache-aside\",\"source\":", JsonString(r.source),
          ",\"dialect\":", JsonString(DialectName(o.dialect)), ",\"seed\":", o.seed,
          ",\"keys\":", r.keys, ",\"pipeline\":", o.pipeline, ",\"requests\":", r.requests,
          ",\"gets\":", r.gets, ",\"hits\":", r.hits, ",\"misses\":", r.misses,
          ",\"hit_ratio\":", r.hit_ratio(), ",\"fill_sets\":", r.fill_sets,
          ",\"trace_sets\":", r.trace_sets, ",\"set_failures\":", r.set_failures,
          ",\"errors\":", r.errors, ",\"elapsed_s\":", r.elapsed_s, ",\"intervals\":[");
  for (size_t i = 0; i < r.intervals.size(); ++i) {
    const CacheAsideInterval& v = r.intervals[i];
    out += Cat(i == 0 ? "" : ",", "{\"requests_end\":", v.requests_end, ",\"gets\":", v.gets,
               ",\"hits\":", v.hits, ",\"hit_ratio\":",
               v.gets == 0 ? 0.0 : static_cast<double>(v.hits) / static_cast<double>(v.gets),
               ",\"elapsed_s\":", v.elapsed_s, "}");
  }
  out += "],\"error_samples\":[";
  for (size_t i = 0; i < r.error_samples.size(); ++i) {
    out += Cat(i == 0 ? "" : ",", JsonString(r.error_samples[i]));
  }
  out += "]}\n";
  return out;
}

}  // namespace memkv::bench
