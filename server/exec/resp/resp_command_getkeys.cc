// COMMAND GETKEYS command [arg ...]: the keys a command would touch, as Redis 7.0 finds them. Every
// command memkv has names its keys at fixed places (no numkeys argument, no keyword search), so the
// first key / last key / step of its COMMAND INFO entry (Redis's legacy key range, which says the
// same as its key specs for these commands) are where they are. The entries are redis-server's
// own (resp_command_docs.cc), read here with the RESP reply tokenizer.
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "absl/strings/ascii.h"
#include "protocol/resp/resp_reply_encoder.h"
#include "protocol/resp/resp_reply_parser.h"
#include "server/exec/resp/resp_commands.h"

namespace memkv::server::resp {
namespace {

using protocol::RespReplyToken;
using protocol::RespReplyTokenType;

// Reads RESP tokens from the front of COMMAND INFO bytes.
class InfoReader {
 public:
  explicit InfoReader(std::string_view bytes) : rest_(bytes) {}

  bool Next(RespReplyToken* token) {
    const protocol::ParseResult result = parser_.Parse(rest_, token);
    if (result.status != protocol::ParseStatus::kOk) return false;
    rest_.remove_prefix(result.consumed);
    return true;
  }
  // Skips one whole element, nested arrays included.
  bool Skip() {
    RespReplyToken token;
    if (!Next(&token)) return false;
    for (int64_t i = 0; token.type == RespReplyTokenType::kArray && i < token.integer; ++i) {
      if (!Skip()) return false;
    }
    return true;
  }

 private:
  protocol::RespReplyParser parser_;
  std::string_view rest_;
};

// What GETKEYS needs of one COMMAND INFO entry.
struct EntryKeys {
  std::string_view name;  // "get", "memory|usage"
  int64_t arity = 0;
  int64_t first = 0;  // 0: the command takes no key
  int64_t last = 0;   // negative: counted from the end
  int64_t step = 1;
};

// Reads one entry (an array: name, arity, flags, first key, last key, step, categories, tips, key
// specs, subcommands), and its subcommands' entries into `subcommands` when not null.
bool ReadEntry(InfoReader& reader, EntryKeys* entry, std::vector<EntryKeys>* subcommands) {
  RespReplyToken token;
  if (!reader.Next(&token) || token.type != RespReplyTokenType::kArray) return false;
  const int64_t fields = token.integer;
  for (int64_t field = 0; field < fields; ++field) {
    if (field == 9 && subcommands != nullptr) {
      if (!reader.Next(&token) || token.type != RespReplyTokenType::kArray) return false;
      for (int64_t i = 0; i < token.integer; ++i) {
        EntryKeys sub;
        if (!ReadEntry(reader, &sub, nullptr)) return false;
        subcommands->push_back(sub);
      }
      continue;
    }
    if (field != 0 && field != 1 && (field < 3 || field > 5)) {
      if (!reader.Skip()) return false;
      continue;
    }
    if (!reader.Next(&token)) return false;
    switch (field) {
      case 0:
        entry->name = token.text;
        break;
      case 1:
        entry->arity = token.integer;
        break;
      case 3:
        entry->first = token.integer;
        break;
      case 4:
        entry->last = token.integer;
        break;
      default:
        entry->step = token.integer;
        break;
    }
  }
  return true;
}

// The entry Redis's lookupCommand finds for `command` (a subcommand's for a container), or
// false.
bool FindEntry(absl::Span<const std::string_view> command, EntryKeys* entry) {
  const CommandSpec* spec = FindCommand(CommandTable(), command[0]);
  if (spec == nullptr) return false;
  for (const CommandDoc& doc : CommandDocs()) {
    if (doc.name != spec->name) continue;
    InfoReader reader(doc.info);
    std::vector<EntryKeys> subcommands;
    if (!ReadEntry(reader, entry, &subcommands)) return false;
    if (subcommands.empty()) return true;
    std::string wanted(spec->name);
    wanted.push_back('|');
    for (char c : command[1]) wanted.push_back(absl::ascii_tolower(static_cast<unsigned char>(c)));
    for (const EntryKeys& sub : subcommands) {
      if (sub.name == wanted) {
        *entry = sub;
        return true;
      }
    }
    return false;
  }
  return false;
}

}  // namespace

void CommandGetKeys(Call& call) {
  const absl::Span<const std::string_view> command = call.args.subspan(2);
  EntryKeys entry;
  if (!FindEntry(command, &entry)) {
    protocol::AppendError("ERR Invalid command specified", call.out);
    return;
  }
  const int64_t argc = static_cast<int64_t>(command.size());
  if ((entry.arity > 0 && entry.arity != argc) || argc < -entry.arity) {
    protocol::AppendError("ERR Invalid number of arguments specified for command", call.out);
    return;
  }
  if (entry.first == 0) {
    protocol::AppendError("ERR The command has no key arguments", call.out);
    return;
  }
  const int64_t last = entry.last < 0 ? argc + entry.last : entry.last;
  std::vector<std::string_view> keys;
  for (int64_t i = entry.first; i <= last && i < argc; i += entry.step) keys.push_back(command[i]);
  protocol::AppendArrayHeader(keys.size(), call.out);
  for (std::string_view key : keys) protocol::AppendBulk(key, call.out);
}

}  // namespace memkv::server::resp
