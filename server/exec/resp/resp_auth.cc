// RESP authentication: AUTH, and the check HELLO ... AUTH shares, worded as Redis 7.0 words
// them. Users and passwords come from --auth-file (AuthRegistry); a line `default:PASS` is what
// `AUTH PASS` checks. Without --auth-file memkv is Redis without a password: its `default` user
// accepts any password and there is no other user.
#include "protocol/resp/resp_reply_encoder.h"
#include "server/exec/auth_registry.h"
#include "server/exec/resp/resp_commands.h"

namespace memkv::server::resp {
namespace {

constexpr std::string_view kDefaultUser = "default";

}  // namespace

bool Authenticate(Call& call, std::string_view user, std::string_view password) {
  const AuthRegistry* users = call.context.auth;
  bool accepted;
  if (users == nullptr) {
    accepted = user == kDefaultUser;
  } else {
    accepted = users->Check(user, password);
    CountAuthAttempt(accepted, call.context.stats);
  }
  if (!accepted) {
    protocol::AppendError("WRONGPASS invalid username-password pair or user is disabled.",
                          call.out);
    return false;
  }
  // A failed attempt leaves an authenticated connection authenticated, as in Redis.
  call.session.authenticated = true;
  return true;
}

void AuthCommand(Call& call) {
  const auto& args = call.args;
  if (args.size() > 3) {
    protocol::AppendError(kSyntaxError, call.out);
    return;
  }
  std::string_view user = kDefaultUser;
  std::string_view password = args[1];
  if (args.size() == 3) {
    user = args[1];
    password = args[2];
  } else if (call.context.auth == nullptr) {
    protocol::AppendError(
        "ERR AUTH <password> called without any password configured for the default user. "
        "Are you sure your configuration is correct?",
        call.out);
    return;
  }
  if (Authenticate(call, user, password)) protocol::AppendSimpleString("OK", call.out);
}

}  // namespace memkv::server::resp
