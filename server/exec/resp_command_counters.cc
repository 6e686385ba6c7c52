#include "server/exec/resp_command_counters.h"

#include <algorithm>
#include <cstring>

namespace memkv::server {
namespace {

uint64_t Minus(uint64_t value, uint64_t base) { return value > base ? value - base : 0; }

}  // namespace

void RespErrorCounters::Add(std::string_view code) {
  code = code.substr(0, kRespErrorCodeBytes);
  const size_t n = size_.load(std::memory_order_relaxed);  // only this thread writes it
  for (size_t i = 0; i < n; ++i) {
    if (this->code(i) == code) {
      entries_[i].count.Add();
      return;
    }
  }
  if (n == entries_.size()) {
    untracked_.Add();
    return;
  }
  Entry& entry = entries_[n];
  std::memcpy(entry.code, code.data(), code.size());
  entry.length = static_cast<uint8_t>(code.size());
  entry.count.Add();
  size_.store(n + 1, std::memory_order_release);
}

RespCountersSnapshot RespCountersSnapshot::Of(const RespCommandCounters& counters) {
  RespCountersSnapshot out;
  for (size_t i = 0; i < kRespCommandSlots; ++i) {
    const RespCommandCounter& c = counters.commands[i];
    out.commands[i] = {c.calls.Get(), c.nanos.Get(), c.rejected_calls.Get(), c.failed_calls.Get()};
  }
  const size_t n = counters.errors.size();
  for (size_t i = 0; i < n; ++i) {
    out.errors.emplace_back(std::string(counters.errors.code(i)), counters.errors.count(i));
  }
  out.untracked_errors = counters.errors.untracked();
  return out;
}

void RespCountersSnapshot::Add(const RespCountersSnapshot& other) {
  for (size_t i = 0; i < kRespCommandSlots; ++i) {
    commands[i].calls += other.commands[i].calls;
    commands[i].nanos += other.commands[i].nanos;
    commands[i].rejected_calls += other.commands[i].rejected_calls;
    commands[i].failed_calls += other.commands[i].failed_calls;
  }
  for (const auto& error : other.errors) {
    // Not a structured binding: clang 14 (the fuzz build's) cannot capture one in a lambda.
    const auto& code = error.first;
    auto it = std::find_if(errors.begin(), errors.end(),
                           [&code](const auto& entry) { return entry.first == code; });
    if (it == errors.end()) {
      errors.emplace_back(code, error.second);
    } else {
      it->second += error.second;
    }
  }
  untracked_errors += other.untracked_errors;
}

RespCountersSnapshot RespCountersSnapshot::Minus(const RespCountersSnapshot& base) const {
  RespCountersSnapshot out;
  for (size_t i = 0; i < kRespCommandSlots; ++i) {
    out.commands[i] = {server::Minus(commands[i].calls, base.commands[i].calls),
                       server::Minus(commands[i].nanos, base.commands[i].nanos),
                       server::Minus(commands[i].rejected_calls, base.commands[i].rejected_calls),
                       server::Minus(commands[i].failed_calls, base.commands[i].failed_calls)};
  }
  for (const auto& [code, count] : errors) {
    uint64_t before = 0;
    for (const auto& [base_code, base_count] : base.errors) {
      if (base_code == code) before = base_count;
    }
    // Redis forgets every code at CONFIG RESETSTAT: a code not seen since is not listed.
    if (count > before) out.errors.emplace_back(code, count - before);
  }
  out.untracked_errors = server::Minus(untracked_errors, base.untracked_errors);
  return out;
}

uint64_t RespCountersSnapshot::TotalErrors() const {
  uint64_t total = untracked_errors;
  for (const auto& entry : errors) total += entry.second;
  return total;
}

}  // namespace memkv::server
