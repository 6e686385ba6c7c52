// The front-end modes by name: the table --mode, --help and `stats` read, and MakeFrontend, which
// builds the mode a FrontendConfig names.
//
// A table rather than self-registering static objects, which a static library silently drops
// when nothing references them. Adding a mode: its frontend_<mode>.cc and one line in modes.cc.
//
// Threads: any thread (the table is constant).
#ifndef MEMKV_SERVER_FRONTEND_MODES_H_
#define MEMKV_SERVER_FRONTEND_MODES_H_

#include <memory>
#include <string_view>

#include "absl/status/statusor.h"
#include "absl/types/span.h"
#include "server/frontend/frontend.h"

namespace memkv::server {

struct ModeSpec {
  std::string_view name;
  std::string_view summary;  // two or three lines for --help, separated by '\n'
  FrontendFactory make;      // null: listed but not implemented yet
};

// Every mode, in --help order.
absl::Span<const ModeSpec> Modes();
const ModeSpec* FindMode(std::string_view name);

// Builds the front end env.config->mode names. Unimplemented for a mode listed without a
// factory yet, InvalidArgument for an unknown name.
absl::StatusOr<std::unique_ptr<Frontend>> MakeFrontend(const FrontendEnv& env);

}  // namespace memkv::server

#endif  // MEMKV_SERVER_FRONTEND_MODES_H_
