// Internal to the RESP executor (server/resp_*.cc): the command table, the call passed to every
// command handler, and helpers the command families share. Not for use outside server/resp_*.cc.
//
// Threads: as ExecuteResp (server/resp_executor.h): any thread, each call with its own Call.
#ifndef MEMKV_SERVER_EXEC_RESP_RESP_COMMANDS_H_
#define MEMKV_SERVER_EXEC_RESP_RESP_COMMANDS_H_

#include <cstdint>
#include <string>
#include <string_view>

#include "absl/status/status.h"
#include "absl/types/span.h"
#include "server/exec/exec_context.h"
#include "server/exec/resp/resp_session.h"

namespace memkv::server::resp {

// The Redis version memkv's RESP dialect follows, byte for byte (INFO redis_version, HELLO).
inline constexpr std::string_view kRedisCompatVersion = "7.0.15";

// Redis's shared error replies (without the leading '-'), spelled once.
inline constexpr std::string_view kSyntaxError = "ERR syntax error";
inline constexpr std::string_view kNotInteger = "ERR value is not an integer or out of range";
inline constexpr std::string_view kOverflow = "ERR increment or decrement would overflow";

struct CommandSpec;

// One command being executed.
struct Call {
  absl::Span<const std::string_view> args;  // args[0] is the command name as sent
  ExecContext& context;
  RespSession& session;
  std::string* out;
  ExecOutcome outcome = ExecOutcome::kContinue;
  // For INFO commandstats: the command or subcommand run (DispatchSubcommand moves it to the
  // subcommand; null for an unknown subcommand, which Redis counts nowhere), and whether it was
  // refused before running (arity, authentication) rather than run.
  const CommandSpec* spec = nullptr;
  bool rejected = false;

