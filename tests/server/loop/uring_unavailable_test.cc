// MakeUringLoop where io_uring is refused, as under kernel.io_uring_disabled=2 (EPERM) or on a
// kernel built without it (ENOSYS): a seccomp filter in a forked child makes io_uring_setup fail
// with that errno, and the loop must answer Unavailable with one clear line, so that callers can
// fall back to epoll. No crash, no partial loop.
#include <linux/audit.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <stddef.h>
#include <sys/prctl.h>
#include <sys/syscall.h>

#include <cstdio>
#include <cstdlib>
#include <string>

#include "gtest/gtest.h"
#include "server/loop/event_loop.h"

namespace memkv::server {
namespace {

// Makes io_uring_setup fail with `error` in this process from now on.
bool RefuseIoUringSetup(int error) {
  sock_filter filter[] = {
      BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(seccomp_data, nr)),
      BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, __NR_io_uring_setup, 0, 1),
      BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ERRNO | (error & SECCOMP_RET_DATA)),
      BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
  };
  sock_fprog program{static_cast<unsigned short>(sizeof(filter) / sizeof(filter[0])), filter};
  return prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) == 0 &&
         prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, &program) == 0;
}

// Runs in the forked child: exit code 0 when the loop says Unavailable; the message goes to
// stderr for the death-test matcher.
void ExpectUnavailableWith(int error) {
  if (!RefuseIoUringSetup(error)) {
    std::fprintf(stderr, "cannot install the seccomp filter\n");
    std::exit(2);
  }
  absl::StatusOr<std::unique_ptr<EventLoop>> loop = MakeEventLoop(IoEngine::kUring);
  if (loop.ok()) std::exit(3);
  std::fprintf(stderr, "%s\n", std::string(loop.status().message()).c_str());
  std::exit(absl::IsUnavailable(loop.status()) ? 0 : 4);
}

TEST(UringUnavailableDeathTest, RefusedSetupIsUnavailableWithTheReason) {
  GTEST_FLAG_SET(death_test_style, "threadsafe");
  EXPECT_EXIT(ExpectUnavailableWith(EPERM), ::testing::ExitedWithCode(0),
              "kernel.io_uring_disabled or seccomp");
}

TEST(UringUnavailableDeathTest, MissingSyscallIsUnavailableWithTheReason) {
  GTEST_FLAG_SET(death_test_style, "threadsafe");
  EXPECT_EXIT(ExpectUnavailableWith(ENOSYS), ::testing::ExitedWithCode(0),
              "kernel without io_uring");
}

}  // namespace
}  // namespace memkv::server
