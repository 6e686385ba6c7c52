// ExecuteTextAuth: answers one memcached text-protocol authentication attempt (a `set` whose
// data is "<user> <password>", read by protocol/memcache/auth_request_parser.h) as memcached
// 1.6.18 does with -Y: "STORED" when the pair is in the user list (nothing is stored, noreply
// or not), "CLIENT_ERROR authentication failure" otherwise. The caller counts the attempt
// (CountAuthAttempt, auth_registry.h).
//
// Threads: any thread; the registry is shared and thread-safe, `stats` is the caller's.
#ifndef MEMKV_SERVER_EXEC_TEXT_AUTH_H_
#define MEMKV_SERVER_EXEC_TEXT_AUTH_H_

#include <string>

#include "protocol/memcache/auth_request_parser.h"
#include "server/exec/auth_registry.h"

namespace memkv::server {

// Appends the reply to `*out`; returns whether the connection is now authenticated.
bool ExecuteTextAuth(const protocol::AuthRequest& request, const AuthRegistry& users,
                     std::string* out);

}  // namespace memkv::server

#endif  // MEMKV_SERVER_EXEC_TEXT_AUTH_H_
