// memkv: parses the options, fits the open-file limit to -c (descriptor_limit.h), loads the
// --auth-file, builds the engine and the chosen front end, serves until SIGINT or SIGTERM (SIGHUP
// re-reads the --auth-file), then stops cleanly (exit 0).
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
#include "server/frontend/frontend.h"
#include "server/frontend/modes.h"
#include "server/loop/signals.h"
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
  std::fprintf(stderr, "memkv: io_uring unavailable (%s); falling back to epoll\n",
               std::string(probe.status().message()).c_str());
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

// Waits for SIGINT or SIGTERM and returns it. A SIGHUP in between re-reads the --auth-file; a
// file that no longer loads is reported and the list before it stays in force.
int WaitForStop(ShutdownSignals& signals, AuthRegistry* auth, int verbosity) {
  for (;;) {
    const int signal_number = signals.Wait();
    if (signal_number != SIGHUP) return signal_number;
    if (auth == nullptr) continue;
    if (absl::Status status = auth->Reload(); !status.ok()) {
      std::fprintf(stderr, "memkv: SIGHUP: %s; the previous user list stays\n",
                   std::string(status.message()).c_str());
    } else if (verbosity >= 1) {
      std::fprintf(stderr, "memkv: SIGHUP: %s re-read\n", auth->path().c_str());
    }
  }
}

int Serve(const Options& options) {
  // Debian builds Abseil without NDEBUG, so every absl::Mutex::Lock would run the lock-order
  // (deadlock) check, which takes one process-wide spin lock: all shard locks would serialise on
  // it. The tests keep the check; the server turns it off before any thread starts.
  absl::SetMutexDeadlockDetectionMode(absl::OnDeadlockCycle::kIgnore);
  // Before any thread starts, so that every thread inherits the blocked signals.
  absl::StatusOr<ShutdownSignals> signals = ShutdownSignals::Install();
  if (!signals.ok()) {
    std::fprintf(stderr, "memkv: %s\n", signals.status().ToString().c_str());
    return kStartFailure;
  }
  absl::StatusOr<ResolvedIo> io = ResolveIoEngine(options);
  if (!io.ok()) {
    std::fprintf(stderr, "memkv: %s\n", std::string(io.status().message()).c_str());
    return kStartFailure;
  }
  storage::RealClock clock;
  storage::EngineOptions engine_options;
  engine_options.memory_limit_bytes = options.memory_limit_mb << 20;
  engine_options.max_item_bytes = options.max_item_bytes;
  absl::StatusOr<std::unique_ptr<storage::Engine>> engine =
      storage::Engine::Create(engine_options, &clock);
  if (!engine.ok()) {
    std::fprintf(stderr, "memkv: %s\n", engine.status().ToString().c_str());
    return kStartFailure;
  }
  absl::StatusOr<std::unique_ptr<AuthRegistry>> auth = LoadAuth(options);
  if (!auth.ok()) {
    std::fprintf(stderr, "memkv: --auth-file %s\n", std::string(auth.status().message()).c_str());
    return kStartFailure;
  }
  absl::StatusOr<std::unique_ptr<TlsContext>> tls = LoadTls(options);
  if (!tls.ok()) {
    std::fprintf(stderr, "memkv: %s\n", std::string(tls.status().message()).c_str());
    return kStartFailure;
  }
  ClientMemoryBudget client_memory(options.max_client_memory);
  RunningServerInfo info(options, io->engine, clock.NowMillis(), &client_memory);
  PipelineConfig pipeline(options.max_item_bytes, RespLimitsOf(options), auth->get());
  pipeline.protected_mode = options.protected_mode && auth->get() == nullptr;
  ServerContext server(engine->get(), &info, &pipeline, options.conn_limit);
  server.client_memory = &client_memory;
  FrontendConfig frontend_config = FrontendConfigOf(options);
  FrontendEnv env{&frontend_config, io->engine, &server, tls->get()};
  absl::StatusOr<std::unique_ptr<Frontend>> frontend = MakeFrontend(env);
  if (!frontend.ok()) {
    std::fprintf(stderr, "memkv: %s\n", std::string(frontend.status().message()).c_str());
    return absl::IsUnimplemented(frontend.status()) ? kUsageExitCode : kStartFailure;
  }
  if (absl::Status status = (*frontend)->Start(); !status.ok()) {
    std::fprintf(stderr, "memkv: %s\n", std::string(status.message()).c_str());
    (*frontend)->Stop();
    (*frontend)->Wait();
    return kStartFailure;
  }
  if (options.verbosity >= 1) {
    std::fprintf(stderr, "memkv %s: %s:%d, mode %s, io %s, %d threads\n",
                 std::string(kMemkvVersion).c_str(), options.listen_address.c_str(), options.port,
                 options.mode.c_str(), io->description.c_str(), info.thread_count());
  }
  // After the listening sockets exist, so that it is about a server that really serves.
  std::fputs(ProtectedModeWarning(options).c_str(), stderr);
  int signal_number = WaitForStop(*signals, auth->get(), options.verbosity);
  if (options.verbosity >= 1) std::fprintf(stderr, "memkv: signal %d, stopping\n", signal_number);
  (*frontend)->Stop();
  (*frontend)->Wait();
  return 0;
}

// Raises the open-file limit to fit -c, or lowers -c to what the hard limit fits, with one line
// on stderr; before any thread starts. Returns 0, or kStartFailure.
int FitDescriptors(Options* options) {
  absl::StatusOr<DescriptorLimit> limit = FitDescriptorLimit(*options);
  if (!limit.ok()) {
    std::fprintf(stderr, "memkv: %s\n", std::string(limit.status().message()).c_str());
    return kStartFailure;
  }
  if (limit->connections < options->conn_limit) {
    std::fprintf(stderr,
                 "memkv: the open-file limit (ulimit -Hn %lld) fits at most %lld connections: "
                 "-c %d lowered to %lld\n",
                 static_cast<long long>(limit->hard), static_cast<long long>(limit->connections),
                 options->conn_limit, static_cast<long long>(limit->connections));
    options->conn_limit = static_cast<int>(limit->connections);
  }
  if (options->verbosity >= 1 && limit->soft_after != limit->soft_before) {
    std::fprintf(stderr, "memkv: open-file limit raised from %lld to %lld for -c %d\n",
                 static_cast<long long>(limit->soft_before),
                 static_cast<long long>(limit->soft_after), options->conn_limit);
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
