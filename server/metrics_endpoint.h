// MetricsEndpoint: --metrics-port, an HTTP endpoint that answers GET /metrics with the
// Prometheus exposition (server/exec/prometheus_exposition.h) for a scraper such as Prometheus.
//
// It runs on a loop thread of its own, apart from the threads that serve clients, so a scrape
// never waits behind client traffic and client traffic never waits behind a scrape. HTTP is
// served by the event loop itself rather than an HTTP library (cpp-httplib is in Debian): a
// scraper sends one GET and reads one answer, and what that needs (read a request head, write
// one response with Connection: close, bound the head's size and the connection's idle time) is
// a page of code over the loop the server already has, with no second I/O model (httplib runs
// a thread per connection) next to it.
//
// Threads: Start and the destructor on the main thread; the rendering callback runs on the
// endpoint's thread, once per scrape.
#ifndef MEMKV_SERVER_METRICS_ENDPOINT_H_
#define MEMKV_SERVER_METRICS_ENDPOINT_H_

#include <functional>
#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "server/loop/loop_thread.h"
#include "server/loop/socket_util.h"

namespace memkv::server {

class MetricsEndpoint {
 public:
  using Render = std::function<std::string()>;

  // Listens on address:port and serves until destroyed.
  static absl::StatusOr<std::unique_ptr<MetricsEndpoint>> Start(const std::string& address,
                                                                int port, Render render);
  // Stops the thread; open scrapes are closed.
  ~MetricsEndpoint();

 private:
  MetricsEndpoint(UniqueFd listener, std::unique_ptr<LoopThread> thread, Render render)
      : listener_(std::move(listener)), thread_(std::move(thread)), render_(std::move(render)) {}

  UniqueFd listener_;
  std::unique_ptr<LoopThread> thread_;
  const Render render_;
};

}  // namespace memkv::server

#endif  // MEMKV_SERVER_METRICS_ENDPOINT_H_