  // The keyspace of the database the connection has SELECTed (key commands act there); the
  // whole engine (statistics, FLUSHALL, other databases) is *context.engine.
  storage::Keyspace& engine() const { return context.engine->Database(session.db); }
  CommandStats& stats() const { return *context.stats; }
  int64_t NowMillis() const { return context.engine->clock().NowMillis(); }
  // The connection's protocol, for the replies RESP3 spells differently (null, map, set, ...).
  protocol::RespVersion resp() const { return session.protocol_version; }
};

using Handler = void (*)(Call& call);

struct CommandSpec {
  std::string_view name;  // lower case, as Redis's "fullname" ("config|get" for subcommands)
  int arity;              // Redis arity: N = exactly N arguments, -N = at least N
  Handler handler;
  bool no_auth = false;  // runs before the connection authenticates (Redis's CMD_NO_AUTH)
};

// Every top-level command memkv answers on RESP, in COMMAND's order.
absl::Span<const CommandSpec> CommandTable();

// The table entry for `name` (any case), or null.
const CommandSpec* FindCommand(absl::Span<const CommandSpec> table, std::string_view name);

// Whether `argc` arguments (command name included) satisfy `arity`.
inline bool ArityAllows(int arity, size_t argc) {
  return arity >= 0 ? argc == static_cast<size_t>(arity) : argc >= static_cast<size_t>(-arity);
}

// "ERR wrong number of arguments for 'get' command".
void AppendArityError(std::string_view fullname, std::string* out);

// Runs the subcommand args[1] of a container command (CONFIG, CLIENT, COMMAND) from `table`, or
// answers Redis's "unknown subcommand" / arity error, or -NOAUTH before authentication.
void DispatchSubcommand(Call& call, absl::Span<const CommandSpec> table);

// True when the connection may run commands; otherwise appends -NOAUTH and returns false.
bool AuthenticatedOrReply(const RespSession& session, std::string* out);

// The bytes a C function of Redis sees of an argument: up to its first NUL. Option keywords are
// compared this way in Redis (strcasecmp), so "nx\0junk" is NX there and here.
std::string_view CString(std::string_view arg);

// ASCII case-insensitive equality of CString(arg) and a lower-case keyword.
bool IsKeyword(std::string_view arg, std::string_view lower_keyword);

// Replies an engine failure (too large, out of memory) as a Redis error.
void AppendStoreError(const absl::Status& status, std::string* out);

// An Update callback's decision to store `value` in place of `item` (null: a new key), keeping
// the item's memcached flags and expiry, as Redis keeps a key's TTL across SETRANGE, SETBIT and
// INCRBYFLOAT.
storage::Mutation StoreKeepingFlagsAndExpiry(std::string_view value, const storage::ItemView* item);

// Counts a read as memcached's `get` does (cmd_get, get_hits, ...), so that `stats` and INFO
// add up across dialects. Defined in resp_strings.cc.
void CountRead(Call& call, storage::LookupResult result);

// The key's state without counting as an access: what TTL, EXISTS, TYPE and STRLEN need.
struct KeyPeek {
  bool found = false;
  int64_t expiry_millis = 0;  // 0 = no TTL
  size_t value_size = 0;
};
KeyPeek PeekKey(storage::Keyspace& engine, std::string_view key);

// What COMMAND INFO and COMMAND DOCS answer for one command, as the exact RESP bytes
// redis-server 7.0.15 answers (generated into resp_command_docs.cc; container commands keep only
// the subcommands memkv has).
struct CommandDoc {
  std::string_view name;
  std::string_view info;  // the COMMAND INFO array of this command
  std::string_view docs;  // the COMMAND DOCS map of this command (the value after its name)
};
absl::Span<const CommandDoc> CommandDocs();
// The same entries as redis-server 7.0.15 answers them after HELLO 3 (sets, maps, nulls), in
// the same order (generated into resp_command_docs_resp3.cc).
absl::Span<const CommandDoc> CommandDocsResp3();

// The subcommand tables of the container commands (CLIENT, CONFIG, COMMAND, OBJECT, MEMORY).
absl::Span<const CommandSpec> ClientSubcommands();   // resp_server.cc
absl::Span<const CommandSpec> ConfigSubcommands();   // resp_server.cc
absl::Span<const CommandSpec> CommandSubcommands();  // resp_introspection.cc
absl::Span<const CommandSpec> ObjectSubcommands();   // resp_object.cc
absl::Span<const CommandSpec> MemorySubcommands();   // resp_object.cc

// resp_command_stats.cc: INFO commandstats and errorstats.
// Counts the command `call` ran or refused (RespCommandCounters), and its reply, which starts
// at out[reply_start], as an error reply by code if it is one. `nanos`: how long the handler
// ran; `resumed`: a paused command running on from its cursor (one call, counted once).
void CountCommand(const Call& call, size_t reply_start, uint64_t nanos, bool resumed);
// Counts an error reply that no command owns (an unknown command) by its code.
void CountErrorReply(CommandStats& stats, const std::string& out, size_t reply_start);
// The "# Commandstats" and "# Errorstats" sections' lines, every thread's counters since the
// last reset added up; and total_error_replies for "# Stats".
struct RespCounterLines {
  std::string commandstats;
  std::string errorstats;
  uint64_t total_error_replies = 0;
};
RespCounterLines RespCounterSections(const Call& call, const StatsBaseline& baseline);

// Command handlers, by family.
// resp_strings.cc
void GetCommand(Call& call);
void SetCommand(Call& call);
void SetNxCommand(Call& call);
void SetExCommand(Call& call);
void PSetExCommand(Call& call);
void GetSetCommand(Call& call);
void GetDelCommand(Call& call);
void GetExCommand(Call& call);
void MGetCommand(Call& call);
void MSetCommand(Call& call);
void MSetNxCommand(Call& call);
void IncrCommand(Call& call);
void DecrCommand(Call& call);
void IncrByCommand(Call& call);
void DecrByCommand(Call& call);
void AppendCommand(Call& call);
void StrLenCommand(Call& call);
// resp_string_ranges.cc
void GetRangeCommand(Call& call);
void SubstrCommand(Call& call);
void SetRangeCommand(Call& call);
void IncrByFloatCommand(Call& call);
// resp_bits.cc
void SetBitCommand(Call& call);
void GetBitCommand(Call& call);
void BitCountCommand(Call& call);
void BitPosCommand(Call& call);
// resp_bitop.cc, resp_bitfield.cc
void BitOpCommand(Call& call);
void BitFieldCommand(Call& call);
void BitFieldRoCommand(Call& call);
// resp_lcs.cc
void LcsCommand(Call& call);
// resp_keyspace.cc
void DelCommand(Call& call);
void ExistsCommand(Call& call);
void ExpireCommand(Call& call);
void PExpireCommand(Call& call);
void ExpireAtCommand(Call& call);
void PExpireAtCommand(Call& call);
void TtlCommand(Call& call);
void PTtlCommand(Call& call);
void ExpireTimeCommand(Call& call);
void PExpireTimeCommand(Call& call);
void PersistCommand(Call& call);
void TypeCommand(Call& call);
void DbSizeCommand(Call& call);
void FlushAllCommand(Call& call);
// resp_touch.cc
void TouchCommand(Call& call);
// resp_databases.cc
void SelectCommand(Call& call);
void MoveCommand(Call& call);
void SwapDbCommand(Call& call);
void FlushDbCommand(Call& call);
// A database index argument (SELECT, MOVE, COPY ... DB): true with *db set, or Redis's error
// appended and false.
bool ParseDbIndexOrReply(Call& call, std::string_view arg, uint32_t* db);
// INFO's keyspace section: "db<n>:keys=..,expires=..,avg_ttl=.." for each database with keys.
void AppendKeyspaceLines(storage::Engine& engine, std::string* text);
// resp_keyspace_copy.cc
void RenameCommand(Call& call);
void RenameNxCommand(Call& call);
void CopyCommand(Call& call);
// resp_keyspace_walk.cc
void KeysCommand(Call& call);
void ScanCommand(Call& call);
void RandomKeyCommand(Call& call);
// resp_server.cc, resp_info.cc (INFO)
void PingCommand(Call& call);
void EchoCommand(Call& call);
void QuitCommand(Call& call);
void HelloCommand(Call& call);
void ClientCommand(Call& call);
void ConfigCommand(Call& call);
void InfoCommand(Call& call);
void TimeCommand(Call& call);
// resp_wait.cc
void WaitCommand(Call& call);
// resp_auth.cc
void AuthCommand(Call& call);
// Checks `user` / `password` (the --auth-file list, or Redis's passwordless default user
// without one) and counts the attempt. Success marks the session authenticated; failure
// appends WRONGPASS and returns false.
bool Authenticate(Call& call, std::string_view user, std::string_view password);
// resp_object.cc
void ObjectCommand(Call& call);
void MemoryCommand(Call& call);
// resp_introspection.cc (COMMAND and its subcommands)
void CommandCommand(Call& call);
// resp_command_getkeys.cc (COMMAND GETKEYS)
void CommandGetKeys(Call& call);

}  // namespace memkv::server::resp

#endif  // MEMKV_SERVER_EXEC_RESP_RESP_COMMANDS_H_
