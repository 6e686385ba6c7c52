// The startup warning about protected mode (server/conn/protected_mode.h): a server that listens
// beyond loopback without --auth-file either refuses every non-local client (protected mode on:
// the operator should know why remote clients fail) or serves anyone who can reach it
// (--protected-mode no: the operator should know the cache is open to them). Main prints it on
// stderr at start; it is built here, apart from printing, so that a test can check it without
// any server listening beyond 127.0.0.1.
//
// Threads: pure functions; any thread.
#ifndef MEMKV_SERVER_PROTECTED_MODE_WARNING_H_
#define MEMKV_SERVER_PROTECTED_MODE_WARNING_H_

#include <string>
#include <string_view>

#include "server/options.h"

namespace memkv::server {

// Whether only this host can reach `address` (-l): an address of 127.0.0.0/8, ::1 (or an
// IPv4-mapped 127.x), or "localhost". Anything else, the wildcards 0.0.0.0 and :: and an empty
// address (all interfaces) included, reaches beyond loopback.
bool IsLoopbackListenAddress(std::string_view address);

// The warning for `options`, one or more lines each ending in '\n', or "" when none is due (a
// loopback -l, or an --auth-file).
std::string ProtectedModeWarning(const Options& options);

}  // namespace memkv::server

#endif  // MEMKV_SERVER_PROTECTED_MODE_WARNING_H_
