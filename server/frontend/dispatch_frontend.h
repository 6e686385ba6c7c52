// DispatchFrontend: the front end shared by the dispatch and hybrid modes: K dispatcher threads
// (each a Dispatcher with its own EventLoop) that own the connections, and one DispatchPool of
// -t worker threads that executes the requests they frame.
//
//   dispatch (K = 1, one listening socket):
//     clients ──> [ dispatcher0: accept, read, frame, write ] ──batches──┬─> [ worker0 ]
//                              ^                                         ├─> [ worker1 ]
//                              └──────────── answered batches ───────────┴─> [ workerN-1 ]
//   hybrid (K dispatchers, each with its own SO_REUSEPORT socket on the same port):
//     clients ──> kernel hash ─┬─> [ dispatcher0 ] ──┐            ┌─> [ worker0 ]
//                              └─> [ dispatcherK-1 ] ┴─ batches ──┴─> [ workerN-1 ]
//
// Thread counters are registered as "dispatcher<k>" (connections, bytes, protocol errors) and
// "worker<i>" (requests and commands executed), so `stats` shows how the load spread.
//
// Threads: as every Frontend (frontend.h).
#ifndef MEMKV_SERVER_FRONTEND_DISPATCH_FRONTEND_H_
#define MEMKV_SERVER_FRONTEND_DISPATCH_FRONTEND_H_

#include <memory>

#include "absl/status/statusor.h"
#include "server/frontend/frontend.h"

namespace memkv::server {

struct DispatchLayout {
  int dispatchers = 1;     // K
  bool reuseport = false;  // one SO_REUSEPORT socket per dispatcher, else one shared socket
};

// REQUIRES: layout.reuseport, or layout.dispatchers == 1 (dispatchers do not share a socket).
absl::StatusOr<std::unique_ptr<Frontend>> MakeDispatchingFrontend(const FrontendEnv& env,
                                                                  DispatchLayout layout);

}  // namespace memkv::server

#endif  // MEMKV_SERVER_FRONTEND_DISPATCH_FRONTEND_H_
