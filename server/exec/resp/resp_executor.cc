// ExecuteResp: command lookup, arity and unknown-command errors as Redis 7.0's processCommand
// words them, and the helpers the command families (resp_strings.cc, resp_keyspace.cc,
// resp_server.cc, resp_introspection.cc) share.
#include "server/exec/resp/resp_executor.h"

#include <array>
#include <chrono>

#include "protocol/resp/resp_reply_encoder.h"
#include "server/exec/resp/resp_commands.h"

namespace memkv::server {
namespace resp {
namespace {

// Arities are Redis 7.0's (COMMAND INFO), so arity errors come at the same argument counts.
constexpr std::array kCommands = {
    CommandSpec{"get", 2, GetCommand},
    CommandSpec{"set", -3, SetCommand},
    CommandSpec{"setnx", 3, SetNxCommand},
    CommandSpec{"setex", 4, SetExCommand},
    CommandSpec{"psetex", 4, PSetExCommand},
    CommandSpec{"getset", 3, GetSetCommand},
    CommandSpec{"getdel", 2, GetDelCommand},
    CommandSpec{"getex", -2, GetExCommand},
    CommandSpec{"mget", -2, MGetCommand},
    CommandSpec{"mset", -3, MSetCommand},
    CommandSpec{"msetnx", -3, MSetNxCommand},
    CommandSpec{"incr", 2, IncrCommand},
    CommandSpec{"decr", 2, DecrCommand},
    CommandSpec{"incrby", 3, IncrByCommand},
    CommandSpec{"decrby", 3, DecrByCommand},
    CommandSpec{"append", 3, AppendCommand},
    CommandSpec{"strlen", 2, StrLenCommand},
    CommandSpec{"getrange", 4, GetRangeCommand},
    CommandSpec{"substr", 4, SubstrCommand},
    CommandSpec{"setrange", 4, SetRangeCommand},
    CommandSpec{"incrbyfloat", 3, IncrByFloatCommand},
    CommandSpec{"setbit", 4, SetBitCommand},
    CommandSpec{"getbit", 3, GetBitCommand},
    CommandSpec{"bitcount", -2, BitCountCommand},
    CommandSpec{"bitpos", -3, BitPosCommand},
    CommandSpec{"bitop", -4, BitOpCommand},
    CommandSpec{"bitfield", -2, BitFieldCommand},
    CommandSpec{"bitfield_ro", -2, BitFieldRoCommand},
    CommandSpec{"lcs", -3, LcsCommand},
    CommandSpec{"del", -2, DelCommand},
    CommandSpec{"unlink", -2, DelCommand},
    CommandSpec{"exists", -2, ExistsCommand},
    CommandSpec{"expire", -3, ExpireCommand},
    CommandSpec{"pexpire", -3, PExpireCommand},
    CommandSpec{"expireat", -3, ExpireAtCommand},
    CommandSpec{"pexpireat", -3, PExpireAtCommand},
    CommandSpec{"ttl", 2, TtlCommand},
    CommandSpec{"pttl", 2, PTtlCommand},
    CommandSpec{"expiretime", 2, ExpireTimeCommand},
    CommandSpec{"pexpiretime", 2, PExpireTimeCommand},
    CommandSpec{"persist", 2, PersistCommand},
    CommandSpec{"type", 2, TypeCommand},
    CommandSpec{"touch", -2, TouchCommand},
    CommandSpec{"dbsize", 1, DbSizeCommand},
    CommandSpec{"flushall", -1, FlushAllCommand},
    CommandSpec{"flushdb", -1, FlushDbCommand},
    CommandSpec{"rename", 3, RenameCommand},
    CommandSpec{"renamenx", 3, RenameNxCommand},
    CommandSpec{"copy", -3, CopyCommand},
    CommandSpec{"keys", 2, KeysCommand},
    CommandSpec{"scan", -2, ScanCommand},
    CommandSpec{"randomkey", 1, RandomKeyCommand},
    CommandSpec{"select", 2, SelectCommand},
    CommandSpec{"move", 3, MoveCommand},
    CommandSpec{"swapdb", 3, SwapDbCommand},
    CommandSpec{"ping", -1, PingCommand},
    CommandSpec{"echo", 2, EchoCommand},
    CommandSpec{"quit", -1, QuitCommand, /*no_auth=*/true},
    CommandSpec{"hello", -1, HelloCommand, /*no_auth=*/true},
    CommandSpec{"auth", -2, AuthCommand, /*no_auth=*/true},
    // Containers pass the gate in ExecuteResp: Redis finds their subcommand and checks its
    // arity before it asks for authentication, so DispatchSubcommand asks.
    CommandSpec{"client", -2, ClientCommand, /*no_auth=*/true},
    CommandSpec{"config", -2, ConfigCommand, /*no_auth=*/true},
    CommandSpec{"info", -1, InfoCommand},
    CommandSpec{"object", -2, ObjectCommand},
    CommandSpec{"memory", -2, MemoryCommand},
    CommandSpec{"time", 1, TimeCommand},
    CommandSpec{"wait", 3, WaitCommand},
    CommandSpec{"command", -1, CommandCommand, /*no_auth=*/true},
};

// Longest command or subcommand name memkv knows; longer names are unknown without a lookup.
constexpr size_t kMaxNameLength = 16;

char ToLowerAscii(char c) { return (c >= 'A' && c <= 'Z') ? static_cast<char>(c + 32) : c; }

// Redis's %.Ns of a C string: at most `limit` bytes, up to the first NUL.
std::string_view Truncated(std::string_view arg, size_t limit) {
  arg = CString(arg);
  return arg.substr(0, std::min(arg.size(), limit));
}

// "ERR unknown command 'FOO', with args beginning with: 'a' 'b' " as processCommand builds it:
// arguments are quoted one by one while the list is shorter than 128 bytes, each cut to what is
// left of the 128.
void AppendUnknownCommand(absl::Span<const std::string_view> args, std::string* out) {
  std::string message = "ERR unknown command '";
  message.append(Truncated(args[0], 128));
  message.append("', with args beginning with: ");
  std::string listed;
  for (size_t i = 1; i < args.size() && listed.size() < 128; ++i) {
    listed.push_back('\'');
    listed.append(Truncated(args[i], 128 - listed.size() + 1));
    listed.append("' ");
  }
  message.append(listed);
  protocol::AppendError(message, out);
}

}  // namespace

absl::Span<const CommandSpec> CommandTable() { return kCommands; }

const CommandSpec* FindCommand(absl::Span<const CommandSpec> table, std::string_view name) {
  if (name.size() > kMaxNameLength) return nullptr;
  char lower[kMaxNameLength];
  for (size_t i = 0; i < name.size(); ++i) lower[i] = ToLowerAscii(name[i]);
  std::string_view key(lower, name.size());
  // A linear scan: about 60 entries with the hot ones (GET, SET) first, compared by length
  // before bytes; this costs less than hashing the name.
  for (const CommandSpec& spec : table) {
    std::string_view spec_name = spec.name;
    size_t bar = spec_name.find('|');
    if (bar != std::string_view::npos) spec_name.remove_prefix(bar + 1);
    if (spec_name == key) return &spec;
  }
  return nullptr;
}

void AppendArityError(std::string_view fullname, std::string* out) {
  std::string message = "ERR wrong number of arguments for '";
  message.append(fullname);
  message.append("' command");
  protocol::AppendError(message, out);
}

void DispatchSubcommand(Call& call, absl::Span<const CommandSpec> table) {
  const CommandSpec* spec = FindCommand(table, call.args[1]);
  call.spec = spec;  // null: Redis counts an unknown subcommand under no command
  if (spec == nullptr) {
    std::string message = "ERR unknown subcommand '";
    message.append(Truncated(call.args[1], 128));
    message.append("'. Try ");
    for (char c : CString(call.args[0])) message.push_back(c >= 'a' && c <= 'z' ? c - 32 : c);
    message.append(" HELP.");
    protocol::AppendError(message, call.out);
    return;
  }
  if (!ArityAllows(spec->arity, call.args.size())) {
    AppendArityError(spec->name, call.out);
    call.rejected = true;
    return;
  }
  if (!AuthenticatedOrReply(call.session, call.out)) {
    call.rejected = true;
    return;
  }
  spec->handler(call);
}

bool AuthenticatedOrReply(const RespSession& session, std::string* out) {
  if (session.authenticated) return true;
  protocol::AppendError("NOAUTH Authentication required.", out);
  return false;
}

std::string_view CString(std::string_view arg) { return arg.substr(0, arg.find('\0')); }

bool IsKeyword(std::string_view arg, std::string_view lower_keyword) {
  arg = CString(arg);
  if (arg.size() != lower_keyword.size()) return false;
  for (size_t i = 0; i < arg.size(); ++i) {
    if (ToLowerAscii(arg[i]) != lower_keyword[i]) return false;
  }
  return true;
}

storage::Mutation StoreKeepingFlagsAndExpiry(std::string_view value,
                                             const storage::ItemView* item) {
  storage::Mutation mutation;
  mutation.kind = storage::Mutation::Kind::kStore;
  mutation.parts[0] = value;
  if (item != nullptr) {
    mutation.client_flags = item->client_flags;
    mutation.expiry_millis = item->expiry_millis;
  }
  return mutation;
}

void AppendStoreError(const absl::Status& status, std::string* out) {
  // The engine's two failures (storage/engine.h). Redis has no per-item limit; its nearest words
  // are proto-max-bulk-len's for a too-large value and maxmemory's OOM for a full cache.
  if (absl::IsResourceExhausted(status) &&
      std::string_view(status.message().data(), status.message().size()).find("too large") !=
          std::string_view::npos) {
    protocol::AppendError("ERR string exceeds maximum allowed size (item size limit)", out);
  } else if (absl::IsResourceExhausted(status)) {
    protocol::AppendError("OOM command not allowed when used memory > 'maxmemory'.", out);
  } else {
    std::string message = "ERR ";
    message.append(status.message().data(), status.message().size());
    protocol::AppendError(message, out);
  }
}

KeyPeek PeekKey(storage::Keyspace& engine, std::string_view key) {
  KeyPeek peek;
  // Update with a no-op decision reads the item without marking it fetched or accessed, as
  // Redis's LOOKUP_NOTOUCH does for TTL, EXISTS and TYPE.
  (void)engine.Update(key, [&peek](const storage::ItemView* current) {
    if (current != nullptr) {
      peek.found = true;
      peek.expiry_millis = current->expiry_millis;
      peek.value_size = current->value.size();
    }
    return storage::Mutation{};
  });
  return peek;
}

}  // namespace resp

ExecOutcome ExecuteResp(const protocol::RespRequest& request, ExecContext& context,
                        RespSession& session, std::string* out) {
  if (request.args.empty()) return ExecOutcome::kContinue;  // `*0`, blank line: Redis ignores
  // A paused MGET runs again from its cursor: one command, counted once.
  const bool resumed = context.cursor != nullptr && context.cursor->next_key != 0;
  if (!resumed) context.stats->cmd_resp.Add();
  const size_t reply_start = out->size();
  absl::Span<const std::string_view> args(request.args.data(), request.args.size());
  // Cross-protocol scripting: a web page can make a browser send an HTTP request to this port,
  // and a server that answers each bad line and reads on would run the commands in its body.
  // Like Redis (securityWarningCommand), a request named POST or Host: closes the connection at
  // once, without a reply, and nothing after it runs.
  if (resp::IsKeyword(args[0], "post") || resp::IsKeyword(args[0], "host:")) {
    return ExecOutcome::kClose;
  }
  const resp::CommandSpec* spec = resp::FindCommand(resp::CommandTable(), args[0]);
  if (spec == nullptr) {
    resp::AppendUnknownCommand(args, out);
    resp::CountErrorReply(*context.stats, *out, reply_start);
    return ExecOutcome::kContinue;
  }
  resp::Call call{args, context, session, out};
  call.spec = spec;
  uint64_t nanos = 0;
  if (!resp::ArityAllows(spec->arity, args.size())) {
    resp::AppendArityError(spec->name, out);
    call.rejected = true;
  } else if (!spec->no_auth && !resp::AuthenticatedOrReply(session, out)) {
    // As Redis's processCommand: an unknown command or a wrong arity is answered first.
    call.rejected = true;
  } else {
    const auto start = std::chrono::steady_clock::now();
    spec->handler(call);
    nanos = static_cast<uint64_t>(std::chrono::duration_cast<std::chrono::nanoseconds>(
                                      std::chrono::steady_clock::now() - start)
                                      .count());
  }
  resp::CountCommand(call, reply_start, nanos, resumed);
  return call.outcome;
}

}  // namespace memkv::server
