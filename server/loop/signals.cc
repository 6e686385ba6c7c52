#include "server/loop/signals.h"

#include <signal.h>
#include <sys/signalfd.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"

namespace memkv::server {

absl::StatusOr<ShutdownSignals> ShutdownSignals::Install() {
  // SIG_IGN is process-wide kernel state, not a variable of ours; sends also use MSG_NOSIGNAL
  // where the loop can, this covers every other write.
  signal(SIGPIPE, SIG_IGN);
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGINT);
  sigaddset(&set, SIGTERM);
  // memcached's graceful stop, which its restartable cache (-e) asks operators to use.
  sigaddset(&set, SIGUSR1);
  // Blocked like the others, so that SIGHUP never kills the server (its default action): a
  // server started without --auth-file reads it and goes on.
  sigaddset(&set, SIGHUP);
  if (int err = pthread_sigmask(SIG_BLOCK, &set, nullptr); err != 0) {
    return absl::InternalError(absl::StrCat("pthread_sigmask: ", std::strerror(err)));
  }
  int fd = signalfd(-1, &set, SFD_CLOEXEC);
  if (fd < 0) return absl::InternalError(absl::StrCat("signalfd: ", std::strerror(errno)));
  return ShutdownSignals(fd);
}

ShutdownSignals::~ShutdownSignals() {
  if (fd_ >= 0) close(fd_);
}

int ShutdownSignals::Wait() {
  for (;;) {
    signalfd_siginfo info;
    ssize_t n = read(fd_, &info, sizeof(info));
    if (n == sizeof(info)) return static_cast<int>(info.ssi_signo);
    if (n < 0 && errno == EINTR) continue;
    return SIGTERM;  // the fd broke: stopping is the safe answer
  }
}

}  // namespace memkv::server
