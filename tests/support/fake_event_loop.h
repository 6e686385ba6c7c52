// FakeEventLoop: an EventLoop that only records what a handler asks of it, for unit tests of
// connections driven by hand: the test decides when sends complete, when posted tasks run and
// what the peer does. No sockets, no threads, no timing.
//
// Threads: the test's thread only.
#ifndef MEMKV_TESTS_SUPPORT_FAKE_EVENT_LOOP_H_
#define MEMKV_TESTS_SUPPORT_FAKE_EVENT_LOOP_H_

#include <sys/uio.h>

#include <chrono>
#include <deque>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "absl/types/span.h"
#include "gtest/gtest.h"
#include "server/loop/event_loop.h"
#include "server/loop/socket_util.h"

namespace memkv::server {

class FakeEventLoop final : public EventLoop {
 public:
  IoEngine engine() const override { return IoEngine::kEpoll; }
  std::string Describe() const override { return "fake"; }
  void Run() override {}
  void Stop() override {}
  void Post(absl::AnyInvocable<void() &&> task) override { posted.push_back(std::move(task)); }
  absl::Status StartAccepting(int, AcceptCallback) override { return absl::OkStatus(); }
  // Keeps the handler and owns the fd (a real socket, so that closing it is valid).
  absl::Status AddStream(int fd, StreamHandler* h) override {
    handler = h;
    owned_fd = UniqueFd(fd);
    return absl::OkStatus();
  }
  // The fake moves no bytes, so it cannot run a handshake.
  absl::Status AddTlsStream(int fd, StreamHandler*, const TlsContext&) override {
    UniqueFd closed(fd);
    return absl::UnimplementedError("FakeEventLoop: no TLS");
  }
  void Send(int, std::string_view data) override {
    EXPECT_FALSE(in_flight.has_value()) << "a second Send before OnSendComplete";
    in_flight = std::string(data);
    sent.push_back(std::string(data));
  }
  // A gather send is recorded as one send of its slices' bytes, concatenated.
  void Send(int fd, absl::Span<const iovec> slices) override {
    std::string data;
    for (const iovec& slice : slices) {
      data.append(static_cast<const char*>(slice.iov_base), slice.iov_len);
    }
    Send(fd, data);
  }
  void PauseReceive(int) override { paused = true; }
  void ResumeReceive(int) override { paused = false; }
  void CloseStream(int) override { close_requested = true; }
  void SetIdleTimeout(std::chrono::milliseconds timeout) override { idle_timeout = timeout; }

  // Completes the send in flight, telling `to` (the handler AddStream was given by default).
  void CompleteSend(StreamHandler* to = nullptr) {
    ASSERT_TRUE(in_flight.has_value());
    in_flight.reset();
    (to != nullptr ? to : handler)->OnSendComplete();
  }
  // Runs the posted tasks queued so far.
  void RunPosted() {
    std::deque<absl::AnyInvocable<void()&&>> tasks = std::move(posted);
    posted.clear();
    for (auto& task : tasks) std::move(task)();
  }
  // Everything sent so far, concatenated.
  std::string AllSent() const {
    std::string all;
    for (const std::string& s : sent) all += s;
    return all;
  }

  StreamHandler* handler = nullptr;
  UniqueFd owned_fd;
  std::deque<absl::AnyInvocable<void() &&>> posted;
  std::optional<std::string> in_flight;
  std::vector<std::string> sent;
  bool paused = false;
  bool close_requested = false;
  std::chrono::milliseconds idle_timeout{0};
};

}  // namespace memkv::server

#endif  // MEMKV_TESTS_SUPPORT_FAKE_EVENT_LOOP_H_
