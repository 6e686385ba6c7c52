// FaultTest: the fixture of the fault tests (issue 13 item 7), a ModeEngineTest whose server runs
// at -m 64 and whose every test ends the same way: once the fault is over, a well-behaved client
// gets exact answers in the three dialects, every faulty connection is gone, and the server's
// peak resident memory (VmHWM) stayed within -m plus a stated bound.
//
// ExpectPeakRssWithinBound() is the same peak check for any test's server (integration_test.cc's
// unread-reply tests use it). Under AddressSanitizer and ThreadSanitizer the peak is printed but
// not asserted: their shadow memory (and ASan's quarantine of freed blocks, 256 MB by default)
// make resident memory say nothing about the server's own. Some tests scale their counts down there
// several times slower), and every other check holds.
//
// Threads: the test's thread, except where a function says otherwise.
#ifndef MEMKV_TESTS_SUPPORT_FAULT_TEST_H_
#define MEMKV_TESTS_SUPPORT_FAULT_TEST_H_

#include <sys/socket.h>

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <random>
#include <string>
#include <string_view>
#include <vector>

#include "gtest/gtest.h"
#include "tests/support/memkv_process.h"
#include "tests/support/mode_engine_test.h"

namespace memkv::testing {

// `release` in a release build, `sanitized` under a sanitizer (several times slower per request).
inline int Scaled(int release, int sanitized) { return kSanitized ? sanitized : release; }

// The target: peak resident memory within -m + 128 MiB at -m 64.
inline constexpr long kMemoryLimitMib = 64;
inline constexpr long kPeakAllowanceMib = 128;

// The seed of a test's random faults: MEMKV_FAULT_SEED if set (to replay a failure), else a
// fresh one. The tests put it in a SCOPED_TRACE, so that every failure prints it.
inline uint64_t FaultSeed() {
  if (const char* env = std::getenv("MEMKV_FAULT_SEED"); env != nullptr && *env != '\0') {
    return std::strtoull(env, nullptr, 10);
  }
  return (uint64_t{std::random_device{}()} << 32) | std::random_device{}();
}

// A value of `size` lowercase letters drawn from `seed`: it never contains "END" or "\r\n", so a
// reply's end is found by its last bytes, and two values of different seeds differ.
inline std::string LetterValue(uint64_t seed, size_t size) {
  std::string value(size, 'a');
  uint64_t x = seed * 0x9E3779B97F4A7C15ULL + 1;
  for (size_t i = 0; i < size; ++i) {
    x ^= x << 13;
    x ^= x >> 7;
    x ^= x << 17;
    value[i] = static_cast<char>('a' + x % 26);
  }
  return value;
}

// A RESP command of bulk strings, as a client library sends it.
inline std::string RespCommand(const std::vector<std::string_view>& parts) {
  std::string out = "*" + std::to_string(parts.size()) + "\r\n";
  for (std::string_view part : parts) {
    out += "$" + std::to_string(part.size()) + "\r\n";
    out.append(part);
    out += "\r\n";
  }
  return out;
}

// Closes `fd` with a reset instead of a FIN (SO_LINGER 0), as a crashed or killed client does.
inline void CloseWithReset(int fd) {
  linger reset{1, 0};
  setsockopt(fd, SOL_SOCKET, SO_LINGER, &reset, sizeof(reset));
  close(fd);
}

// The server's peak resident memory (VmHWM, so that no transient peak is missed) against the
// issue's bound, -m 64 + 128 MiB; printed always (docs/reliability.md quotes it), asserted
// outside the sanitizers. For a server started with -m 64 or the default -m, which is 64 too.
inline void ExpectPeakRssWithinBound(const MemkvProcess& server, std::string_view label) {
  const long peak_kib = server.PeakRssKib();
  std::printf("[ fault    ] %s: peak RSS %.1f MiB (bound %ld MiB%s)\n", std::string(label).c_str(),
              peak_kib / 1024.0, kMemoryLimitMib + kPeakAllowanceMib,
              kSanitized ? ", not checked under a sanitizer" : "");
  ASSERT_GT(peak_kib, 0);
  if (!kSanitized) {
    EXPECT_LE(peak_kib, (kMemoryLimitMib + kPeakAllowanceMib) * 1024) << label;
  }
}

class FaultTest : public ModeEngineTest {
 protected:
  // The server of a fault test: this test's mode and engine, -m 64, and `extra` flags.
  MemkvProcess* StartFaultServer(std::vector<std::string> extra = {}) {
    extra.insert(extra.begin(), {"-m", std::to_string(kMemoryLimitMib)});
    return StartServer(std::move(extra));
  }

  // A well-behaved client's exact answers: text and meta on one connection, RESP on another (a
  // connection's first byte picks its dialect), a value of each size class, a counter, a delete.
  // `tag` keeps its keys apart from the test's own (and from another check's).
  void ExpectExactAnswers(std::string_view tag) {
    SCOPED_TRACE("well-behaved client " + std::string(tag));
    TestClient text(server_->port());
    TestClient resp(server_->port());
    ASSERT_TRUE(text.ok() && resp.ok());
    std::string key = "wb:" + std::string(tag);
    for (char& c : key) c = c == ' ' ? '_' : c;
    for (size_t size : {size_t{1}, size_t{3000}, size_t{200000}}) {
      const std::string value = LetterValue(size, size);
      const std::string n = std::to_string(size);
      EXPECT_EQ(text.Call("set " + key + " 7 0 " + n + "\r\n" + value + "\r\nget " + key + "\r\n",
                          "END\r\n"),
                "STORED\r\nVALUE " + key + " 7 " + n + "\r\n" + value + "\r\nEND\r\n");
      EXPECT_EQ(text.Call("mg " + key + " s v f\r\n", value + "\r\n"),
                "VA " + n + " s" + n + " f7\r\n" + value + "\r\n");
      EXPECT_EQ(resp.Call(RespCommand({"GET", key}), value + "\r\n"),
                "$" + n + "\r\n" + value + "\r\n");
    }
    EXPECT_EQ(resp.Call(RespCommand({"SET", key + ":n", "41"})), "+OK\r\n");
    EXPECT_EQ(resp.Call(RespCommand({"INCR", key + ":n"})), ":42\r\n");
    EXPECT_EQ(text.Call("incr " + key + ":n 8\r\n"), "50\r\n");
    EXPECT_EQ(text.Call("delete " + key + "\r\nget " + key + "\r\n", "END\r\n"),
              "DELETED\r\nEND\r\n");
    EXPECT_EQ(resp.Call(RespCommand({"GET", key})), "$-1\r\n");
  }

  // The end of every fault test: exact answers, only the asking connection left open (so no
  // faulty connection leaked), the server running, and its peak memory within the bound.
  void ExpectRecovered(std::string_view fault) {
    ExpectExactAnswers(fault);
    TestClient asker(server_->port());
    EXPECT_TRUE(WaitForConnections(asker, 1)) << "faulty connections are still open";
    EXPECT_TRUE(server_->Running());
    ExpectPeakWithinBound(fault);
  }

  // VmHWM against -m + 128 MiB (ExpectPeakRssWithinBound).
  void ExpectPeakWithinBound(std::string_view fault) {
    ExpectPeakRssWithinBound(*server_, std::string(fault) + " " + mode() + "/" + io());
  }
};

}  // namespace memkv::testing

#endif  // MEMKV_TESTS_SUPPORT_FAULT_TEST_H_
