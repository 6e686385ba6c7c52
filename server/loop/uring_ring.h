// UringRing and ProvidedBuffers: the io_uring instance of one UringLoop and its ring of provided
// receive buffers, set up with the best features the running kernel accepts.
//
// Setup flags, tried from the most to the least capable; a kernel that does not know a flag
// answers EINVAL and the next set is tried:
//   1. SINGLE_ISSUER | DEFER_TASKRUN | COOP_TASKRUN | SUBMIT_ALL | R_DISABLED (Linux 6.1+): one
//      thread submits, and completion work runs only when that thread enters the kernel to wait,
//      never as an interrupt of whatever it is doing. R_DISABLED because SINGLE_ISSUER binds the
//      ring to the thread that enables it, which is the loop thread (Run()), not the creator.
//   2. SINGLE_ISSUER | COOP_TASKRUN | SUBMIT_ALL | R_DISABLED (6.0).
//   3. COOP_TASKRUN | SUBMIT_ALL (5.19): completion work still waits for the next kernel entry.
//   4. none (5.6+; older kernels lack the probe and are refused).
// CQSIZE is always set: multishot receives can post many completions per submission.
//
// Threads: created on any thread; afterwards used by the loop thread only (EnableOnThisThread()
// first thing in Run()).
#ifndef MEMKV_SERVER_LOOP_URING_RING_H_
#define MEMKV_SERVER_LOOP_URING_RING_H_

#include <liburing.h>

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"

namespace memkv::server {

class UringRing {
 public:
  // Unavailable with one line saying why when io_uring cannot be used here: ENOSYS (kernel built
  // without it), EPERM (kernel.io_uring_disabled or a seccomp filter), a kernel without the
  // opcodes the loop needs. optional_flags=false skips straight to set 4 (tests of the
  // fallback).
  static absl::StatusOr<std::unique_ptr<UringRing>> Create(unsigned sq_entries, unsigned cq_entries,
                                                           bool optional_flags = true);
  ~UringRing();
  UringRing(const UringRing&) = delete;
  UringRing& operator=(const UringRing&) = delete;

  io_uring* get() { return &ring_; }
  unsigned setup_flags() const { return setup_flags_; }
  // Readable names of the setup flags the kernel accepted, for logs.
  std::string DescribeSetup() const;

  // Binds a SINGLE_ISSUER ring to the calling thread and starts it. Call once, from the thread
  // that will submit; a no-op for rings created enabled.
  absl::Status EnableOnThisThread();

  // A free submission entry, submitting what is queued when the queue is full. Never null.
  io_uring_sqe* GetSqe();

 private:
  UringRing() = default;

  io_uring ring_{};
  unsigned setup_flags_ = 0;
  bool disabled_ = false;
};

// A ring of equal receive buffers registered with the kernel (IORING_REGISTER_PBUF_RING, Linux
// 5.19+), from which multishot receives pick one buffer per completion. The loop hands the bytes
// to OnReceive and gives the buffer back at once, so buffers are only held between the kernel
// filling them and the loop reading their completions.
class ProvidedBuffers {
 public:
  // Unavailable when the kernel has no buffer rings.
  static absl::StatusOr<std::unique_ptr<ProvidedBuffers>> Register(io_uring* ring, uint16_t group,
                                                                   unsigned count,
                                                                   size_t buffer_size);
  // The ring must still exist: unregistering is implied by the ring's destruction, but the
  // memory must outlive the registration.
  ~ProvidedBuffers();
  ProvidedBuffers(const ProvidedBuffers&) = delete;
  ProvidedBuffers& operator=(const ProvidedBuffers&) = delete;

  uint16_t group() const { return group_; }
  size_t buffer_size() const { return buffer_size_; }
  const char* data(uint16_t id) const { return storage_.get() + size_t{id} * buffer_size_; }
  // Gives buffer `id` back to the kernel.
  void Recycle(uint16_t id);

 private:
  ProvidedBuffers() = default;

  io_uring_buf_ring* ring_ = nullptr;
  size_t ring_bytes_ = 0;
  std::unique_ptr<char[]> storage_;
  uint16_t group_ = 0;
  unsigned count_ = 0;
  size_t buffer_size_ = 0;
};

}  // namespace memkv::server

#endif  // MEMKV_SERVER_LOOP_URING_RING_H_
