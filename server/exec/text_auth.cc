#include "server/exec/text_auth.h"

namespace memkv::server {

bool ExecuteTextAuth(const protocol::AuthRequest& request, const AuthRegistry& users,
                     std::string* out) {
  const bool accepted = users.Check(request.user, request.password);
  out->append(accepted ? "STORED\r\n" : "CLIENT_ERROR authentication failure\r\n");
  return accepted;
}

}  // namespace memkv::server
