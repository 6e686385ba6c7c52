#include "tools/bench/worker.h"

#include <sys/epoll.h>
#include <time.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

#include "tools/bench/strings.h"

namespace memkv::bench {
namespace {

constexpr int64_t kNsPerSecond = 1'000'000'000;
// Answers still in flight when the run ends get this long to arrive.
constexpr int64_t kDrainNs = 5 * kNsPerSecond;
// Requests in flight and no answer for this long: the server is stuck; give up.
constexpr int64_t kStallNs = 10 * kNsPerSecond;
// How often the live progress numbers are handed over (the line itself is printed per second).
constexpr int64_t kPublishNs = kNsPerSecond / 10;
// The warm-up keeps at least this many sets in flight per connection: it is not measured, so it
// may as well be quick.
constexpr size_t kPreloadDepth = 64;

}  // namespace

int64_t MonotonicNowNs() {
  timespec now;
  clock_gettime(CLOCK_MONOTONIC, &now);
  return now.tv_sec * kNsPerSecond + now.tv_nsec;
}

Worker::Worker(int index, const WorkloadShared& shared)
    : index_(index),
      shared_(shared),
      options_(*shared.options),
      rng_(Mix64(shared.options->seed * 0x9e3779b97f4a7c15ULL + static_cast<uint64_t>(index))),
      codec_(MakeCodec(shared.options->dialect, *shared.codec_context)) {}

absl::Status Worker::Connect(const ServerAddress& address) {
  epoll_ = UniqueFd(epoll_create1(EPOLL_CLOEXEC));
  if (epoll_.get() < 0) return absl::InternalError(Cat("epoll_create1: ", strerror(errno)));
  const int depth = std::max<int>(options_.pipeline, kPreloadDepth);
  for (int i = 0; i < options_.connections_per_thread; ++i) {
    absl::StatusOr<std::unique_ptr<Connection>> connection =
        Connection::Open(address, depth, options_.multiget);
    if (!connection.ok()) return connection.status();
    Conn conn;
    conn.connection = *std::move(connection);
    conn.global_index = index_ * options_.connections_per_thread + i;
    epoll_event event = {.events = EPOLLIN, .data = {.u64 = conns_.size()}};
    if (epoll_ctl(epoll_.get(), EPOLL_CTL_ADD, conn.connection->fd(), &event) < 0) {
      return absl::InternalError(Cat("epoll_ctl: ", strerror(errno)));
    }
    conns_.push_back(std::move(conn));
  }
  open_connections_ = static_cast<int>(conns_.size());
  stats_.per_connection.assign(conns_.size(), 0);
  return absl::OkStatus();
}

void Worker::Preload() {
  if (!options_.preload) return;
  phase_ = Phase::kPreload;
  depth_ = kPreloadDepth;
  const uint64_t threads = static_cast<uint64_t>(options_.threads);
  const auto share = [&](uint64_t i) {
    return static_cast<uint64_t>(static_cast<unsigned __int128>(options_.keyspace) * i / threads);
  };
  preload_next_ = share(static_cast<uint64_t>(index_));
  preload_end_ = share(static_cast<uint64_t>(index_) + 1);
  RunLoop(INT64_MAX);
}

void Worker::Measure(int64_t start_ns) {
  phase_ = Phase::kMeasure;
  depth_ = static_cast<size_t>(options_.pipeline);
  stopping_ = false;
  const uint64_t total = static_cast<uint64_t>(options_.total_connections());
  if (options_.rate > 0) {
    open_loop_interval_ns_ = std::max<int64_t>(
        1, static_cast<int64_t>(static_cast<double>(total) * kNsPerSecond / options_.rate));
  }
  if (options_.requests > 0) quota_left_ = 0;
  for (Conn& conn : conns_) {
    // Spread the connections' schedules so that they do not all fire at once.
    conn.next_intended_ns =
        start_ns +
        (open_loop_interval_ns_ > 0
             ? static_cast<int64_t>(rng_.Uniform(static_cast<uint64_t>(open_loop_interval_ns_)))
             : 0);
    if (options_.requests > 0) {
      const uint64_t i = static_cast<uint64_t>(conn.global_index);
      conn.quota = options_.requests / total + (i < options_.requests % total ? 1 : 0);
      quota_left_ += conn.quota;
    }
  }
  next_publish_ns_ = start_ns + kPublishNs;
  const int64_t stop_ns = options_.requests > 0
                              ? INT64_MAX
                              : start_ns + static_cast<int64_t>(options_.duration_s * kNsPerSecond);
  RunLoop(stop_ns);
  Publish();
  for (size_t i = 0; i < conns_.size(); ++i) {
    stats_.per_connection[i] = conns_[i].connection->completed;
  }
}

void Worker::RunLoop(int64_t stop_issuing_ns) {
  int64_t now = MonotonicNowNs();
  int64_t drain_deadline = INT64_MAX;
  last_answer_ns_ = now;
  for (Conn& conn : conns_) {
    if (conn.connection->open()) Issue(conn, now);
  }
  epoll_event events[64];
  while (open_connections_ > 0) {
    now = MonotonicNowNs();
    if (!stopping_ && DoneIssuing(now, stop_issuing_ns)) {
      stopping_ = true;
      drain_deadline = now + kDrainNs;
      CountBehindSchedule(stop_issuing_ns);
    }
    if (stopping_ && in_flight_ == 0) break;
    if (in_flight_ > 0 && (now >= drain_deadline || now - last_answer_ns_ > kStallNs)) {
      stats_.AddError(Cat(in_flight_, " requests got no answer within ",
                          (now >= drain_deadline ? kDrainNs : kStallNs) / kNsPerSecond, " s"));
      stats_.unanswered += in_flight_;
      CloseAll();
      break;
    }
    if (!stopping_ && open_loop_interval_ns_ > 0 && phase_ == Phase::kMeasure) {
      for (Conn& conn : conns_) {
        if (conn.connection->open()) Issue(conn, now);
      }
    }
    const int64_t wait_ns =
        std::max<int64_t>(0, NextWake(now, stop_issuing_ns, drain_deadline) - now);
    const timespec timeout = {.tv_sec = wait_ns / kNsPerSecond, .tv_nsec = wait_ns % kNsPerSecond};
    const int n = epoll_pwait2(epoll_.get(), events, 64, &timeout, nullptr);
    for (int i = 0; i < n; ++i) {
      Conn& conn = conns_[events[i].data.u64];
      if (conn.connection->open()) HandleEvent(conn, events[i].events);
    }
    if (phase_ == Phase::kMeasure && MonotonicNowNs() >= next_publish_ns_) Publish();
  }
  stopping_ = true;
}

bool Worker::DoneIssuing(int64_t now, int64_t stop_issuing_ns) const {
  if (phase_ == Phase::kPreload) return preload_next_ == preload_end_;
  return now >= stop_issuing_ns || quota_left_ == 0;
}

int64_t Worker::NextWake(int64_t now, int64_t stop_issuing_ns, int64_t drain_deadline) const {
  int64_t wake = now + kPublishNs;
  wake = std::min(wake, stopping_ ? drain_deadline : stop_issuing_ns);
  if (!stopping_ && open_loop_interval_ns_ > 0 && phase_ == Phase::kMeasure) {
    for (const Conn& conn : conns_) {
      if (conn.connection->open() && conn.connection->in_flight() < depth_) {
        wake = std::min(wake, conn.next_intended_ns);
      }
    }
  }
  return wake;
}

void Worker::Issue(Conn& conn, int64_t now) {
  Connection& c = *conn.connection;
  while (!stopping_ && c.in_flight() < depth_) {
    if (phase_ == Phase::kPreload) {
      if (preload_next_ == preload_end_) break;
      IssueOne(conn, now);
      continue;
    }
    if (conn.quota == 0) break;
    int64_t intended = now;
    if (open_loop_interval_ns_ > 0) {
      if (conn.next_intended_ns > now) break;
      intended = conn.next_intended_ns;
      conn.next_intended_ns += open_loop_interval_ns_;
    }
    if (conn.quota != UINT64_MAX) {
      --conn.quota;
      --quota_left_;
    }
    IssueOne(conn, intended);
  }
  if (c.has_output()) Flush(conn);
}

void Worker::IssueOne(Conn& conn, int64_t intended_ns) {
  Connection& c = *conn.connection;
  const OpGenerator& ops = *shared_.ops;
  const bool preload = phase_ == Phase::kPreload;
  if (preload || ops.NextIsSet(rng_)) {
    const uint64_t key = preload ? preload_next_++ : ops.NextKey(rng_);
    c.Push(/*is_set=*/true, 1, intended_ns)[0] = key;
    codec_->EncodeSet(key, shared_.codec_context->values->ValueFor(key, ops.NextValueSize(rng_)),
                      c.output());
  } else {
    absl::Span<uint64_t> keys =
        c.Push(/*is_set=*/false, static_cast<uint32_t>(options_.multiget), intended_ns);
    for (uint64_t& key : keys) key = ops.NextKey(rng_);
    codec_->EncodeGet(keys, c.output());
  }
  ++in_flight_;
}

void Worker::Flush(Conn& conn) {
  Connection& c = *conn.connection;
  bool blocked = false;
  if (absl::Status status = c.Flush(&blocked); !status.ok()) {
    Break(conn, std::string(status.message()));
    return;
  }
  if (blocked != c.want_write) {
    c.want_write = blocked;
    epoll_event event = {.events = EPOLLIN | (blocked ? EPOLLOUT : 0u),
                         .data = {.u64 = static_cast<uint64_t>(&conn - conns_.data())}};
    epoll_ctl(epoll_.get(), EPOLL_CTL_MOD, c.fd(), &event);
  }
}

void Worker::HandleEvent(Conn& conn, uint32_t events) {
  Connection& c = *conn.connection;
  if ((events & EPOLLOUT) != 0) {
    Flush(conn);
    if (!c.open()) return;
  }
  if ((events & (EPOLLIN | EPOLLERR | EPOLLHUP)) == 0) return;
  bool closed = false;
  if (absl::Status status = c.Fill(&closed); !status.ok()) {
    Break(conn, std::string(status.message()));
    return;
  }
  const int64_t now = MonotonicNowNs();
  ProcessReplies(conn, now);
  if (!c.open()) return;
  if (closed) {
    Break(conn, "the server closed the connection");
    return;
  }
  Issue(conn, now);
}

void Worker::ProcessReplies(Conn& conn, int64_t now) {
  Connection& c = *conn.connection;
  while (c.in_flight() > 0 && !c.input().empty()) {
    const ReplyStep step = codec_->Consume(c.input(), c.FrontRequest(), &c.progress());
    c.Consume(step.consumed);
    if (step.status == ReplyStatus::kNeedMore) return;
    if (step.status == ReplyStatus::kBroken) {
      Break(conn, step.error);
      return;
    }
    Complete(conn, now);
  }
  if (!c.input().empty()) {
    Break(conn, Cat("bytes nobody asked for: ", QuoteServerText(c.input())));
  }
}

void Worker::Complete(Conn& conn, int64_t now) {
  Connection& c = *conn.connection;
  const Connection::Slot& slot = c.front();
  const ReplyProgress& progress = c.progress();
  last_answer_ns_ = now;
  if (phase_ == Phase::kPreload) {
    if (progress.error.empty()) {
      ++stats_.preloaded;
    } else {
      stats_.AddError(Cat("preload: ", progress.error));
    }
  } else {
    const uint64_t latency = static_cast<uint64_t>(std::max<int64_t>(0, now - slot.intended_ns));
    stats_.latency.Record(latency);
    interval_latency_.Record(latency);
    ++interval_requests_;
    ++c.completed;
    stats_.last_completion_ns = now;
    if (slot.is_set) {
      ++stats_.sets;
    } else {
      ++stats_.gets;
      stats_.keys_requested += slot.key_count;
      stats_.hits += progress.hits;
      stats_.misses += slot.key_count - progress.hits;
    }
    if (!progress.error.empty()) stats_.AddError(progress.error);
  }
  c.Pop();
  --in_flight_;
}

void Worker::Break(Conn& conn, std::string_view why) {
  Connection& c = *conn.connection;
  std::string message = Cat("connection ", conn.global_index, ": ", why);
  if (c.in_flight() > 0) message += Cat(" (", c.in_flight(), " requests in flight)");
  stats_.AddError(std::move(message));
  in_flight_ -= c.in_flight();
  if (conn.quota != UINT64_MAX) quota_left_ -= conn.quota;
  conn.quota = 0;
  epoll_ctl(epoll_.get(), EPOLL_CTL_DEL, c.fd(), nullptr);
  c.Close();
  --open_connections_;
}

void Worker::CloseAll() {
  for (Conn& conn : conns_) {
    if (!conn.connection->open()) continue;
    conn.connection->Close();
    --open_connections_;
  }
  in_flight_ = 0;
}

void Worker::CountBehindSchedule(int64_t stop_issuing_ns) {
  if (phase_ != Phase::kMeasure || open_loop_interval_ns_ == 0) return;
  for (const Conn& conn : conns_) {
    if (conn.connection->open() && conn.next_intended_ns < stop_issuing_ns) {
      stats_.behind_schedule += static_cast<uint64_t>(
          (stop_issuing_ns - conn.next_intended_ns - 1) / open_loop_interval_ns_ + 1);
    }
  }
}

void Worker::Publish() {
  interval_.Add(interval_requests_, stats_.errors - published_errors_, interval_latency_);
  published_errors_ = stats_.errors;
  interval_requests_ = 0;
  interval_latency_.Clear();
  next_publish_ns_ = MonotonicNowNs() + kPublishNs;
}

}  // namespace memkv::bench
