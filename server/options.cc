#include "server/options.h"

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <thread>

#include "absl/status/status.h"
#include "absl/strings/ascii.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_format.h"
#include "server/config_file.h"
#include "server/conn/client_memory_budget.h"
#include "server/frontend/modes.h"
#include "storage/engine_types.h"

namespace memkv::server {
namespace {

using Setter = absl::Status (*)(std::string_view value, Options* options);

// One command-line option. The table below is the only place an option is defined.
struct OptionSpec {
  char short_flag;                // 0 = long form only
  std::string_view long_flag;     // without the leading "--"
  std::string_view value_name;    // empty = a switch that takes no value
  std::string_view default_text;  // applied through `set` before parsing; empty = none
  std::string_view description;   // one line for --help
  Setter set;
};

absl::Status Bad(std::string_view flag, std::string_view value, std::string_view why) {
  return absl::InvalidArgumentError(
      absl::StrFormat("invalid value '%s' for %s: %s", value, flag, why));
}

absl::StatusOr<int64_t> ParseInt(std::string_view flag, std::string_view value, int64_t min,
                                 int64_t max) {
  int64_t n = 0;
  if (!absl::SimpleAtoi(absl::string_view(value.data(), value.size()), &n))
    return Bad(flag, value, "not a number");
  if (n < min || n > max) {
    return Bad(flag, value, absl::StrFormat("must be between %d and %d", min, max));
  }
  return n;
}

// memcached's -I syntax: a byte count with an optional k or m (or g) suffix, any case; Redis's
// kb, mb and gb are taken too.
absl::StatusOr<size_t> ParseSize(std::string_view flag, std::string_view value) {
  std::string_view digits = value;
  uint64_t unit = 1;
  if (digits.size() > 2 && absl::ascii_tolower(digits.back()) == 'b' &&
      std::string_view("kmg").find(absl::ascii_tolower(digits[digits.size() - 2])) !=
          std::string_view::npos) {
    digits.remove_suffix(1);
  }
  if (!digits.empty()) {
    switch (absl::ascii_tolower(digits.back())) {
      case 'k':
        unit = uint64_t{1} << 10;
        break;
      case 'm':
        unit = uint64_t{1} << 20;
        break;
      case 'g':
        unit = uint64_t{1} << 30;
        break;
    }
    if (unit != 1) digits.remove_suffix(1);
  }
  uint64_t n = 0;
  if (!absl::SimpleAtoi(absl::string_view(digits.data(), digits.size()), &n) || n == 0 ||
      n > (uint64_t{1} << 40) / unit) {
    return Bad(flag, value, "expected a size such as 1048576, 512k or 1m");
  }
  return static_cast<size_t>(n * unit);
}

absl::Status SetPort(std::string_view v, Options* o) {
  auto n = ParseInt("--port", v, 1, 65535);
  if (!n.ok()) return n.status();
  o->port = static_cast<int>(*n);
  return absl::OkStatus();
}

absl::Status SetListen(std::string_view v, Options* o) {
  if (v.empty()) return Bad("--listen", v, "empty address");
  o->listen_address = std::string(v);
  return absl::OkStatus();
}

absl::Status SetThreads(std::string_view v, Options* o) {
  if (v == "auto") {
    o->threads = static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
    return absl::OkStatus();
  }
  auto n = ParseInt("--threads", v, 1, 1024);
  if (!n.ok()) return n.status();
  o->threads = static_cast<int>(*n);
  return absl::OkStatus();
}

absl::Status SetMemory(std::string_view v, Options* o) {
  auto n = ParseInt("--memory-limit", v, 1, int64_t{1} << 20);
  if (!n.ok()) return n.status();
  o->memory_limit_mb = static_cast<size_t>(*n);
  return absl::OkStatus();
}

absl::Status SetConnLimit(std::string_view v, Options* o) {
  auto n = ParseInt("--conn-limit", v, 1, 1 << 24);
  if (!n.ok()) return n.status();
  o->conn_limit = static_cast<int>(*n);
  return absl::OkStatus();
}

absl::Status SetMaxItem(std::string_view v, Options* o) {
  auto n = ParseSize("--max-item-size", v);
  if (!n.ok()) return n.status();
  o->max_item_bytes = *n;
  return absl::OkStatus();
}

absl::Status SetVerbose(std::string_view, Options* o) {
  ++o->verbosity;
  return absl::OkStatus();
}

absl::Status SetPrefixDelimiter(std::string_view v, Options* o) {
  if (v.empty()) return absl::InvalidArgumentError("-D: no delimiter specified");
  // memcached takes the first byte and, given -D at all, counts per prefix from the start.
  o->prefix_delimiter = v[0];
  o->detail_enabled = true;
  return absl::OkStatus();
}

absl::Status SetMode(std::string_view v, Options* o) {
  if (FindMode(v) == nullptr) {
    std::string names;
    for (const ModeSpec& m : Modes()) {
      absl::StrAppendFormat(&names, "%s%s", names.empty() ? "" : ", ", m.name);
    }
    return Bad("--mode", v, absl::StrFormat("expected one of %s", names));
  }
  o->mode = std::string(v);
  return absl::OkStatus();
}

absl::Status SetIo(std::string_view v, Options* o) {
  if (v == "epoll") {
    o->io = IoEngine::kEpoll;
  } else if (v == "uring") {
    o->io = IoEngine::kUring;
  } else {
    return Bad("--io", v, "expected epoll or uring");
  }
  return absl::OkStatus();
}

absl::Status SetIoStrict(std::string_view, Options* o) {
  o->io_strict = true;
  return absl::OkStatus();
}

absl::Status SetBalance(std::string_view v, Options* o) {
  if (v == "round-robin") {
    o->balance = Balance::kRoundRobin;
  } else if (v == "least-conn") {
    o->balance = Balance::kLeastConn;
  } else {
    return Bad("--balance", v, "expected round-robin or least-conn");
  }
  return absl::OkStatus();
}

absl::Status SetRespPort(std::string_view v, Options* o) {
  auto n = ParseInt("--resp-port", v, 0, 65535);
  if (!n.ok()) return n.status();
  o->resp_port = static_cast<int>(*n);
  return absl::OkStatus();
}

absl::Status SetDispatchers(std::string_view v, Options* o) {
  auto n = ParseInt("--dispatchers", v, 1, 256);
  if (!n.ok()) return n.status();
  o->dispatchers = static_cast<int>(*n);
  return absl::OkStatus();
}

absl::Status SetIdleTimeout(std::string_view v, Options* o) {
  auto n = ParseInt("--idle-timeout", v, 0, INT32_MAX);
  if (!n.ok()) return n.status();
  o->idle_timeout_seconds = *n;
  return absl::OkStatus();
}

absl::Status SetMaxClientMemory(std::string_view v, Options* o) {
  o->max_client_memory_auto = v == "auto";
  o->max_client_memory = 0;
  if (o->max_client_memory_auto || v == "0") return absl::OkStatus();
  auto n = ParseSize("--max-client-memory", v);
  if (!n.ok()) return n.status();
  o->max_client_memory = *n;
  return absl::OkStatus();
}

absl::Status SetProtoMaxBulkLen(std::string_view v, Options* o) {
  auto n = ParseSize("--proto-max-bulk-len", v);
  if (!n.ok()) return n.status();
  o->proto_max_bulk_len = *n;
  return absl::OkStatus();
}

absl::Status SetDatabases(std::string_view v, Options* o) {
  auto n = ParseInt("--databases", v, 1, storage::kMaxDatabases);
  if (!n.ok()) return n.status();
  o->databases = static_cast<int>(*n);
  return absl::OkStatus();
}

absl::Status SetClientQueryBufferLimit(std::string_view v, Options* o) {
  auto n = ParseSize("--client-query-buffer-limit", v);
  if (!n.ok()) return n.status();
  o->client_query_buffer_limit = *n;
  return absl::OkStatus();
}

absl::Status SetReceiveIntoValue(std::string_view v, Options* o) {
  o->receive_into_value = 0;
  if (v == "0") return absl::OkStatus();
  auto n = ParseSize("--receive-into-value", v);
  if (!n.ok()) return n.status();
  o->receive_into_value = *n;
  return absl::OkStatus();
}

absl::Status SetAuthFile(std::string_view v, Options* o) {
  if (v.empty()) return absl::InvalidArgumentError("--auth-file: a file name is needed");
  o->auth_file = std::string(v);
  return absl::OkStatus();
}

absl::Status SetRestartFile(std::string_view v, Options* o) {
  if (v.empty()) return absl::InvalidArgumentError("--restart-file: a file name is needed");
  o->restart_file = std::string(v);
  return absl::OkStatus();
}

absl::Status SetProtectedMode(std::string_view v, Options* o) {
  // Redis's spelling of a boolean setting.
  if (v == "yes") {
    o->protected_mode = true;
  } else if (v == "no") {
    o->protected_mode = false;
  } else {
    return Bad("--protected-mode", v, "expected yes or no");
  }
  return absl::OkStatus();
}

absl::Status SetTlsPort(std::string_view v, Options* o) {
  auto n = ParseInt("--tls-port", v, 0, 65535);
  if (!n.ok()) return n.status();
  o->tls_port = static_cast<int>(*n);
  return absl::OkStatus();
}

absl::Status SetMetricsPort(std::string_view v, Options* o) {
  auto n = ParseInt("--metrics-port", v, 0, 65535);
  if (!n.ok()) return n.status();
  o->metrics_port = static_cast<int>(*n);
  return absl::OkStatus();
}

absl::Status SetTlsCertFile(std::string_view v, Options* o) {
  o->tls.cert_file = std::string(v);
  return absl::OkStatus();
}

absl::Status SetTlsKeyFile(std::string_view v, Options* o) {
  o->tls.key_file = std::string(v);
  return absl::OkStatus();
}

absl::Status SetTlsCaCertFile(std::string_view v, Options* o) {
  o->tls.ca_cert_file = std::string(v);
  return absl::OkStatus();
}

// Redis's tls-auth-clients values.
absl::Status SetTlsAuthClients(std::string_view v, Options* o) {
  if (v == "yes") {
    o->tls.client_certificates = ClientCertificates::kRequired;
  } else if (v == "optional") {
    o->tls.client_certificates = ClientCertificates::kOptional;
  } else if (v == "no") {
    o->tls.client_certificates = ClientCertificates::kIgnored;
  } else {
    return Bad("--tls-auth-clients", v, "expected yes, optional or no");
  }
  return absl::OkStatus();
}

// Read before the other flags (ParseOptions); here only kept for what the server reports.
absl::Status SetConfig(std::string_view v, Options* o) {
  if (v.empty()) return absl::InvalidArgumentError("--config: a file name is needed");
  o->config_file = std::string(v);
  return absl::OkStatus();
}

absl::Status SetManPage(std::string_view, Options* o) {
  o->man_page = true;
  return absl::OkStatus();
}

absl::Status SetDefaultConfig(std::string_view, Options* o) {
  o->default_config = true;
  return absl::OkStatus();
}

absl::Status SetHelp(std::string_view, Options* o) {
  o->help = true;
  return absl::OkStatus();
}

absl::Status SetVersion(std::string_view, Options* o) {
  o->version = true;
  return absl::OkStatus();
}

constexpr OptionSpec kOptions[] = {
    {'p', "port", "PORT", "11211", "TCP port for the memcached protocols (and RESP)", SetPort},
    {'l', "listen", "ADDR", "127.0.0.1", "IPv4 or IPv6 address to listen on", SetListen},
    {'t', "threads", "N", "auto", "worker threads (auto = hardware threads)", SetThreads},
    {'m', "memory-limit", "MB", "64", "item memory in megabytes", SetMemory},
    {'c', "conn-limit", "N", "1024", "most simultaneous client connections", SetConnLimit},
    {'I', "max-item-size", "SIZE", "1m", "largest item, bytes or with k/m suffix", SetMaxItem},
    {'v', "verbose", "", "", "log more (the open-file limit); -vv also each connection",
     SetVerbose},
    {'D', "prefix-delimiter", "CHAR", "",
     "key prefix delimiter of `stats detail` (':' when not given); given, turns prefix "
     "counting on",
     SetPrefixDelimiter},
    {0, "mode", "MODE", "acceptor", "front-end architecture (see MODES below)", SetMode},
    {0, "io", "ENGINE", "epoll", "I/O engine: epoll or uring (falls back to epoll)", SetIo},
    {0, "io-strict", "", "", "exit instead of falling back when uring is unavailable", SetIoStrict},
    {0, "balance", "POLICY", "round-robin", "acceptor mode: round-robin or least-conn", SetBalance},
    {0, "resp-port", "PORT", "0", "extra port that speaks RESP only (inline too); 0 = off",
     SetRespPort},
    {0, "dispatchers", "K", "1", "dispatcher threads (hybrid mode)", SetDispatchers},
    {0, "idle-timeout", "SECONDS", "0",
     "close clients silent this long (-o idle_timeout); 0 = never", SetIdleTimeout},
    {0, "max-client-memory", "SIZE", "auto",
     "memory all connections may hold; past it the largest are closed "
     "(auto = max(-m/4, 32m); 0 = no limit)",
     SetMaxClientMemory},
    {0, "proto-max-bulk-len", "SIZE", "512m",
     "RESP: longest argument; longer closes the connection (one over max(-I, 1m) is skipped "
     "and refused)",
     SetProtoMaxBulkLen},
    {0, "databases", "N", "16", "RESP: number of databases (SELECT 0..N-1); memcached uses 0",
     SetDatabases},
    {0, "client-query-buffer-limit", "SIZE", "1g",
     "RESP: largest request buffered; larger closes the connection", SetClientQueryBufferLimit},
    {'e', "restart-file", "FILE", "",
     "keep the items in FILE (tmpfs or disk, -m reserved at start); after a clean stop "
     "(SIGTERM) the next start with the same settings serves them again (memcached -e)",
     SetRestartFile},
    {0, "receive-into-value", "SIZE", "64k",
     "set values (memcached, binary, RESP SET) at least this large, or stored in a block of their "
     "own, are read straight into the memory they are stored in; 0 = always buffer and copy "
     "(64k measured best: docs/benchmarks.md)",
     SetReceiveIntoValue},
    {'Y', "auth-file", "FILE", "",
     "require authentication: user:password lines (memcached -Y); SIGHUP re-reads", SetAuthFile},
    {0, "protected-mode", "yes|no", "yes",
     "without --auth-file, serve only clients from 127.0.0.1 and ::1 (Redis's protected-mode)",
     SetProtectedMode},
    {0, "tls-port", "PORT", "0", "TLS port for both dialects (as -p, over TLS); 0 = off",
     SetTlsPort},
    {0, "tls-cert-file", "FILE", "", "TLS: the server's certificate (chain), PEM", SetTlsCertFile},
    {0, "tls-key-file", "FILE", "", "TLS: the certificate's private key, PEM", SetTlsKeyFile},
    {0, "tls-ca-cert-file", "FILE", "", "TLS: CAs that client certificates must chain to, PEM",
     SetTlsCaCertFile},
    {0, "tls-auth-clients", "yes|optional|no", "yes",
     "TLS: client certificate required, checked if shown, or not asked for", SetTlsAuthClients},
    {0, "metrics-port", "PORT", "0",
     "HTTP port answering GET /metrics for Prometheus (also times each request); 0 = off",
     SetMetricsPort},
    {0, "config", "FILE", "",
     "read settings from FILE, `name value` a line (names as the long flags); flags override it",
     SetConfig},
    {0, "man-page", "", "", "print the manual page (troff) and exit", SetManPage},
    {0, "default-config", "", "", "print a --config file of every default and exit",
     SetDefaultConfig},
    {'h', "help", "", "", "print this help and exit", SetHelp},
    {'V', "version", "", "", "print the version and exit", SetVersion},
};

const OptionSpec* FindShort(char c) {
  for (const OptionSpec& spec : kOptions) {
    if (spec.short_flag == c) return &spec;
  }
  return nullptr;
}

const OptionSpec* FindLong(std::string_view name) {
  for (const OptionSpec& spec : kOptions) {
    if (spec.long_flag == name) return &spec;
  }
  return nullptr;
}

absl::Status ValidateTls(const Options& o);

absl::Status Validate(const Options& o) {
  if (o.max_item_bytes < 1024) {
    return absl::InvalidArgumentError("--max-item-size must be at least 1k");
  }
  if (o.max_item_bytes > (o.memory_limit_mb << 20) / 2) {
    return absl::InvalidArgumentError(
        "--max-item-size cannot be larger than half of --memory-limit");
  }
  if (o.proto_max_bulk_len < 1024) {
    return absl::InvalidArgumentError("--proto-max-bulk-len must be at least 1k");
  }
  if (o.client_query_buffer_limit < 1024) {
    return absl::InvalidArgumentError("--client-query-buffer-limit must be at least 1k");
  }
  if (o.resp_port != 0 && o.resp_port == o.port) {
    return absl::InvalidArgumentError("--resp-port must differ from --port");
  }
  if (o.metrics_port != 0 &&
      (o.metrics_port == o.port || o.metrics_port == o.resp_port || o.metrics_port == o.tls_port)) {
    return absl::InvalidArgumentError("--metrics-port must differ from the other ports");
  }
  return ValidateTls(o);
}

// Redis's rules: a TLS port needs a certificate and its key, and checking client certificates
// needs the CAs to check them against.
absl::Status ValidateTls(const Options& o) {
  if (o.tls_port == 0) return absl::OkStatus();
  if (o.tls_port == o.port || o.tls_port == o.resp_port) {
    return absl::InvalidArgumentError("--tls-port must differ from --port and --resp-port");
  }
  if (o.tls.cert_file.empty() || o.tls.key_file.empty()) {
    return absl::InvalidArgumentError("--tls-port needs --tls-cert-file and --tls-key-file");
  }
  if (o.tls.client_certificates != ClientCertificates::kIgnored && o.tls.ca_cert_file.empty()) {
    return absl::InvalidArgumentError(
        "--tls-ca-cert-file is needed to check client certificates "
        "(or --tls-auth-clients no)");
  }
  return absl::OkStatus();
}

// Parses one argument that starts with "--". `next` is the following argument, if any;
// `*used_next` says whether it was taken as this flag's value.
absl::Status ParseLong(std::string_view arg, const std::string* next, bool* used_next, Options* o) {
  std::string_view name = arg.substr(2);
  std::string_view value;
  bool has_inline_value = false;
  if (size_t eq = name.find('='); eq != std::string_view::npos) {
    value = name.substr(eq + 1);
    name = name.substr(0, eq);
    has_inline_value = true;
  }
  const OptionSpec* spec = FindLong(name);
  if (spec == nullptr)
    return absl::InvalidArgumentError(absl::StrFormat("unknown flag --%s", name));
  if (spec->value_name.empty()) {
    if (has_inline_value) {
      return absl::InvalidArgumentError(absl::StrFormat("--%s takes no value", name));
    }
    return spec->set("", o);
  }
  if (!has_inline_value) {
    if (next == nullptr) {
      return absl::InvalidArgumentError(absl::StrFormat("--%s needs a value", name));
    }
    value = *next;
    *used_next = true;
  }
  return spec->set(value, o);
}

// Parses one argument that starts with a single '-': a cluster of switches ("-vv") possibly
// ending in one flag that takes a value, either attached ("-p11211") or as the next argument.
absl::Status ParseShort(std::string_view arg, const std::string* next, bool* used_next,
                        Options* o) {
  for (size_t i = 1; i < arg.size(); ++i) {
    const OptionSpec* spec = FindShort(arg[i]);
    if (spec == nullptr) {
      return absl::InvalidArgumentError(absl::StrFormat("unknown flag -%c", arg[i]));
    }
    if (spec->value_name.empty()) {
      if (absl::Status s = spec->set("", o); !s.ok()) return s;
      continue;
    }
    if (i + 1 < arg.size()) return spec->set(arg.substr(i + 1), o);
    if (next == nullptr) {
      return absl::InvalidArgumentError(absl::StrFormat("-%c needs a value", arg[i]));
    }
    *used_next = true;
    return spec->set(*next, o);
  }
  return absl::OkStatus();
}

// Flags that ask for something other than a server: not settings of a --config file.
bool IsCommandLineOnly(const OptionSpec& spec) {
  return spec.set == SetConfig || spec.set == SetHelp || spec.set == SetVersion ||
         spec.set == SetManPage || spec.set == SetDefaultConfig;
}

// The --config flag's value, if the command line has one (the last one counts, as for any flag).
std::optional<std::string> ConfigFileNamed(const std::vector<std::string>& args) {
  std::optional<std::string> path;
  for (size_t i = 1; i < args.size(); ++i) {
    std::string_view arg = args[i];
    if (arg == "--config" && i + 1 < args.size()) {
      path = args[++i];
    } else if (arg.substr(0, 9) == "--config=") {
      path = std::string(arg.substr(9));
    }
  }
  return path;
}

// One line of a --config file, through the option table as its flag would go.
absl::Status ApplySetting(const ConfigSetting& setting, Options* o) {
  const OptionSpec* spec = FindLong(setting.name);
  if (spec == nullptr) return absl::InvalidArgumentError("unknown setting '" + setting.name + "'");
  if (IsCommandLineOnly(*spec)) {
    return absl::InvalidArgumentError("'" + setting.name + "' is a command-line flag only");
  }
  if (spec->value_name.empty()) {
    if (setting.value == "no") return absl::OkStatus();
    if (!setting.value.empty() && setting.value != "yes") {
      return absl::InvalidArgumentError("'" + setting.name + "' takes yes, no or nothing");
    }
    return spec->set("", o);
  }
  if (setting.value.empty()) {
    return absl::InvalidArgumentError("'" + setting.name + "' needs a value");
  }
  return spec->set(setting.value, o);
}

absl::Status ApplyConfigFile(const std::string& path, Options* o) {
  absl::StatusOr<std::vector<ConfigSetting>> settings = ReadConfigFile(path);
  if (!settings.ok()) return absl::InvalidArgumentError(settings.status().message());
  for (const ConfigSetting& setting : *settings) {
    if (absl::Status status = ApplySetting(setting, o); !status.ok()) {
      return absl::InvalidArgumentError(
          absl::StrFormat("--config %s line %d: %s", path, setting.line, status.message()));
    }
  }
  o->config_file = path;
  return absl::OkStatus();
}

}  // namespace

Options DefaultOptions() {
  Options options;
  for (const OptionSpec& spec : kOptions) {
    if (!spec.default_text.empty()) {
      // The defaults are constants of this file; a bad one is a programming error caught by
      // options_test, so the status is not propagated.
      spec.set(spec.default_text, &options).IgnoreError();
    }
  }
  return options;
}

absl::StatusOr<Options> ParseOptions(const std::vector<std::string>& args) {
  Options options = DefaultOptions();
  if (std::optional<std::string> config = ConfigFileNamed(args)) {
    if (absl::Status status = ApplyConfigFile(*config, &options); !status.ok()) return status;
  }
  for (size_t i = 1; i < args.size(); ++i) {
    std::string_view arg = args[i];
    const std::string* next = i + 1 < args.size() ? &args[i + 1] : nullptr;
    bool used_next = false;
    absl::Status status;
    if (arg.size() > 2 && arg.substr(0, 2) == "--") {
      status = ParseLong(arg, next, &used_next, &options);
    } else if (arg.size() > 1 && arg[0] == '-' && arg[1] != '-') {
      status = ParseShort(arg, next, &used_next, &options);
    } else {
      status = absl::InvalidArgumentError(absl::StrFormat("unexpected argument '%s'", arg));
    }
    if (!status.ok()) return status;
    if (used_next) ++i;
  }
  if (options.help || options.version || options.man_page || options.default_config) {
    return options;
  }
  if (absl::Status s = Validate(options); !s.ok()) return s;
  if (options.max_client_memory_auto) {
    options.max_client_memory = ClientMemoryBudget::DefaultLimit(options.memory_limit_mb);
  }
  return options;
}

std::string UsageText(std::string_view program) {
  std::string out = absl::StrFormat(
      "Usage: %s [options]\n"
      "A memcached-compatible cache server (memcached text and meta protocols, and RESP).\n\n"
      "Options:\n",
      program);
  for (const OptionSpec& spec : kOptions) {
    std::string flags = spec.short_flag != 0
                            ? absl::StrFormat("-%c, --%s", spec.short_flag, spec.long_flag)
                            : absl::StrFormat("    --%s", spec.long_flag);
    if (!spec.value_name.empty()) absl::StrAppendFormat(&flags, " %s", spec.value_name);
    // A flag too long for the column puts its description on the next line.
    if (flags.size() > 26) absl::StrAppendFormat(&flags, "\n%29s", "");
    absl::StrAppendFormat(&out, "  %-26s %s", flags, spec.description);
    if (!spec.default_text.empty()) absl::StrAppendFormat(&out, " [%s]", spec.default_text);
    out += "\n";
  }
  out += "\nModes (--mode):\n";
  for (const ModeSpec& mode : Modes()) {
    absl::StrAppendFormat(&out, "  %s%s\n", mode.name,
                          mode.make == nullptr ? " (not implemented yet)" : "");
    std::string_view summary = mode.summary;
    while (!summary.empty()) {
      size_t eol = std::min(summary.find('\n'), summary.size());
      absl::StrAppendFormat(&out, "      %s\n", summary.substr(0, eol));
      summary.remove_prefix(std::min(eol + 1, summary.size()));
    }
  }
  return out;
}

namespace {

// Text for troff: a leading '.' or '\'' would start a request, '\' an escape, and '-' is a
// hyphen unless written "\-" (options must stay minus signs to be copied and pasted).
std::string Troff(std::string_view text) {
  std::string out;
  if (!text.empty() && (text.front() == '.' || text.front() == '\'')) out = "\\&";
  for (char c : text) {
    if (c == '\\') {
      out += "\\e";
    } else if (c == '-') {
      out += "\\-";
    } else {
      out += c;
    }
  }
  return out;
}

}  // namespace

std::string ManPageText() {
  std::string out =
      ".TH MEMKV 1 \"\" \"memkv\" \"User Commands\"\n"
      ".SH NAME\n"
      "memkv \\- a memcached\\-compatible cache server\n"
      ".SH SYNOPSIS\n"
      ".B memkv\n"
      "[\\fIoptions\\fR]\n"
      ".SH DESCRIPTION\n"
      "An in\\-memory key\\-value cache. It speaks the memcached text and meta protocols and\n"
      "RESP2 (Redis clients) on one port, told apart by the first byte of a connection, over\n"
      "one keyspace, with a memory limit kept by eviction, per\\-item TTLs and CAS.\n"
      "Settings come from the defaults, then the \\fB\\-\\-config\\fR file, then the\n"
      "command line.\n"
      ".SH OPTIONS\n";
  for (const OptionSpec& spec : kOptions) {
    out += ".TP\n.B ";
    if (spec.short_flag != 0) absl::StrAppendFormat(&out, "\\-%c, ", spec.short_flag);
    absl::StrAppendFormat(&out, "\\-\\-%s", Troff(spec.long_flag));
    if (!spec.value_name.empty()) {
      absl::StrAppendFormat(&out, " \\fI%s\\fR", Troff(spec.value_name));
    }
    out += "\n" + Troff(spec.description);
    if (!spec.default_text.empty()) {
      absl::StrAppendFormat(&out, " (default: %s)", Troff(spec.default_text));
    }
    out += "\n";
  }
  out += ".SH MODES\nThe front\\-end architectures of \\fB\\-\\-mode\\fR:\n";
  for (const ModeSpec& mode : Modes()) {
    if (mode.make == nullptr) continue;
    absl::StrAppendFormat(&out, ".TP\n.B %s\n", Troff(mode.name));
    std::string_view summary = mode.summary;
    while (!summary.empty()) {
      size_t eol = std::min(summary.find('\n'), summary.size());
      absl::StrAppendFormat(&out, "%s\n", Troff(summary.substr(0, eol)));
      summary.remove_prefix(std::min(eol + 1, summary.size()));
    }
  }
  out +=
      ".SH SIGNALS\n"
      "SIGINT and SIGTERM stop the server cleanly (exit status 0). SIGHUP re\\-reads the\n"
      "\\fB\\-\\-auth\\-file\\fR.\n"
      ".SH EXIT STATUS\n"
      "0 after a clean stop; 2 for a bad command line or configuration file; 1 when the server\n"
      "cannot start (a port in use, a file that does not load).\n"
      ".SH FILES\n"
      ".TP\n.I /etc/memkv/memkv.conf\n"
      "The packaged configuration file (read with \\fB\\-\\-config\\fR): every setting at its\n"
      "default, commented out.\n"
      ".SH SEE ALSO\n"
      ".BR memcached (1),\n"
      ".BR redis\\-server (1)\n";
  return out;
}

std::string DefaultConfigText() {
  std::string out =
      "# memkv configuration, read with: memkv --config FILE\n"
      "# One setting a line, `name value`, the names of the long flags without \"--\"; a switch\n"
      "# is its name alone. Flags on the command line override this file. Every setting below\n"
      "# is at its default and commented out: remove the '#' to change one.\n";
  for (const OptionSpec& spec : kOptions) {
    if (IsCommandLineOnly(spec)) continue;
    absl::StrAppendFormat(&out, "\n# %s\n#%s", spec.description, spec.long_flag);
    if (spec.value_name.empty()) {
      out += " no";  // a switch's default; uncommented as it stands, it changes nothing
    } else {
      // A setting without a default shows what its value is (FILE, PORT...) instead.
      absl::StrAppendFormat(&out, " %s",
                            spec.default_text.empty() ? spec.value_name : spec.default_text);
    }
    out += "\n";
  }
  return out;
}

FrontendConfig FrontendConfigOf(const Options& options) {
  FrontendConfig config;
  config.mode = options.mode;
  config.threads = options.threads;
  config.balance = options.balance;
  config.dispatchers = options.dispatchers;
  config.listen_address = options.listen_address;
  config.port = options.port;
  config.resp_port = options.resp_port;
  config.tls_port = options.tls_port;
  config.idle_timeout = std::chrono::seconds(options.idle_timeout_seconds);
  return config;
}

protocol::RespRequestParserLimits RespLimitsOf(const Options& options) {
  protocol::RespRequestParserLimits limits =
      protocol::RespRequestParserLimits::ForMaxItemBytes(options.max_item_bytes, false);
  limits.max_bulk_bytes = options.proto_max_bulk_len;
  limits.max_request_bytes = options.client_query_buffer_limit;
  return limits;
}

std::string_view BalanceName(Balance balance) {
  return balance == Balance::kLeastConn ? "least-conn" : "round-robin";
}

std::string_view IoEngineName(IoEngine io) { return io == IoEngine::kUring ? "uring" : "epoll"; }

}  // namespace memkv::server
