// ExecuteBinarySasl: answers the binary protocol's SASL commands (LIST_MECHS, AUTH, STEP) when
// authentication is on (--auth-file), checking SASL PLAIN credentials against the same user list
// as the text protocol's `set` authentication (auth_registry.h). The bytes are memcached 1.6.18's
// with -S (proto_bin.c: bin_list_sasl_mechs, process_bin_complete_sasl_auth): "PLAIN" as the
// mechanism list; "Authenticated" on success; AUTH_ERROR "Auth failure." for a wrong password, an
// unknown mechanism, or a STEP (PLAIN completes in one AUTH).
//
// Threads: any thread; the registry is shared and thread-safe.
#ifndef MEMKV_SERVER_EXEC_BINARY_SASL_H_
#define MEMKV_SERVER_EXEC_BINARY_SASL_H_

#include <string>
#include <string_view>

#include "protocol/memcache/binary_request.h"
#include "server/exec/auth_registry.h"

namespace memkv::server {

enum class SaslResult {
  kNoCheck,   // LIST_MECHS, or a request refused before any check (mechanism name too long)
  kAccepted,  // the credentials were checked and accepted: the connection is authenticated
  kRejected,  // checked (or attempted) and refused: AUTH_ERROR
};

// Whether `opcode` is one of the SASL commands.
bool IsSaslCommand(uint8_t opcode);

// Appends the answer to `*out`. REQUIRES: IsSaslCommand(request.command), and request.problem is
// not kBadLengths or kInvalid (the executor answers those).
SaslResult ExecuteBinarySasl(const protocol::BinaryRequest& request, const AuthRegistry& users,
                             std::string* out);

// SASL PLAIN's message, "[authzid] NUL authcid NUL password" (RFC 4616): whether it names a user
// and password of the list. An authorization identity other than empty or the user is refused.
bool CheckSaslPlain(std::string_view message, const AuthRegistry& users);

}  // namespace memkv::server

#endif  // MEMKV_SERVER_EXEC_BINARY_SASL_H_
