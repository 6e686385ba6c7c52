#include "server/loop/uring_ring.h"

#include <errno.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"

namespace memkv::server {
namespace {

// The opcodes UringLoop submits, with the kernel that brought them.
struct NeededOp {
  int opcode;
  const char* name;
};
constexpr NeededOp kNeededOps[] = {
    {IORING_OP_ACCEPT, "ACCEPT (5.5)"}, {IORING_OP_RECV, "RECV (5.6)"},
    {IORING_OP_SEND, "SEND (5.6)"},     {IORING_OP_SENDMSG, "SENDMSG (5.3)"},
    {IORING_OP_READ, "READ (5.6)"},     {IORING_OP_ASYNC_CANCEL, "ASYNC_CANCEL"},
    {IORING_OP_POLL_ADD, "POLL_ADD"},   {IORING_OP_TIMEOUT, "TIMEOUT"},
};

constexpr unsigned kFlagSets[] = {
    IORING_SETUP_SINGLE_ISSUER | IORING_SETUP_DEFER_TASKRUN | IORING_SETUP_COOP_TASKRUN |
        IORING_SETUP_SUBMIT_ALL | IORING_SETUP_R_DISABLED,
    IORING_SETUP_SINGLE_ISSUER | IORING_SETUP_COOP_TASKRUN | IORING_SETUP_SUBMIT_ALL |
        IORING_SETUP_R_DISABLED,
    IORING_SETUP_COOP_TASKRUN | IORING_SETUP_SUBMIT_ALL,
    0,
};

absl::Status Unavailable(const char* what, int error) {
  return absl::UnavailableError(absl::StrCat(what, ": ", strerror(error)));
}

// Checks that the kernel knows every opcode the loop uses.
absl::Status Probe(io_uring* ring) {
  io_uring_probe* probe = io_uring_get_probe_ring(ring);
  if (probe == nullptr) {
    return absl::UnavailableError("io_uring too old (no opcode probe; Linux 5.6+ needed)");
  }
  std::vector<std::string> missing;
  for (const NeededOp& op : kNeededOps) {
    if (!io_uring_opcode_supported(probe, op.opcode)) missing.push_back(op.name);
  }
  io_uring_free_probe(probe);
  if (missing.empty()) return absl::OkStatus();
  return absl::UnavailableError(
      absl::StrCat("io_uring lacks opcodes ", absl::StrJoin(missing, ", ")));
}

}  // namespace

absl::StatusOr<std::unique_ptr<UringRing>> UringRing::Create(unsigned sq_entries,
                                                             unsigned cq_entries,
                                                             bool optional_flags) {
  std::unique_ptr<UringRing> ring(new UringRing());
  int result = -EINVAL;
  for (unsigned flags : kFlagSets) {
    if (!optional_flags && flags != 0) continue;
    io_uring_params params{};
    params.flags = flags | IORING_SETUP_CQSIZE;
    params.cq_entries = cq_entries;
    result = io_uring_queue_init_params(sq_entries, &ring->ring_, &params);
    if (result == 0) {
      ring->setup_flags_ = flags;
      ring->disabled_ = (flags & IORING_SETUP_R_DISABLED) != 0;
      break;
    }
    if (result != -EINVAL) break;  // EPERM, ENOSYS, ENOMEM: no other flags will help
  }
  if (result != 0) {
    const char* why = result == -EPERM    ? "io_uring_setup refused (kernel.io_uring_disabled or "
                                            "seccomp)"
                      : result == -ENOSYS ? "io_uring_setup missing (kernel without io_uring)"
                                          : "io_uring_setup";
    return Unavailable(why, -result);
  }
  if (absl::Status probed = Probe(&ring->ring_); !probed.ok()) return probed;
  return ring;
}

UringRing::~UringRing() { io_uring_queue_exit(&ring_); }

std::string UringRing::DescribeSetup() const {
  std::vector<const char*> names;
  if (setup_flags_ & IORING_SETUP_SINGLE_ISSUER) names.push_back("SINGLE_ISSUER");
  if (setup_flags_ & IORING_SETUP_DEFER_TASKRUN) names.push_back("DEFER_TASKRUN");
  if (setup_flags_ & IORING_SETUP_COOP_TASKRUN) names.push_back("COOP_TASKRUN");
  if (setup_flags_ & IORING_SETUP_SUBMIT_ALL) names.push_back("SUBMIT_ALL");
  return names.empty() ? "no setup flags" : absl::StrJoin(names, "|");
}

absl::Status UringRing::EnableOnThisThread() {
  if (!disabled_) return absl::OkStatus();
  // io_uring_enable_rings() is declared by liburing 2.3 but missing from its shared library:
  // call the register syscall directly.
  if (syscall(__NR_io_uring_register, ring_.ring_fd, IORING_REGISTER_ENABLE_RINGS, nullptr, 0) <
      0) {
    return absl::ErrnoToStatus(errno, "io_uring enable rings");
  }
  disabled_ = false;
  return absl::OkStatus();
}

io_uring_sqe* UringRing::GetSqe() {
  for (;;) {
    io_uring_sqe* sqe = io_uring_get_sqe(&ring_);
    if (sqe != nullptr) return sqe;
    // The queue is full: hand it to the kernel now. With SUBMIT_ALL nothing is left behind; an
    // error (EBUSY while completions overflow) leaves entries queued, and retrying after the
    // caller consumed completions is the only way forward, so give the kernel a moment.
    if (io_uring_submit(&ring_) < 0) io_uring_submit_and_wait(&ring_, 1);
  }
}

absl::StatusOr<std::unique_ptr<ProvidedBuffers>> ProvidedBuffers::Register(io_uring* ring,
                                                                           uint16_t group,
                                                                           unsigned count,
                                                                           size_t buffer_size) {
  std::unique_ptr<ProvidedBuffers> buffers(new ProvidedBuffers());
  buffers->ring_bytes_ = count * sizeof(io_uring_buf);
  void* memory = mmap(nullptr, buffers->ring_bytes_, PROT_READ | PROT_WRITE,
                      MAP_ANONYMOUS | MAP_PRIVATE, -1, 0);
  if (memory == MAP_FAILED) return absl::ErrnoToStatus(errno, "mmap(buffer ring)");
  buffers->ring_ = static_cast<io_uring_buf_ring*>(memory);
  buffers->storage_ = std::make_unique<char[]>(count * buffer_size);
  buffers->group_ = group;
  buffers->count_ = count;
  buffers->buffer_size_ = buffer_size;
  io_uring_buf_ring_init(buffers->ring_);
  io_uring_buf_reg reg{};
  reg.ring_addr = reinterpret_cast<uintptr_t>(memory);
  reg.ring_entries = count;
  reg.bgid = group;
  int result = io_uring_register_buf_ring(ring, &reg, 0);
  if (result < 0) return Unavailable("io_uring buffer ring (Linux 5.19+)", -result);
  int mask = io_uring_buf_ring_mask(count);
  for (unsigned id = 0; id < count; ++id) {
    io_uring_buf_ring_add(buffers->ring_, buffers->storage_.get() + size_t{id} * buffer_size,
                          buffer_size, id, mask, id);
  }
  io_uring_buf_ring_advance(buffers->ring_, count);
  return buffers;
}

ProvidedBuffers::~ProvidedBuffers() {
  if (ring_ != nullptr) munmap(ring_, ring_bytes_);
}

void ProvidedBuffers::Recycle(uint16_t id) {
  io_uring_buf_ring_add(ring_, storage_.get() + size_t{id} * buffer_size_, buffer_size_, id,
                        io_uring_buf_ring_mask(count_), 0);
  io_uring_buf_ring_advance(ring_, 1);
}

}  // namespace memkv::server
