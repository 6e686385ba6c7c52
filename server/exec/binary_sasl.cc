#include "server/exec/binary_sasl.h"

#include "protocol/memcache/binary_reply_encoder.h"

namespace memkv::server {
namespace {

namespace bin = protocol::binary;

void AppendSuccess(const protocol::BinaryRequest& request, std::string_view body,
                   std::string* out) {
  protocol::BinaryReplyHeader header;
  header.opcode = request.opcode;
  header.opaque = request.opaque;
  protocol::AppendBinaryReply(header, {}, {}, body, out);
}

}  // namespace

bool IsSaslCommand(uint8_t opcode) {
  return opcode == bin::kSaslListMechs || opcode == bin::kSaslAuth || opcode == bin::kSaslStep;
}

bool CheckSaslPlain(std::string_view message, const AuthRegistry& users) {
  const size_t first = message.find('\0');
  if (first == std::string_view::npos) return false;
  const size_t second = message.find('\0', first + 1);
  if (second == std::string_view::npos) return false;
  const std::string_view authzid = message.substr(0, first);
  const std::string_view user = message.substr(first + 1, second - first - 1);
  const std::string_view password = message.substr(second + 1);
  if (!authzid.empty() && authzid != user) return false;
  return users.Check(user, password);
}

SaslResult ExecuteBinarySasl(const protocol::BinaryRequest& request, const AuthRegistry& users,
                             std::string* out) {
  switch (request.problem) {
    case protocol::BinaryProblem::kMechanismTooLong:
      protocol::AppendBinaryError(request.opcode, request.opaque, bin::kInvalidArguments, out);
      return SaslResult::kNoCheck;
    case protocol::BinaryProblem::kTooLarge:
      // memcached cannot allocate the item it reads the SASL data into.
      protocol::AppendBinaryError(request.opcode, request.opaque, bin::kOutOfMemory, out);
      return SaslResult::kNoCheck;
    default:
      break;
  }
  if (request.command == bin::kSaslListMechs) {
    AppendSuccess(request, "PLAIN", out);
    return SaslResult::kNoCheck;
  }
  const bool accepted = request.command == bin::kSaslAuth && request.key == "PLAIN" &&
                        CheckSaslPlain(request.value, users);
  if (!accepted) {
    protocol::AppendBinaryError(request.opcode, request.opaque, bin::kAuthError, out);
    return SaslResult::kRejected;
  }
  AppendSuccess(request, "Authenticated", out);
  return SaslResult::kAccepted;
}

}  // namespace memkv::server
