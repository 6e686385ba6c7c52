// RESP server and connection commands: PING, ECHO, SELECT, QUIT, HELLO, CLIENT, CONFIG GET,
// TIME and INFO, worded as Redis 7.0 words them (SELECT is in resp_databases.cc); HELLO 2
// and HELLO 3 choose the connection's protocol, as in Redis.
#include <time.h>

#include <algorithm>
#include <array>
#include <string>
#include <utility>
#include <vector>

#include "protocol/resp/resp_reply_encoder.h"
#include "protocol/resp/resp_request_parser.h"
#include "server/exec/resp/glob_match.h"
#include "server/exec/resp/resp_commands.h"

namespace memkv::server::resp {
namespace {

using protocol::AppendBulk;
using protocol::AppendError;
using protocol::AppendInteger;
using protocol::AppendSimpleString;

// The configuration CONFIG GET shows: what redis-benchmark and common clients ask for, with
// memkv's real values where it has them.
std::vector<std::pair<std::string_view, std::string>> ConfigValues(Call& call) {
  const storage::EngineOptions& options = call.context.engine->options();
  ServerInfo* server = call.context.server;
  return {
      {"save", ""},
      {"appendonly", "no"},
      {"databases", std::to_string(options.databases)},
      {"maxmemory", std::to_string(options.memory_limit_bytes)},
      {"maxmemory-policy", "allkeys-lru"},
      {"maxclients", std::to_string(server != nullptr ? server->max_connections() : 0)},
      {"port", std::to_string(server != nullptr ? server->tcp_port() : 0)},
      {"io-threads", std::to_string(server != nullptr ? server->thread_count() : 1)},
      {"timeout", "0"},
      {"proto-max-bulk-len",
       std::to_string(server != nullptr ? server->proto_max_bulk_len() : uint64_t{512} << 20)},
  };
}

void ConfigGet(Call& call) {
  std::vector<std::pair<std::string_view, std::string>> values = ConfigValues(call);
  std::vector<bool> taken(values.size(), false);
  std::vector<std::pair<std::string_view, std::string_view>> matches;
  for (size_t i = 2; i < call.args.size(); ++i) {
    std::string_view pattern = CString(call.args[i]);
    bool glob = pattern.find_first_of("[*?") != std::string_view::npos;
    for (size_t j = 0; j < values.size(); ++j) {
      if (taken[j]) continue;
      // An exact name answers under the spelling asked for, a pattern under the real name.
      if (glob ? GlobMatch(pattern, values[j].first) : IsKeyword(pattern, values[j].first)) {
        taken[j] = true;
        matches.emplace_back(glob ? values[j].first : pattern, values[j].second);
      }
    }
  }
  protocol::AppendMapHeader(matches.size(), call.resp(), call.out);
  for (const auto& [name, value] : matches) {
    AppendBulk(name, call.out);
    AppendBulk(value, call.out);
  }
}

// CONFIG RESETSTAT: Redis zeroes its statistics (INFO stats, commandstats, errorstats). memkv's
// counters belong to the threads that count them, so it records a baseline instead, the one
// memcached's `stats reset` records (stats_baseline.h): INFO and `stats` count from here on.
void ConfigResetStat(Call& call) {
  if (call.context.server != nullptr) {
    call.context.server->SetStatsBaseline(
        StatsBaseline::Take(call.context.server->AllThreadStats(), call.context.engine->Stats()));
  }
  AppendSimpleString("OK", call.out);
}

constexpr std::array kConfigSubcommands = {
    CommandSpec{"config|get", -3, ConfigGet},
    CommandSpec{"config|resetstat", 2, ConfigResetStat},
};

// clientSetNameOrReply: printable ASCII without spaces; empty clears the name.
bool SetNameOrReply(Call& call, std::string_view name) {
  for (char c : name) {
    if (c < '!' || c > '~') {
      AppendError("ERR Client names cannot contain spaces, newlines or special characters.",
                  call.out);
      return false;
    }
  }
  call.session.name.assign(name);
  return true;
}

void ClientId(Call& call) { AppendInteger(static_cast<int64_t>(call.session.client_id), call.out); }

void ClientSetName(Call& call) {
  if (SetNameOrReply(call, call.args[2])) AppendSimpleString("OK", call.out);
}

void ClientGetName(Call& call) {
  if (call.session.name.empty()) {
    protocol::AppendNull(call.resp(), call.out);
  } else {
    AppendBulk(call.session.name, call.out);
  }
}

constexpr std::array kClientSubcommands = {
    CommandSpec{"client|id", 2, ClientId},
    CommandSpec{"client|setname", 3, ClientSetName},
    CommandSpec{"client|getname", 2, ClientGetName},
};

}  // namespace

// TIME: the wall clock as seconds and microseconds, read from CLOCK_REALTIME as Redis reads it
// (not the engine's clock, which has millisecond resolution and may be a test's).
// The engine's clock, the one TTLs are kept by (a fake one in tests and the fuzzers, so that a
// replay answers the same): milliseconds, so the microseconds end in 000.
void TimeCommand(Call& call) {
  const int64_t now_millis = call.NowMillis();
  protocol::AppendArrayHeader(2, call.out);
  AppendBulk(std::to_string(now_millis / 1000), call.out);
  AppendBulk(std::to_string((now_millis % 1000) * 1000), call.out);
}

void PingCommand(Call& call) {
  if (call.args.size() > 2) {
    AppendArityError("ping", call.out);
  } else if (call.args.size() == 1) {
    AppendSimpleString("PONG", call.out);
  } else {
    AppendBulk(call.args[1], call.out);
  }
}

void EchoCommand(Call& call) { AppendBulk(call.args[1], call.out); }

void QuitCommand(Call& call) {
  AppendSimpleString("OK", call.out);
  call.outcome = ExecOutcome::kClose;
}

namespace {

// Redis's answer to a protocol version it does not speak.
constexpr std::string_view kNoProto = "NOPROTO unsupported protocol version";

// HELLO's options after the version: AUTH <user> <password>, SETNAME <name>.
struct HelloOptions {
  bool has_auth = false;
  bool has_name = false;
  std::string_view user, password, name;
};

// Reads HELLO's options, or answers Redis's syntax error and returns false.
bool ParseHelloOptions(Call& call, HelloOptions* options) {
  auto& args = call.args;
  for (size_t j = 2; j < args.size(); ++j) {
    size_t more = args.size() - 1 - j;
    if (IsKeyword(args[j], "auth") && more >= 2) {
      options->has_auth = true;
      options->user = args[j + 1];
      options->password = args[j + 2];
      j += 2;
    } else if (IsKeyword(args[j], "setname") && more >= 1) {
      options->has_name = true;
      options->name = args[++j];
    } else {
      std::string message = "ERR Syntax error in HELLO option '";
      message.append(CString(args[j]));
      message.append("'");
      AppendError(message, call.out);
      return false;
    }
  }
  return true;
}

}  // namespace

void HelloCommand(Call& call) {
  auto& args = call.args;
  int64_t version = 2;
  if (args.size() >= 2) {
    if (!protocol::RedisStringToInt64(args[1], &version)) {
      AppendError("ERR Protocol version is not an integer or out of range", call.out);
      return;
    }
    if (version < 2 || version > 3) {
      AppendError(kNoProto, call.out);
      return;
    }
  }
  HelloOptions options;
  if (!ParseHelloOptions(call, &options)) return;
  if (options.has_auth && !Authenticate(call, options.user, options.password)) return;
  if (!call.session.authenticated) {
    AppendError(
        "NOAUTH HELLO must be called with the client already authenticated, otherwise the "
        "HELLO AUTH <user> <pass> option can be used to authenticate the client and select the "
        "RESP protocol version at the same time",
        call.out);
    return;
  }
  if (options.has_name && !SetNameOrReply(call, options.name)) return;
  // HELLO without a version keeps the connection's; the reply is already in the new one.
  if (args.size() >= 2) call.session.protocol_version = static_cast<protocol::RespVersion>(version);
  protocol::AppendMapHeader(7, call.resp(), call.out);
  AppendBulk("server", call.out);
  AppendBulk("redis", call.out);
  AppendBulk("version", call.out);
  AppendBulk(kRedisCompatVersion, call.out);
  AppendBulk("proto", call.out);
  AppendInteger(static_cast<int64_t>(call.resp()), call.out);
  AppendBulk("id", call.out);
  AppendInteger(static_cast<int64_t>(call.session.client_id), call.out);
  AppendBulk("mode", call.out);
  AppendBulk("standalone", call.out);
  AppendBulk("role", call.out);
  AppendBulk("master", call.out);
  AppendBulk("modules", call.out);
  protocol::AppendArrayHeader(0, call.out);
}

absl::Span<const CommandSpec> ClientSubcommands() { return kClientSubcommands; }

absl::Span<const CommandSpec> ConfigSubcommands() { return kConfigSubcommands; }

void ClientCommand(Call& call) { DispatchSubcommand(call, kClientSubcommands); }

void ConfigCommand(Call& call) { DispatchSubcommand(call, kConfigSubcommands); }

}  // namespace memkv::server::resp
