#include "tools/bench/connection.h"

#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/time.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "tools/bench/strings.h"

namespace memkv::bench {
namespace {

// Reads are at least this big: large enough that a busy connection drains in few calls.
constexpr size_t kMinReadSpace = size_t{64} << 10;

absl::Status Errno(std::string_view what) {
  return absl::UnavailableError(Cat(what, ": ", std::strerror(errno)));
}

}  // namespace

UniqueFd& UniqueFd::operator=(UniqueFd&& other) noexcept {
  if (this != &other) {
    Reset();
    fd_ = other.Release();
  }
  return *this;
}

void UniqueFd::Reset() {
  if (fd_ >= 0) ::close(fd_);
  fd_ = -1;
}

absl::StatusOr<ServerAddress> ResolveServer(const std::string& host, uint16_t port) {
  addrinfo hints = {};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  addrinfo* found = nullptr;
  const std::string service = std::to_string(port);
  if (int rc = getaddrinfo(host.c_str(), service.c_str(), &hints, &found); rc != 0) {
    return absl::InvalidArgumentError(Cat("cannot resolve ", host, ": ", gai_strerror(rc)));
  }
  ServerAddress address;
  std::memcpy(&address.storage, found->ai_addr, found->ai_addrlen);
  address.length = found->ai_addrlen;
  freeaddrinfo(found);
  return address;
}

absl::StatusOr<std::unique_ptr<Connection>> Connection::Open(const ServerAddress& address,
                                                             int depth, int max_keys) {
  UniqueFd fd(::socket(address.storage.ss_family, SOCK_STREAM | SOCK_CLOEXEC, 0));
  if (fd.get() < 0) return Errno("socket");
  // SO_SNDTIMEO bounds a blocking connect() on Linux.
  timeval timeout = {.tv_sec = 5, .tv_usec = 0};
  setsockopt(fd.get(), SOL_SOCKET, SO_SNDTIMEO, &timeout, sizeof(timeout));
  if (::connect(fd.get(), reinterpret_cast<const sockaddr*>(&address.storage), address.length) <
      0) {
    return Errno("connect");
  }
  int one = 1;
  setsockopt(fd.get(), IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
  if (fcntl(fd.get(), F_SETFL, fcntl(fd.get(), F_GETFL) | O_NONBLOCK) < 0) return Errno("fcntl");
  return std::unique_ptr<Connection>(new Connection(std::move(fd), depth, max_keys));
}

Connection::Connection(UniqueFd fd, int depth, int max_keys)
    : fd_(std::move(fd)),
      slots_(static_cast<size_t>(depth)),
      keys_(static_cast<size_t>(depth) * static_cast<size_t>(max_keys)),
      max_keys_(static_cast<size_t>(max_keys)),
      in_(kMinReadSpace * 2) {}

absl::Span<uint64_t> Connection::Push(bool is_set, uint32_t key_count, int64_t intended_ns) {
  const size_t index = (head_ + count_) % slots_.size();
  slots_[index] = Slot{.is_set = is_set, .key_count = key_count, .intended_ns = intended_ns};
  ++count_;
  return absl::MakeSpan(keys_.data() + index * max_keys_, key_count);
}

PendingRequest Connection::FrontRequest() const {
  const Slot& slot = slots_[head_];
  return PendingRequest{
      .is_set = slot.is_set,
      .keys = absl::MakeConstSpan(keys_.data() + head_ * max_keys_, slot.key_count)};
}

void Connection::Pop() {
  head_ = (head_ + 1) % slots_.size();
  --count_;
  progress_ = ReplyProgress();
}

absl::Status Connection::Flush(bool* blocked) {
  *blocked = false;
  while (out_sent_ < out_.size()) {
    const ssize_t n =
        ::send(fd_.get(), out_.data() + out_sent_, out_.size() - out_sent_, MSG_NOSIGNAL);
    if (n > 0) {
      out_sent_ += static_cast<size_t>(n);
    } else if (errno == EAGAIN || errno == EWOULDBLOCK) {
      *blocked = true;
      return absl::OkStatus();
    } else if (errno != EINTR) {
      return Errno("send");
    }
  }
  out_.clear();
  out_sent_ = 0;
  return absl::OkStatus();
}

absl::Status Connection::Fill(bool* closed) {
  *closed = false;
  if (in_begin_ == in_end_) in_begin_ = in_end_ = 0;
  if (in_.size() - in_end_ < kMinReadSpace) {
    // Move the unparsed tail to the front; grow only when it is itself large (a big value, whose
    // size the reply parsers bound).
    std::memmove(in_.data(), in_.data() + in_begin_, in_end_ - in_begin_);
    in_end_ -= in_begin_;
    in_begin_ = 0;
    if (in_.size() - in_end_ < kMinReadSpace) in_.resize(in_.size() * 2);
  }
  // One read per call: level-triggered epoll calls again if more is waiting, and a server that
  // floods us cannot keep this loop from parsing.
  while (true) {
    const ssize_t n = ::recv(fd_.get(), in_.data() + in_end_, in_.size() - in_end_, 0);
    if (n > 0) {
      in_end_ += static_cast<size_t>(n);
      return absl::OkStatus();
    }
    if (n == 0) {
      *closed = true;
      return absl::OkStatus();
    }
    if (errno == EAGAIN || errno == EWOULDBLOCK) return absl::OkStatus();
    if (errno != EINTR) return Errno("recv");
  }
}

}  // namespace memkv::bench
