// INFO commandstats and errorstats: which counter slot each command and subcommand has, the
// counting after each command (ExecuteResp), and the sections' lines in Redis 7.0's format.
#include <algorithm>
#include <array>
#include <functional>
#include <map>

#include "absl/strings/str_format.h"
#include "server/exec/resp/resp_commands.h"

namespace memkv::server::resp {
namespace {

// Every command table, in slot order: the top-level commands, then each container's
// subcommands. A command's slot is its index in this concatenation.
std::array<absl::Span<const CommandSpec>, 6> Tables() {
  return {CommandTable(),       ClientSubcommands(), ConfigSubcommands(),
          CommandSubcommands(), ObjectSubcommands(), MemorySubcommands()};
}

// The slot of `spec`, or kRespCommandSlots for one beyond the room (not counted). A few pointer
// comparisons: the top-level table, where the hot commands are, is looked at first.
size_t SlotOf(const CommandSpec* spec) {
  size_t base = 0;
  std::less<const CommandSpec*> before;
  for (absl::Span<const CommandSpec> table : Tables()) {
    if (!before(spec, table.data()) && before(spec, table.data() + table.size())) {
      const size_t slot = base + static_cast<size_t>(spec - table.data());
      return std::min(slot, kRespCommandSlots);
    }
    base += table.size();
  }
  return kRespCommandSlots;
}

// The code of the error reply at out[reply_start], as Redis's afterErrorReply takes it: the
// reply's first word if a space comes within its first 32 bytes, else "ERR". Empty when the
// reply is not an error.
std::string_view ErrorCode(const std::string& out, size_t reply_start) {
  if (out.size() <= reply_start || out[reply_start] != '-') return {};
  std::string_view reply(out.data() + reply_start + 1, out.size() - reply_start - 1);
  const size_t space = reply.substr(0, 31).find(' ');
  return space == std::string_view::npos ? std::string_view("ERR") : reply.substr(0, space);
}

}  // namespace

void CountErrorReply(CommandStats& stats, const std::string& out, size_t reply_start) {
  std::string_view code = ErrorCode(out, reply_start);
  if (!code.empty()) stats.resp.errors.Add(code);
}

void CountCommand(const Call& call, size_t reply_start, uint64_t nanos, bool resumed) {
  CommandStats& stats = call.stats();
  const std::string_view code = ErrorCode(*call.out, reply_start);
  if (!code.empty()) stats.resp.errors.Add(code);
  if (call.spec == nullptr) return;
  const size_t slot = SlotOf(call.spec);
  if (slot >= kRespCommandSlots) return;
  RespCommandCounter& counter = stats.resp.commands[slot];
  if (call.rejected) {
    counter.rejected_calls.Add();
    return;
  }
  if (!resumed) counter.calls.Add();
  counter.nanos.Add(nanos);
  if (!code.empty()) counter.failed_calls.Add();
}

RespCounterLines RespCounterSections(const Call& call, const StatsBaseline& baseline) {
  RespCountersSnapshot sum;
  if (call.context.server == nullptr) {
    sum = baseline.RespSince(call.stats());
  } else {
    for (const auto& [name, stats] : call.context.server->AllThreadStats()) {
      sum.Add(baseline.RespSince(*stats));
    }
  }
  RespCounterLines lines;
  size_t slot = 0;
  for (absl::Span<const CommandSpec> table : Tables()) {
    for (const CommandSpec& spec : table) {
      if (slot >= kRespCommandSlots) break;
      const RespCountersSnapshot::Command& c = sum.commands[slot++];
      // Redis lists a command once it was called, refused or failed.
      if (c.calls == 0 && c.rejected_calls == 0 && c.failed_calls == 0) continue;
      const uint64_t usec = c.nanos / 1000;
      absl::StrAppendFormat(&lines.commandstats,
                            "cmdstat_%s:calls=%d,usec=%d,usec_per_call=%.2f,rejected_calls=%d,"
                            "failed_calls=%d\r\n",
                            std::string(spec.name), c.calls, usec,
                            c.calls == 0 ? 0.0 : static_cast<double>(usec) / c.calls,
                            c.rejected_calls, c.failed_calls);
    }
  }
  // Redis keeps the codes in a radix tree: listed in byte order.
  std::map<std::string, uint64_t> errors(sum.errors.begin(), sum.errors.end());
  for (const auto& [code, count] : errors) {
    absl::StrAppendFormat(&lines.errorstats, "errorstat_%s:count=%d\r\n", code, count);
  }
  lines.total_error_replies = sum.TotalErrors();
  return lines;
}

}  // namespace memkv::server::resp
