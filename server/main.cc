// memkv: parses the options, fits the open-file limit to -c (descriptor_limit.h), loads the
// --auth-file, builds the engine and the chosen front end, serves until SIGINT, SIGTERM or
// SIGUSR1 (SIGHUP re-reads the --auth-file), then stops cleanly (exit 0), saving the items to
// the --restart-file if there is one.
//
// Exit status: 0 after a signal, --help or --version; 2 for a bad command line (see
// kUsageExitCode in options.h); 1 when the server cannot start (port in use, io_uring missing
// with --io-strict, ...).
#include <signal.h>

#include <cstdio>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/str_format.h"
#include "absl/synchronization/mutex.h"
#include "server/conn/client_memory_budget.h"
#include "server/conn/request_pipeline.h"
#include "server/conn/server_context.h"
#include "server/descriptor_limit.h"
#include "server/exec/auth_registry.h"
#include "server/exec/exec_context.h"
#include "server/exec/prometheus_exposition.h"
#include "server/frontend/frontend.h"
#include "server/frontend/modes.h"
#include "server/loop/log.h"
#include "server/loop/signals.h"
#include "server/metrics_endpoint.h"
#include "server/options.h"
#include "server/protected_mode_warning.h"
#include "server/running_server_info.h"
#include "server/tls/tls_context.h"
#include "storage/clock.h"
#include "storage/engine.h"

