// UringLoop: the EventLoop over io_uring (liburing), with true completions: accepts, receives
// and sends are submitted to the ring and their results come back as completion entries. Only the
// engine lives here (what is submitted, how completions are reaped); streams, deferred
// callbacks, Run() and Post() are EventLoopCore's.
//
// What it uses, each with its fallback on kernels that lack it (decided once per loop at the
// first refusal, never per connection):
//   - Setup flags SINGLE_ISSUER, DEFER_TASKRUN, COOP_TASKRUN, SUBMIT_ALL (see uring_ring.h).
//   - Multishot accept (5.19) on unshared listening sockets: one submission accepts until
//     cancelled. On shared sockets, and as the fallback, one accept per connection, submitted
//     again after each completion: a multishot accept stays first in the socket's wait queue
//     and takes every connection even while its loop is busy (the two-loop test hangs with it),
//     whereas a re-armed accept joins the back of the queue and a busy loop has none armed.
//   - Multishot receive (6.0) with a ring of provided buffers (5.19): one submission per stream
//     delivers every arrival into a buffer the kernel picks. Fallback: one receive at a time into
//     a buffer of the stream's own. When all provided buffers are in use the kernel ends the
//     multishot receive with ENOBUFS; it is submitted again at once (the buffers are recycled by
//     then), so exhaustion slows a stream down but never stalls it.
//   - Sends through the ring with MSG_DONTWAIT: SEND for one slice, SENDMSG over at most IOV_MAX
//     slices for a gather, its message header and slice array held by the stream until the
//     completion; a short send is resubmitted with the remainder, a full socket waits for a
//     POLLOUT poll submitted to the ring.
//   - Post() wakes the loop through an eventfd read that is always pending in the ring.
//   - While an idle timeout is set, a TIMEOUT operation (5.4) ends the wait at the core's next
//     tick; one at a time, armed again each turn it is not pending.
//   - Submissions are batched: everything a turn prepares goes to the kernel in the one
//     io_uring_submit_and_wait() that also waits for the next turn's completions.
//
// No zero-copy sends (SEND_ZC, SENDMSG_ZC; 6.0/6.1). Measured on kernel 6.18, liburing 2.3, the
// 2-core shared VM of the tests: one 1 MiB buffer sent 1,000 times over loopback TCP by a single
// io_uring SEND or SEND_ZC (then waiting for its notification before reusing the buffer, as a
// server must), a thread draining the other end, CPU time from getrusage; 10 alternating runs.
// Process CPU per send: SEND median ~320 us (285-391), SEND_ZC median ~370 us (181-454); the
// sending thread alone ~160 us either way (SEND_ZC 84-227: no steadier either). The kernel
// marked every zero-copy send as copied (IORING_NOTIF_USAGE_ZC_COPIED): a peer on the same host
// gets a copy regardless, so zero-copy only adds page pinning and a second completion. Over a
// real NIC it can save the copy of large sends, but it would change the seam's contract: the
// bytes stay the kernel's until the notification, which comes once the peer has acknowledged
// them (a round trip, or a retransmission, later), so OnSendComplete, and the pin on stored
// values a reply points at, would wait that long; and every short MSG_DONTWAIT send would bring
// a notification of its own. A cache's replies are mostly small. Worth another look only with a
// NIC measurement on large values.
//
// Closing: CloseStream (or an error) cancels the stream's receive and send; the fd is closed and
// OnClosed runs only once the last completion of that stream has come back (HasIoInFlight), so
// a descriptor number is never reused while the kernel still holds an operation on it.
//
// Back-pressure: PauseReceive cancels the pending receive, so unread bytes stay in the socket
// and the TCP window closes. Bytes that were already on their way are kept and delivered after
// ResumeReceive. With nothing armed, a paused stream notices a reset by its peer only through a
// send in flight or after ResumeReceive (EpollLoop sees it at once, since EPOLLERR cannot be
// masked); a paused Connection always has one or the other coming.
//
// Half-close: a receive that completes with 0 (the peer's FIN) is not armed again. OnPeerClosed
// follows the bytes that arrived before the FIN, so on a paused stream it waits for
// ResumeReceive and the delivery of what was held. Sends go on; with no receive armed, a reset
// after that is noticed through a send, as for a paused stream.
//
// Threads: as EventLoop. Methods other than Post() and Stop() may also be called before Run()
// from the creating thread; their submissions wait for Run(), since a SINGLE_ISSUER ring belongs
// to the thread that runs it.
#ifndef MEMKV_SERVER_LOOP_URING_LOOP_H_
#define MEMKV_SERVER_LOOP_URING_LOOP_H_

#include <linux/time_types.h>
#include <sys/socket.h>

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "server/loop/event_loop_core.h"
#include "server/loop/socket_util.h"
#include "server/loop/uring_ring.h"

