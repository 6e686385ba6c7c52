// Test support: runs the real memkv binary on a free loopback port, and a blocking client for it.
//
// MemkvProcess starts the binary with `-p <free port> -l 127.0.0.1` plus the test's flags, waits
// until the port accepts, and on destruction stops it (SIGTERM, then SIGKILL) by its own PID only.
// TestClient is a plain blocking TCP client with a receive timeout, so that a server that fails to
// answer fails the test instead of hanging it. Header-only; one test thread at a time per object.
#ifndef MEMKV_TESTS_SUPPORT_MEMKV_PROCESS_H_
#define MEMKV_TESTS_SUPPORT_MEMKV_PROCESS_H_

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <map>
#include <memory>
#include <random>
#include <string>
#include <string_view>
#include <thread>
#include <utility>
#include <vector>

namespace memkv::testing {

// A TCP port on 127.0.0.1 that nothing listens on right now, for a server a test starts.
// Chosen at random below the kernel's ephemeral range (32768 and up by default), not by binding
// port 0: a port from the ephemeral range, free when asked, may be taken a moment later by
// another test's outgoing connection or handed to a concurrently running test (ctest -j runs
// several; the fault tests open thousands of connections), and the server's bind then fails
// (seen: "bind 127.0.0.1:58593: Address already in use" under ThreadSanitizer).
inline int FreePort() {
  static thread_local std::mt19937 rng(std::random_device{}());
  for (;;) {
    const int port = std::uniform_int_distribution<int>(20000, 32767)(rng);
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    addr.sin_port = htons(static_cast<uint16_t>(port));
    const bool free = bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) == 0;
    close(fd);
    if (free) return port;
  }
}

// Connects to 127.0.0.1:port; -1 on failure.
inline int ConnectLoopback(int port) {
  int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = htons(static_cast<uint16_t>(port));
  if (connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) != 0) {
    close(fd);
    return -1;
  }
  int one = 1;
  setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
  return fd;
}

// How many times more resident memory the server under test takes for the same work, for tests
// that bound its growth. ThreadSanitizer keeps shadow memory beside every application byte the
// server touches (four shadow bytes per byte on x86-64, plus metadata), so under it the bounds
// scale; they still sit far below what an unbounded buffer would reach. (AddressSanitizer's
// overhead fits within the plain bounds.)
#if defined(__SANITIZE_THREAD__)
inline constexpr long kResidentMemoryScale = 4;
#else
inline constexpr long kResidentMemoryScale = 1;
#endif

// Whether the server under test runs under AddressSanitizer or ThreadSanitizer: their shadow
// memory (and ASan's quarantine of freed blocks, 256 MB by default) make its peak resident memory
// say nothing about its own, so tests print that peak instead of asserting a bound on it.
#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
inline constexpr bool kSanitized = true;
#else
inline constexpr bool kSanitized = false;
#endif

class TestClient {
 public:
  // Connects, with a receive timeout of `timeout_seconds`; ok() says whether it worked.
  explicit TestClient(int port, int timeout_seconds = 20) : fd_(ConnectLoopback(port)) {
    if (fd_ < 0) return;
    timeval tv{timeout_seconds, 0};
    setsockopt(fd_, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
    setsockopt(fd_, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
  }
  ~TestClient() { Close(); }
  TestClient(const TestClient&) = delete;
  TestClient& operator=(const TestClient&) = delete;

  bool ok() const { return fd_ >= 0; }
  int fd() const { return fd_; }

  void Close() {
    if (fd_ >= 0) close(fd_);
    fd_ = -1;
  }

  // Sends every byte; false if the connection broke.
  bool Send(std::string_view data) {
    while (!data.empty()) {
      ssize_t n = send(fd_, data.data(), data.size(), MSG_NOSIGNAL);
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) return false;
      data.remove_prefix(static_cast<size_t>(n));
    }
    return true;
  }

  // Reads until the received bytes end with `suffix` (or EOF / timeout: then returns what came,
  // which will not match what the test expects).
  std::string ReadUntil(std::string_view suffix) {
    while (buffer_.size() < suffix.size() ||
           std::string_view(buffer_).substr(buffer_.size() - suffix.size()) != suffix) {
      if (!Fill()) break;
    }
    return std::exchange(buffer_, std::string());
  }

  // Reads exactly n bytes (fewer on EOF / timeout).
  std::string ReadExactly(size_t n) {
    while (buffer_.size() < n && Fill()) {
    }
    std::string out = buffer_.substr(0, std::min(n, buffer_.size()));
    buffer_.erase(0, out.size());
    return out;
  }

  // Sends `request` and reads the reply up to `suffix`.
  std::string Call(std::string_view request, std::string_view suffix = "\r\n") {
    if (!Send(request)) return "<send failed>";
    return ReadUntil(suffix);
  }

  // Shuts down the sending side (a FIN), as `nc -N` does after its input: the server sees the
  // end of the requests, and the replies can still be read.
  void ShutdownSending() { shutdown(fd_, SHUT_WR); }

  // Everything until the server closes the connection (or the read times out).
  std::string ReadToEof() {
    while (Fill()) {
    }
    return std::exchange(buffer_, std::string());
  }

  // True when the server closed the connection (reads EOF, or a reset) before any more bytes.
  bool ReadsEof() {
    if (!buffer_.empty()) return false;
    char c;
    for (;;) {
      ssize_t n = recv(fd_, &c, 1, 0);
      if (n < 0 && errno == EINTR) continue;
      return n == 0 || (n < 0 && errno == ECONNRESET);
    }
  }

 private:
  bool Fill() {
    char chunk[65536];
    for (;;) {
      ssize_t n = recv(fd_, chunk, sizeof(chunk), 0);
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) return false;
      buffer_.append(chunk, static_cast<size_t>(n));
      return true;
    }
  }

