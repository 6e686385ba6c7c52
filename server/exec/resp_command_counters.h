// RespCommandCounters: what one thread counts about the RESP commands it executes, for INFO's
// commandstats and errorstats sections: per command (by a slot the RESP executor assigns to
// each command and subcommand) its calls, microseconds, rejected and failed calls; and the error
// replies it sent, by error code (the reply's first word: "ERR", "NOAUTH", ...).
//
// Threads: as CommandStats (command_stats.h), whose member it is: only the owning thread counts,
// with plain relaxed stores, so the request path takes no lock and no locked instruction; any
// thread reads (INFO adds every thread's up, CONFIG RESETSTAT snapshots them).
#ifndef MEMKV_SERVER_EXEC_RESP_COMMAND_COUNTERS_H_
#define MEMKV_SERVER_EXEC_RESP_COMMAND_COUNTERS_H_

#include <array>
#include <atomic>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "server/exec/counter.h"

namespace memkv::server {

// Room for every RESP command and subcommand memkv has (resp_command_stats.cc checks the table
// fits; a command beyond it is not counted).
inline constexpr size_t kRespCommandSlots = 128;
// Distinct error codes one thread tracks. memkv's replies use a handful (ERR, NOAUTH, WRONGPASS,
// OOM, ...); Redis stops tracking at 128. Replies with a code beyond the room still count in
// total_error_replies.
inline constexpr size_t kRespErrorCodes = 16;
// Redis takes the code from the first 32 bytes of the reply.
inline constexpr size_t kRespErrorCodeBytes = 31;

struct RespCommandCounter {
  Counter calls;
  Counter nanos;           // time in the handler (INFO shows microseconds)
  Counter rejected_calls;  // refused before running: arity, authentication
  Counter failed_calls;    // ran and replied an error
};

class RespErrorCounters {
 public:
  // Counts one error reply with code `code` (at most kRespErrorCodeBytes). Owning thread only.
  void Add(std::string_view code);
  // Codes seen so far; entries below size() never change but for their count.
  size_t size() const { return size_.load(std::memory_order_acquire); }
  std::string_view code(size_t i) const { return {entries_[i].code, entries_[i].length}; }
  uint64_t count(size_t i) const { return entries_[i].count.Get(); }
  // Error replies whose code found no room.
  uint64_t untracked() const { return untracked_.Get(); }

 private:
  struct Entry {
    char code[kRespErrorCodeBytes] = {};
    uint8_t length = 0;
    Counter count;
  };
  std::array<Entry, kRespErrorCodes> entries_;
  // Published with release after an entry's code is written, so a reader that sees the size
  // sees the code.
  std::atomic<size_t> size_{0};
  Counter untracked_;
};

struct RespCommandCounters {
  std::array<RespCommandCounter, kRespCommandSlots> commands;
  RespErrorCounters errors;
};

// One thread's RESP counters read at one moment, or a sum or difference of such readings.
struct RespCountersSnapshot {
  struct Command {
    uint64_t calls = 0, nanos = 0, rejected_calls = 0, failed_calls = 0;
  };
  std::array<Command, kRespCommandSlots> commands{};
  std::vector<std::pair<std::string, uint64_t>> errors;  // by code, in the order first seen
  uint64_t untracked_errors = 0;

  static RespCountersSnapshot Of(const RespCommandCounters& counters);
  // Adds `other` in (errors merged by code).
  void Add(const RespCountersSnapshot& other);
  // Each figure of *this less the one of `base`, 0 where base is larger.
  RespCountersSnapshot Minus(const RespCountersSnapshot& base) const;
  // Every error reply counted: total_error_replies.
  uint64_t TotalErrors() const;
};

}  // namespace memkv::server

#endif  // MEMKV_SERVER_EXEC_RESP_COMMAND_COUNTERS_H_
