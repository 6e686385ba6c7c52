#include "server/frontend/listening_ports.h"

#include <utility>

#include "server/loop/listener.h"

namespace memkv::server {

absl::StatusOr<std::vector<ListeningPort>> ListenOnPorts(const FrontendEnv& env, bool reuseport) {
  const FrontendConfig& config = *env.config;
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
  if (config.tls_port != 0 && env.tls != nullptr) {
    fd = Listen(config.listen_address, config.tls_port, listen_options);
    if (!fd.ok()) return fd.status();
    ports.push_back({*std::move(fd), PortDialect::kAuto, env.tls});
  }
  return ports;
}

}  // namespace memkv::server