  int fd_;
  std::string buffer_;
};

// `stats` (or `stats <arg>`) as a map from name to value.
inline std::map<std::string, std::string> Stats(TestClient& client, std::string_view arg = "") {
  std::string request = arg.empty() ? "stats\r\n" : "stats " + std::string(arg) + "\r\n";
  std::string reply = client.Call(request, "END\r\n");
  std::map<std::string, std::string> stats;
  size_t pos = 0;
  while (pos < reply.size()) {
    size_t eol = reply.find("\r\n", pos);
    if (eol == std::string::npos) break;
    std::string_view line(reply.data() + pos, eol - pos);
    pos = eol + 2;
    if (line.substr(0, 5) != "STAT ") continue;
    line.remove_prefix(5);
    size_t space = line.find(' ');
    if (space == std::string_view::npos) continue;
    stats[std::string(line.substr(0, space))] = std::string(line.substr(space + 1));
  }
  return stats;
}

// Waits until the server reports `want` open connections in total (the asking one included).
// Closing is asynchronous on the server side; this polls, it does not time anything.
inline bool WaitForConnections(TestClient& client, int64_t want) {
  for (int i = 0; i < 2000; ++i) {
    auto stats = Stats(client);
    if (stats.count("curr_connections") && std::stoll(stats["curr_connections"]) == want) {
      return true;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  return false;
}

class MemkvProcess {
 public:
  // Starts `binary` with -p/-l and `args`; check ok() (and error()) before using it.
  MemkvProcess(const std::string& binary, const std::vector<std::string>& args)
      : port_(FreePort()) {
    std::vector<std::string> argv_strings = {binary, "-p", std::to_string(port_), "-l",
                                             "127.0.0.1"};
    argv_strings.insert(argv_strings.end(), args.begin(), args.end());
    std::vector<char*> argv;
    for (std::string& s : argv_strings) argv.push_back(s.data());
    argv.push_back(nullptr);
    pid_ = fork();
    if (pid_ == 0) {
      int devnull = open("/dev/null", O_RDONLY);
      dup2(devnull, 0);
      execv(argv[0], argv.data());
      _exit(127);
    }
    WaitUntilListening(port_);
  }
  ~MemkvProcess() { Stop(); }
  MemkvProcess(const MemkvProcess&) = delete;
  MemkvProcess& operator=(const MemkvProcess&) = delete;

  bool ok() const { return error_.empty(); }
  const std::string& error() const { return error_; }
  int port() const { return port_; }
  pid_t pid() const { return pid_; }

  // Whether the process still runs (no exit reaped yet).
  bool Running() {
    if (pid_ <= 0) return false;
    int status = 0;
    pid_t r = waitpid(pid_, &status, WNOHANG);
    if (r == pid_) {
      exit_status_ = status;
      pid_ = -1;
      return false;
    }
    return true;
  }

  // Sends SIGTERM and waits (up to 20 s, then SIGKILL). Returns the raw wait status.
  int Stop() {
    if (pid_ <= 0) return exit_status_;
    kill(pid_, SIGTERM);
    for (int i = 0; i < 2000; ++i) {
      int status = 0;
      if (waitpid(pid_, &status, WNOHANG) == pid_) {
        exit_status_ = status;
        pid_ = -1;
        return status;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    kill(pid_, SIGKILL);
    waitpid(pid_, &exit_status_, 0);
    pid_ = -1;
    return exit_status_;
  }

  // Waits until `port` (say a --resp-port) accepts too. The constructor only waits for -p, and
  // the server opens its ports one after another, so a second port may lag the first by a few
  // system calls. Returns ok().
  bool WaitUntilListening(int port) {
    // Startup under AddressSanitizer on a busy 2-core machine can take a while; this is a
    // readiness wait, not a timing assertion.
    for (int i = 0; i < 3000; ++i) {
      if (!Running()) {
        error_ = "memkv exited before listening, wait status " + std::to_string(exit_status_);
        return false;
      }
      int fd = ConnectLoopback(port);
      if (fd >= 0) {
        close(fd);
        return true;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    error_ = "memkv did not listen on port " + std::to_string(port);
    return false;
  }

  // Resident memory of the process in KiB (VmRSS), or -1.
  long RssKib() const { return StatusKib("VmRSS: %ld kB"); }

  // The most resident memory the process has had since it started, in KiB (VmHWM, the
  // high-water mark the kernel keeps), or -1: a peak between two samples is not missed.
  long PeakRssKib() const { return StatusKib("VmHWM: %ld kB"); }

 private:
  // The field of /proc/<pid>/status that `format` (a sscanf format with one %ld) reads, or -1.
  long StatusKib(const char* format) const {
    std::string path = "/proc/" + std::to_string(pid_) + "/status";
    FILE* f = std::fopen(path.c_str(), "r");
    if (f == nullptr) return -1;
    char line[256];
    long kib = -1;
    while (std::fgets(line, sizeof(line), f) != nullptr) {
      if (std::sscanf(line, format, &kib) == 1) break;
    }
    std::fclose(f);
    return kib;
  }

  int port_;
  pid_t pid_ = -1;
  int exit_status_ = -1;
  std::string error_;
};

}  // namespace memkv::testing

#endif  // MEMKV_TESTS_SUPPORT_MEMKV_PROCESS_H_
