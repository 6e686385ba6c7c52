// Protected mode, as Redis 7 has it (its protected-mode setting): when no authentication is
// configured (no --auth-file) and --protected-mode is yes (the default), only clients whose
// address is exactly 127.0.0.1 or ::1 are served; any other client gets one line saying why and
// is closed, without anything it sent being executed.
//
// Like Redis 7.0 (connIsLocal), the decision compares the peer's address with those two, so
// 127.0.0.2 is "not local" although it is on the loopback interface, and it does not depend on
// the address the server listens on (-l). An IPv4-mapped ::ffff:127.0.0.1 counts as 127.0.0.1:
// it is the same client seen through an IPv6 socket.
//
// The lines: RESP clients get Redis 7's -DENIED line, byte for byte (its typo "Setup a an"
// included); memcached clients, for whom memcached has no such answer, a SERVER_ERROR line in
// memkv's words.
//
// Threads: pure functions and constants; any thread.
#ifndef MEMKV_SERVER_CONN_PROTECTED_MODE_H_
#define MEMKV_SERVER_CONN_PROTECTED_MODE_H_

#include <sys/socket.h>

#include <string_view>

namespace memkv::server {

// Redis 7.0.15's answer to a non-local client in protected mode (networking.c,
// clientAcceptHandler), sent at accept.
inline constexpr std::string_view kRespProtectedModeDenied =
    "-DENIED Redis is running in protected mode because protected mode is enabled and no "
    "password is set for the default user. In this mode connections are only accepted from the "
    "loopback interface. If you want to connect from external computers to Redis you may adopt "
    "one of the following solutions: 1) Just disable protected mode sending the command 'CONFIG "
    "SET protected-mode no' from the loopback interface by connecting to Redis from the same "
    "host the server is running, however MAKE SURE Redis is not publicly accessible from "
    "internet if you do so. Use CONFIG REWRITE to make this change permanent. 2) Alternatively "
    "you can just disable the protected mode by editing the Redis configuration file, and "
    "setting the protected mode option to 'no', and then restarting the server. 3) If you "
    "started the server manually just for testing, restart it with the '--protected-mode no' "
    "option. 4) Setup a an authentication password for the default user. NOTE: You only need "
    "to do one of the above things in order for the server to start accepting connections from "
    "the outside.\r\n";

// The memcached-dialect answer: memcached has no protected mode, so the words are memkv's.
inline constexpr std::string_view kMemcacheProtectedModeDenied =
    "SERVER_ERROR memkv is running in protected mode because no --auth-file is set: only "
    "clients connecting from 127.0.0.1 or ::1 are served. To serve other clients, restart memkv "
    "with --auth-file (and authenticate) or with --protected-mode no\r\n";

// Whether protected mode lets `peer` in: its address is exactly 127.0.0.1 or ::1 (or
// ::ffff:127.0.0.1). `length` is the size getpeername reported; a truncated or non-IP address
// is not local.
bool IsProtectedModeLocal(const sockaddr* peer, socklen_t length);

// The decision for one accepted connection: `active` is protected mode in force (--protected-mode
// yes and no --auth-file). Denies every peer that is not local while active, none otherwise.
bool ProtectedModeDenies(bool active, const sockaddr* peer, socklen_t length);

// ProtectedModeDenies for the peer of the connected socket `fd`. A socket whose peer cannot be
// read is denied, as Redis denies it (connIsLocal fails, so it is not local).
bool ProtectedModeDeniesSocket(bool active, int fd);

}  // namespace memkv::server

#endif  // MEMKV_SERVER_CONN_PROTECTED_MODE_H_
