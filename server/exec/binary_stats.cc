#include "server/exec/binary_stats.h"

#include "protocol/memcache/binary_reply_encoder.h"
#include "server/exec/text_stats.h"

namespace memkv::server {
namespace {

bool StartsWith(std::string_view text, std::string_view prefix) {
  return text.substr(0, prefix.size()) == prefix;
}

}  // namespace

void AppendBinaryStats(std::string_view argument, uint8_t opcode, uint32_t opaque,
                       ExecContext& context, std::string* out) {
  // The text answer is the one list of statistics; each "STAT name value" line becomes a packet.
  std::string text;
  AppendTextStats(argument, context, &text);
  // memcached answers a binary "reset" with the terminating packet alone.
  if (!StartsWith(text, "STAT ") && !StartsWith(text, "END") && text != "RESET\r\n") {
    protocol::AppendBinaryError(opcode, opaque, protocol::binary::kKeyNotFound, out);
    return;
  }
  protocol::BinaryReplyHeader header;
  header.opcode = opcode;
  header.opaque = opaque;
  std::string_view rest = text;
  constexpr std::string_view kPrefix = "STAT ";
  while (StartsWith(rest, kPrefix)) {  // none after RESET
    const size_t end = rest.find("\r\n");
    const std::string_view line = rest.substr(kPrefix.size(), end - kPrefix.size());
    rest.remove_prefix(end + 2);
    const size_t space = line.find(' ');
    const std::string_view name = line.substr(0, space);
    const std::string_view value =
        space == std::string_view::npos ? std::string_view() : line.substr(space + 1);
    protocol::AppendBinaryReply(header, {}, name, value, out);
  }
  protocol::AppendBinaryReply(header, {}, {}, {}, out);
}

}  // namespace memkv::server