namespace memkv::server {

class UringLoop final : public EventLoopCore {
 public:
  // The defaults use whatever the kernel has; tests turn features off to run the fallbacks.
  struct Options {
    bool optional_setup_flags = true;  // false: no SINGLE_ISSUER, DEFER_TASKRUN, ...
    bool multishot_accept = true;
    // Size of the provided-buffer ring (a power of two): 256 x 16 KiB = 4 MiB per loop. Buffers
    // go back to the kernel as soon as OnReceive returns, so they only need to cover what
    // arrives during one turn. 0: single-shot receives into per-stream buffers.
    unsigned provided_buffers = 256;
  };
  static absl::StatusOr<std::unique_ptr<UringLoop>> Create(const Options& options);
  ~UringLoop() override;

  IoEngine engine() const override { return IoEngine::kUring; }
  // Setup flags and which of multishot accept / receive are in use.
  std::string Describe() const override;
  absl::Status StartAccepting(int listen_fd, AcceptCallback on_accept) override;
  absl::Status StartAcceptingUnshared(int listen_fd, AcceptCallback on_accept) override;

 private:
  struct Listener {
    int fd = -1;
    uint32_t index = 0;
    AcceptCallback on_accept;
    bool unshared = false;  // multishot accept allowed
    bool accept_armed = false;
    uint8_t waiting_op = 0;        // kAcceptPoll or kAcceptRetry in flight, else 0
    __kernel_timespec retry_in{};  // read by the kernel when the timeout is submitted
  };
  struct Stream : StreamState {
    bool send_armed = false;
    uint8_t send_op = 0;      // kSend or kSendPoll, while send_armed
    msghdr send_message{};    // of a SENDMSG in flight: the kernel reads it until its completion
    bool recv_armed = false;  // until the final completion (no IORING_CQE_F_MORE) arrives
    uint32_t recv_seq = 0;    // which receive is armed; see the user_data layout
    std::unique_ptr<char[]> recv_buffer;  // single-shot receives only
    // The armed receive reads into the handler's ReceiveTarget (always single-shot).
    bool recv_into_target = false;
    // The armed multishot receive was cancelled so that the next one reads into the target.
    bool recv_retarget = false;
  };

  UringLoop(std::unique_ptr<UringRing> ring, std::unique_ptr<ProvidedBuffers> buffers,
            UniqueFd wake_fd);
  Stream* Find(int fd) { return static_cast<Stream*>(FindStream(fd)); }

  // EventLoopCore hooks.
  std::unique_ptr<StreamState> NewStream() override;
  void StartSend(StreamState* stream) override;
  absl::Status StartStream(StreamState* stream) override;
  void UpdateReceiving(StreamState* stream) override;
  void ReceiveTargetChanged(int fd) override;
  void CancelIo(StreamState* stream) override;
  bool HasIoInFlight(const StreamState& stream) const override;
  bool StartEngine() override;
  bool WaitAndHandle() override;
  void StopEngine() override;

  absl::Status AddListener(int listen_fd, AcceptCallback on_accept, bool unshared);
  void ArmAll();
  void ArmWake();
  void ArmTick();
  void ArmAccept(Listener* listener);
  void WaitForListener(Listener* listener, uint8_t op);
  void ArmRecv(Stream* stream);
  void ArmSend(Stream* stream);
  void ArmSendPoll(Stream* stream);
  void Cancel(uint64_t target);
  void HandleCancel(uint64_t target, int res);
  bool StillUnwanted(uint64_t target) const;
  bool AnythingInFlight() const;
  void ReapCompletions();
  void HandleCompletion(uint64_t user_data, int res, uint32_t flags);
  void HandleStreamCompletion(uint64_t user_data, int res, uint32_t flags);
  void HandleAccept(Listener* listener, int res, uint32_t flags);
  bool HandleAcceptError(Listener* listener, int error);
  void HandleRecv(Stream* stream, uint32_t seq, int res, uint32_t flags);
  void HandleRecvError(Stream* stream, int error);
  void HandleSend(Stream* stream, int res);
  void HandleSendPoll(Stream* stream);

  // Members are destroyed bottom-up: the ring goes before the buffers it was given.
  std::unique_ptr<ProvidedBuffers> buffers_;  // null: the kernel has no buffer rings
  bool multishot_recv_;                       // else single-shot receives
  std::unique_ptr<UringRing> ring_;
  uint64_t wake_value_ = 0;  // the eventfd read's target
  bool wake_armed_ = false;
  bool tick_armed_ = false;
  __kernel_timespec tick_in_{};   // of the armed tick: read by the kernel when it is submitted
  bool multishot_accept_ = true;  // the kernel has it (5.19+); used for unshared sockets only
  bool running_ = false;          // between Run()'s start and its end: submissions go to the kernel
  bool shutting_down_ = false;
  std::vector<std::unique_ptr<Listener>> listeners_;
};

}  // namespace memkv::server

#endif  // MEMKV_SERVER_LOOP_URING_LOOP_H_
