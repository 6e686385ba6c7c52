// Options: every command-line setting of the memkv server, parsed once at start and then passed
// by const reference to whatever needs it (no global settings object).
//
// Each option is defined once, in the table in options.cc, with its flags, its default (as the
// text a user would type) and a one-line description; the same table drives parsing, defaults
// and `--help`. Flags are spelled as memcached spells them where memcached has them.
//
// Threads: plain value type; parse on one thread, then share read-only.
#ifndef MEMKV_SERVER_OPTIONS_H_
#define MEMKV_SERVER_OPTIONS_H_

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "protocol/resp/resp_request_parser.h"
#include "server/frontend/frontend.h"
#include "server/loop/event_loop.h"
#include "server/tls/tls_context.h"

namespace memkv::server {

struct Options {
  int port = 0;                            // -p: memcached-dialect TCP port
  std::string listen_address;              // -l: IPv4 or IPv6 literal
  int threads = 0;                         // -t: worker threads (resolved: never 0 after parsing)
  size_t memory_limit_mb = 0;              // -m
  int conn_limit = 0;                      // -c: most client connections open at once
  size_t max_item_bytes = 0;               // -I
  int verbosity = 0;                       // -v, -vv
  char prefix_delimiter = ':';             // -D: `stats detail` key prefix delimiter
  bool detail_enabled = false;             // -D turns `stats detail` on, as in memcached
  std::string mode;                        // --mode: a front end listed in modes.cc
  IoEngine io = IoEngine::kEpoll;          // --io
  bool io_strict = false;                  // --io-strict: no fallback from uring to epoll
  Balance balance = Balance::kRoundRobin;  // --balance
  int resp_port = 0;                       // --resp-port: RESP-only port, 0 = off
  int dispatchers = 0;                     // --dispatchers: dispatcher threads (hybrid mode)
  int64_t idle_timeout_seconds = 0;        // --idle-timeout: close silent clients; 0 = off
  std::string auth_file;                   // -Y, --auth-file: user:password lines; "" = off
  std::string restart_file;  // -e, --restart-file: items kept in this file across restarts
  // --protected-mode (default yes): without --auth-file, serve only 127.0.0.1 and ::1.
  bool protected_mode = false;
  int tls_port = 0;      // --tls-port: TLS port (both dialects), 0 = off
  int metrics_port = 0;  // --metrics-port: Prometheus GET /metrics over HTTP, 0 = off
  // --tls-cert-file, --tls-key-file, --tls-ca-cert-file, --tls-auth-clients.
  TlsConfig tls;
  // --max-client-memory: bytes all connections together may hold (0 = no limit). "auto" is
  // resolved after parsing, from -m (ClientMemoryBudget::DefaultLimit).
  size_t max_client_memory = 0;
  bool max_client_memory_auto = false;
  size_t proto_max_bulk_len = size_t{512} << 20;  // --proto-max-bulk-len (Redis's default)
  int databases = 16;                             // --databases: RESP SELECT 0..N-1
  size_t client_query_buffer_limit = 0;  // --client-query-buffer-limit: largest RESP request
  std::string config_file;               // --config: settings read before the command line's
  bool help = false;                     // -h: print usage and exit 0
  bool man_page = false;                 // --man-page: print the manual page and exit 0
  bool default_config = false;           // --default-config: print a --config file of the defaults
  bool version = false;                  // -V: print version and exit 0
  // --receive-into-value: memcached set values at least this large (or stored in a block of
  // their own) are received straight into the memory they are stored in; 0 = never (every value
  // is buffered, then copied).
  size_t receive_into_value = 64 * 1024;
};

// The front end's part of the options.
FrontendConfig FrontendConfigOf(const Options& options);

// The RESP parser's limits: --proto-max-bulk-len and --client-query-buffer-limit.
protocol::RespRequestParserLimits RespLimitsOf(const Options& options);

// The options with every default from the table applied (what `memkv` with no flags runs with).
Options DefaultOptions();

// Parses argv (argv[0] is the program name): the defaults, then the --config file's settings if
// one is named (anywhere on the line), then the flags, so that a flag overrides the file. Errors
// are InvalidArgument with a one-line message naming the flag, or the file and line; the caller
// prints it with a usage hint and exits with kUsageExitCode.
absl::StatusOr<Options> ParseOptions(const std::vector<std::string>& args);

// Exit status for a bad command line. 2, the usual status for usage errors of Unix tools
// (memcached itself mixes 1 and EX_USAGE = 64); memkv uses 2 for every usage error, including
// asking for a mode that is not built yet.
inline constexpr int kUsageExitCode = 2;

// `memkv --help`: every flag with its default and description, then the front-end modes.
std::string UsageText(std::string_view program);
// The manual page, memkv(1), in troff's man macros: the same table as UsageText, so that the two
// cannot disagree (the package installs it; `man ./memkv.1` shows it).
std::string ManPageText();
// A --config file with every setting at its default, each commented out under its description.
std::string DefaultConfigText();

std::string_view BalanceName(Balance balance);
std::string_view IoEngineName(IoEngine io);

}  // namespace memkv::server

#endif  // MEMKV_SERVER_OPTIONS_H_