namespace memkv::server {
namespace {

constexpr int kStartFailure = 1;

int UsageError(std::string_view program, std::string_view message) {
  std::fprintf(stderr, "%s: %.*s\nTry '%s --help' for more information.\n",
               std::string(program).c_str(), static_cast<int>(message.size()), message.data(),
               std::string(program).c_str());
  return kUsageExitCode;
}

// The I/O engine every loop will use, and how a loop of it describes itself for the log.
struct ResolvedIo {
  IoEngine engine;
  std::string description;
};

// io_uring may be missing (old kernel, kernel.io_uring_disabled, seccomp): then one line on
// stderr and epoll, unless --io-strict.
absl::StatusOr<ResolvedIo> ResolveIoEngine(const Options& options) {
  if (options.io != IoEngine::kUring) return ResolvedIo{options.io, "epoll"};
  absl::StatusOr<std::unique_ptr<EventLoop>> probe = MakeUringLoop();
  if (probe.ok()) return ResolvedIo{IoEngine::kUring, (*probe)->Describe()};
  if (options.io_strict) {
    return absl::FailedPreconditionError(
        absl::StrFormat("io_uring unavailable (--io-strict): %s", probe.status().message()));
  }
  Logf(LogLevel::kWarning, "io_uring unavailable (%s); falling back to epoll",
       probe.status().message());
  return ResolvedIo{IoEngine::kEpoll, "epoll"};
}

// The --auth-file's user list, or null without one.
absl::StatusOr<std::unique_ptr<AuthRegistry>> LoadAuth(const Options& options) {
  if (options.auth_file.empty()) return nullptr;
  return AuthRegistry::Load(options.auth_file);
}

// The --tls-port's context, or null without one.
absl::StatusOr<std::unique_ptr<TlsContext>> LoadTls(const Options& options) {
  if (options.tls_port == 0) return nullptr;
  return TlsContext::Create(options.tls);
}

// The start, for the log: what runs, with which settings, and where it listens.
void LogStart(const Options& options, const std::string& io, int threads) {
  Logf(LogLevel::kInfo,
       "memkv %s started (pid %d): mode %s, io %s, %d threads, -m %d MiB, -c %d, -I %d, "
       "max-client-memory %d, idle-timeout %d s, authentication %s, protected mode %s%s",
       kMemkvVersion, getpid(), options.mode, io, threads, options.memory_limit_mb,
       options.conn_limit, options.max_item_bytes, options.max_client_memory,
       options.idle_timeout_seconds, options.auth_file.empty() ? "off" : options.auth_file,
       options.protected_mode && options.auth_file.empty() ? "on" : "off",
       options.config_file.empty() ? "" : ", config " + options.config_file);
  std::string ports = absl::StrFormat("%s:%d (memcached text, meta and RESP)",
                                      options.listen_address, options.port);
  if (options.resp_port != 0) {
    absl::StrAppendFormat(&ports, ", %s:%d (RESP only)", options.listen_address, options.resp_port);
  }
  if (options.tls_port != 0) {
    absl::StrAppendFormat(&ports, ", %s:%d (TLS)", options.listen_address, options.tls_port);
  }
  if (options.metrics_port != 0) {
    absl::StrAppendFormat(&ports, ", http://%s:%d/metrics (Prometheus)", options.listen_address,
                          options.metrics_port);
  }
  Logf(LogLevel::kInfo, "listening on %s", ports);
}

// Waits for SIGINT, SIGTERM or SIGUSR1 and returns it. A SIGHUP in between re-reads the --auth-file; a
// file that no longer loads is reported and the list before it stays in force.
int WaitForStop(ShutdownSignals& signals, AuthRegistry* auth) {
  for (;;) {
    const int signal_number = signals.Wait();
    if (signal_number != SIGHUP) return signal_number;
    if (auth == nullptr) continue;
    if (absl::Status status = auth->Reload(); !status.ok()) {
      Logf(LogLevel::kError, "SIGHUP: %s; the previous user list stays", status.message());
    } else {
      Logf(LogLevel::kInfo, "SIGHUP: %s re-read", auth->path());
    }
  }
}

// After the last request: writes what the next start needs to serve the items again. Returns
// the exit code: 0, or kStartFailure if the file could not be written (the next start then
// starts empty, and says why).
int SaveForRestart(storage::Engine& engine, const storage::Clock& clock) {
  const int64_t started = clock.NowMillis();
  const uint64_t items = engine.Stats().curr_items;
  if (absl::Status status = engine.SaveForRestart(); !status.ok()) {
    Logf(LogLevel::kError, "restart file %s: not saved: %s", engine.options().restart_file,
         status.message());
    return kStartFailure;
  }
  Logf(LogLevel::kInfo, "restart file %s: %d items saved in %d ms", engine.options().restart_file,
       items, clock.NowMillis() - started);
  return 0;
}

int Serve(const Options& options) {
  // Debian builds Abseil without NDEBUG, so every absl::Mutex::Lock would run the lock-order
  // (deadlock) check, which takes one process-wide spin lock: all shard locks would serialise on
  // it. The tests keep the check; the server turns it off before any thread starts.
  absl::SetMutexDeadlockDetectionMode(absl::OnDeadlockCycle::kIgnore);
  // Before any thread starts, so that every thread inherits the blocked signals.
  absl::StatusOr<ShutdownSignals> signals = ShutdownSignals::Install();
  if (!signals.ok()) {
    Log(LogLevel::kError, signals.status().ToString());
    return kStartFailure;
  }
  absl::StatusOr<ResolvedIo> io = ResolveIoEngine(options);
  if (!io.ok()) {
    Log(LogLevel::kError, std::string(io.status().message()));
    return kStartFailure;
  }
  storage::RealClock clock;
  storage::EngineOptions engine_options;
  engine_options.memory_limit_bytes = options.memory_limit_mb << 20;
  engine_options.max_item_bytes = options.max_item_bytes;
  engine_options.databases = options.databases;
  engine_options.restart_file = options.restart_file;
  engine_options.software_version = std::string(kMemkvVersion);
  absl::StatusOr<std::unique_ptr<storage::Engine>> engine =
      storage::Engine::Create(engine_options, &clock);
  if (!engine.ok()) {
    Log(LogLevel::kError, engine.status().ToString());
    return kStartFailure;
  }
  if (const std::string& report = (*engine)->restart_report(); !report.empty()) {
    Log(LogLevel::kInfo, report);
  }
  absl::StatusOr<std::unique_ptr<AuthRegistry>> auth = LoadAuth(options);
  if (!auth.ok()) {
    Logf(LogLevel::kError, "--auth-file %s", auth.status().message());
    return kStartFailure;
  }
  absl::StatusOr<std::unique_ptr<TlsContext>> tls = LoadTls(options);
  if (!tls.ok()) {
    Log(LogLevel::kError, std::string(tls.status().message()));
    return kStartFailure;
  }
  ClientMemoryBudget client_memory(options.max_client_memory);
  RunningServerInfo info(options, io->engine, clock.NowMillis(), &client_memory);
  PipelineConfig pipeline(options.max_item_bytes, RespLimitsOf(options), auth->get());
  pipeline.protected_mode = options.protected_mode && auth->get() == nullptr;
  pipeline.measure_latency = options.metrics_port != 0;
  pipeline.connections = info.connections();
  pipeline.direct_value_bytes = options.receive_into_value;
  ServerContext server(engine->get(), &info, &pipeline, options.conn_limit);
  server.client_memory = &client_memory;
  FrontendConfig frontend_config = FrontendConfigOf(options);
  FrontendEnv env{&frontend_config, io->engine, &server, tls->get()};
  absl::StatusOr<std::unique_ptr<Frontend>> frontend = MakeFrontend(env);
  if (!frontend.ok()) {
    Log(LogLevel::kError, std::string(frontend.status().message()));
    return absl::IsUnimplemented(frontend.status()) ? kUsageExitCode : kStartFailure;
  }
  if (absl::Status status = (*frontend)->Start(); !status.ok()) {
    Log(LogLevel::kError, std::string(status.message()));
    (*frontend)->Stop();
    (*frontend)->Wait();
    return kStartFailure;
  }
  std::unique_ptr<MetricsEndpoint> metrics;
  if (options.metrics_port != 0) {
    absl::StatusOr<std::unique_ptr<MetricsEndpoint>> endpoint = MetricsEndpoint::Start(
        options.listen_address, options.metrics_port, [&info, &clock, store = engine->get()] {
          return PrometheusExposition(info, *store, clock.NowMillis());
        });
    if (!endpoint.ok()) {
      Logf(LogLevel::kError, "--metrics-port: %s", endpoint.status().message());
      (*frontend)->Stop();
      (*frontend)->Wait();
      return kStartFailure;
    }
    metrics = *std::move(endpoint);
  }
  // After the listening sockets exist, so that it is about a server that really serves.
  LogStart(options, io->description, info.thread_count());
  if (std::string warning = ProtectedModeWarning(options); !warning.empty()) {
    Log(LogLevel::kWarning, warning);
  }
  int signal_number = WaitForStop(*signals, auth->get());
  Logf(LogLevel::kInfo, "signal %d: stopping", signal_number);
  (*frontend)->Stop();
  (*frontend)->Wait();
  int exit_code = 0;
  if (!options.restart_file.empty()) exit_code = SaveForRestart(**engine, clock);
  Log(LogLevel::kInfo, "stopped");
  return exit_code;
}

// Raises the open-file limit to fit -c, or lowers -c to what the hard limit fits, with one line
// on stderr; before any thread starts. Returns 0, or kStartFailure.
int FitDescriptors(Options* options) {
  absl::StatusOr<DescriptorLimit> limit = FitDescriptorLimit(*options);
  if (!limit.ok()) {
    Log(LogLevel::kError, std::string(limit.status().message()));
    return kStartFailure;
  }
  if (limit->connections < options->conn_limit) {
    Logf(LogLevel::kWarning,
         "the open-file limit (ulimit -Hn %d) fits at most %d connections: -c %d lowered to %d",
         limit->hard, limit->connections, options->conn_limit, limit->connections);
    options->conn_limit = static_cast<int>(limit->connections);
  }
  if (options->verbosity >= 1 && limit->soft_after != limit->soft_before) {
    Logf(LogLevel::kInfo, "open-file limit raised from %d to %d for -c %d", limit->soft_before,
         limit->soft_after, options->conn_limit);
  }
  return 0;
}

int Main(int argc, char** argv) {
  std::vector<std::string> args(argv, argv + argc);
  std::string program = args.empty() ? "memkv" : args[0];
  absl::StatusOr<Options> options = ParseOptions(args);
  if (!options.ok()) return UsageError(program, std::string(options.status().message()));
  if (options->help) {
    std::fputs(UsageText(program).c_str(), stdout);
    return 0;
  }
  if (options->man_page) {
    std::fputs(ManPageText().c_str(), stdout);
    return 0;
  }
  if (options->default_config) {
    std::fputs(DefaultConfigText().c_str(), stdout);
    return 0;
  }
  if (options->version) {
    std::printf("memkv %s\n", std::string(kMemkvVersion).c_str());
    return 0;
  }
  if (const ModeSpec* mode = FindMode(options->mode); mode != nullptr && mode->make == nullptr) {
    return UsageError(program, absl::StrFormat("--mode %s is not implemented yet", options->mode));
  }
  if (int status = FitDescriptors(&*options); status != 0) return status;
  return Serve(*options);
}

}  // namespace
}  // namespace memkv::server

int main(int argc, char** argv) { return memkv::server::Main(argc, argv); }
