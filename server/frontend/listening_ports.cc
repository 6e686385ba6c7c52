#include "server/frontend/listening_ports.h"

#include <utility>

#include "server/loop/listener.h"

namespace memkv::server {

absl::StatusOr<std::vector<ListeningPort>> ListenOnPorts(const FrontendConfig& config,
                                                         bool reuseport) {
  std::vector<ListeningPort> ports;
  ListenOptions listen_options;
  listen_options.reuseport = reuseport;
  absl::StatusOr<UniqueFd> fd = Listen(config.listen_address, config.port, listen_options);
  if (!fd.ok()) return fd.status();
  ports.push_back({*std::move(fd), PortDialect::kAuto});
  if (config.resp_port != 0) {
    fd = Listen(config.listen_address, config.resp_port, listen_options);
    if (!fd.ok()) return fd.status();
    ports.push_back({*std::move(fd), PortDialect::kRespOnly});
  }
  return ports;
}

}  // namespace memkv::server
