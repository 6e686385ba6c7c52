#include "server/metrics_endpoint.h"

#include <chrono>
#include <string_view>
#include <utility>

#include "absl/strings/str_format.h"
#include "server/loop/listener.h"

namespace memkv::server {
namespace {

// A request head larger than this is no scrape: answered 431 and closed.
constexpr size_t kMaxRequestHead = 8 * 1024;
// A client that sends nothing for this long is closed (the loop's idle timeout).
constexpr std::chrono::seconds kIdleTimeout{10};

std::string Response(std::string_view status, std::string_view content_type, std::string_view body,
                     bool head_only) {
  std::string out = absl::StrFormat(
      "HTTP/1.1 %s\r\nContent-Type: %s\r\nContent-Length: %d\r\nConnection: close\r\n\r\n", status,
      content_type, body.size());
  if (!head_only) out.append(body);
  return out;
}

// One scrape: the request head, one response, then the close. Deletes itself when closed.
class MetricsConnection final : public StreamHandler {
 public:
  MetricsConnection(EventLoop* loop, int fd, const MetricsEndpoint::Render* render)
      : loop_(loop), fd_(fd), render_(render) {}

  void OnReceive(std::string_view data) override {
    if (answered_) return;
    head_.append(data);
    if (head_.find("\r\n\r\n") == std::string::npos && head_.find("\n\n") == std::string::npos) {
      if (head_.size() > kMaxRequestHead) {
        Answer(Response("431 Request Header Fields Too Large", "text/plain", "too large\n", false));
      }
      return;
    }
    Answer(Route());
  }
  void OnSendComplete() override { loop_->CloseStream(fd_); }
  void OnPeerClosed() override {
    if (!answered_) loop_->CloseStream(fd_);
  }
  void OnClosed() override { delete this; }
  void OnIdle() override { loop_->CloseStream(fd_); }

 private:
  std::string Route() const {
    std::string_view line = std::string_view(head_).substr(0, head_.find_first_of("\r\n"));
    size_t space = line.find(' ');
    std::string_view method = line.substr(0, space);
    std::string_view rest = space == std::string_view::npos ? "" : line.substr(space + 1);
    std::string_view path = rest.substr(0, rest.find(' '));
    path = path.substr(0, path.find('?'));
    bool head_only = method == "HEAD";
    if (method != "GET" && !head_only) {
      return Response("405 Method Not Allowed", "text/plain", "GET /metrics\n", false);
    }
    if (path == "/metrics") {
      return Response("200 OK", "text/plain; version=0.0.4; charset=utf-8", (*render_)(),
                      head_only);
    }
    if (path == "/") {
      return Response("200 OK", "text/plain", "memkv: metrics at /metrics\n", head_only);
    }
    return Response("404 Not Found", "text/plain", "not found: try /metrics\n", head_only);
  }

  void Answer(std::string response) {
    answered_ = true;
    response_ = std::move(response);
    loop_->Send(fd_, response_);
  }

  EventLoop* const loop_;
  const int fd_;
  const MetricsEndpoint::Render* const render_;
  std::string head_;
  std::string response_;
  bool answered_ = false;
};

}  // namespace

absl::StatusOr<std::unique_ptr<MetricsEndpoint>> MetricsEndpoint::Start(const std::string& address,
                                                                        int port, Render render) {
  absl::StatusOr<UniqueFd> listener = Listen(address, port);
  if (!listener.ok()) return listener.status();
  // epoll whatever --io says: a scrape a few times a minute gains nothing from io_uring.
  absl::StatusOr<std::unique_ptr<LoopThread>> thread =
      LoopThread::Create("metrics", IoEngine::kEpoll);
  if (!thread.ok()) return thread.status();
  std::unique_ptr<MetricsEndpoint> endpoint(
      new MetricsEndpoint(*std::move(listener), *std::move(thread), std::move(render)));
  EventLoop* loop = endpoint->thread_->loop();
  loop->SetIdleTimeout(kIdleTimeout);
  const Render* shared_render = &endpoint->render_;
  absl::Status accepting =
      loop->StartAcceptingUnshared(endpoint->listener_.get(), [loop, shared_render](int fd) {
        auto* connection = new MetricsConnection(loop, fd, shared_render);
        // On failure the loop has closed fd and never calls the handler: free it here.
        if (!loop->AddStream(fd, connection).ok()) delete connection;
      });
  if (!accepting.ok()) return accepting;
  endpoint->thread_->Start();
  return endpoint;
}

MetricsEndpoint::~MetricsEndpoint() {
  thread_->Stop();
  thread_->Join();  // open scrapes are closed (and delete themselves) before this returns
}

}  // namespace memkv::server
