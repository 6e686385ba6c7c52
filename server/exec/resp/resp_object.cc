// OBJECT (ENCODING, FREQ, IDLETIME, REFCOUNT, HELP) and MEMORY (USAGE, STATS, DOCTOR,
// MALLOC-STATS, PURGE, HELP) for memkv's one value type, the string, answered as Redis 7.0 answers
// them with maxmemory set and maxmemory-policy allkeys-lru (what memkv does: INFO
// maxmemory_policy).
#include <algorithm>
#include <array>
#include <string>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "protocol/resp/resp_reply_encoder.h"
#include "protocol/resp/resp_request_parser.h"
#include "server/exec/resp/resp_commands.h"
#include "server/exec/resp/resp_info_sections.h"
#include "storage/item_record.h"

namespace memkv::server::resp {
namespace {

using protocol::AppendError;
using protocol::AppendInteger;

// What OBJECT and MEMORY USAGE need of a key, read without counting as an access (Redis looks
// the key up with LOOKUP_NOTOUCH): its idle time must not reset by being asked.
struct ObjectFacts {
  bool found = false;
  int64_t last_access_millis = 0;
  size_t value_size = 0;
  // Redis's OBJECT ENCODING of the value (tryObjectEncoding's rules on the bytes).
  std::string_view encoding;
  // What the item adds to INFO used_memory: its record in a segment (header, flags, expiry,
  // key, value padded to 8 bytes) and, for a large value, the value's block.
  size_t record_bytes = 0;
};

std::string_view EncodingOf(std::string_view value) {
  int64_t ignored = 0;
  if (value.size() <= 20 && protocol::RedisStringToInt64(value, &ignored)) return "int";
  return value.size() <= 44 ? "embstr" : "raw";  // OBJ_ENCODING_EMBSTR_SIZE_LIMIT
}

ObjectFacts Look(Call& call, std::string_view key) {
  ObjectFacts facts;
  (void)call.engine().Update(key, [&facts](const storage::ItemView* current) {
    if (current != nullptr) {
      facts.found = true;
      facts.last_access_millis = current->last_access_millis;
      facts.value_size = current->value.size();
      facts.encoding = EncodingOf(current->value);
      storage::ItemMeta meta;
      meta.client_flags = current->client_flags;
      meta.expiry_millis = current->expiry_millis;
      const bool external = current->value_block != nullptr;
      facts.record_bytes =
          storage::ItemRecord::SizeFor(current->key.size(), current->value.size(), meta, external) +
          (external ? current->value.size() : 0);
    }
    return storage::Mutation{};  // no change, no access recorded
  });
  return facts;
}

// addReplyHelp: the lines as simple strings, the first naming the command.
void AppendHelp(std::string_view command, std::initializer_list<std::string_view> lines,
                std::string* out) {
  protocol::AppendArrayHeader(lines.size() + 3, out);
  std::string first(command);
  first.append(" <subcommand> [<arg> [value] [opt] ...]. Subcommands are:");
  protocol::AppendSimpleString(first, out);
  for (std::string_view line : lines) protocol::AppendSimpleString(line, out);
  protocol::AppendSimpleString("HELP", out);
  protocol::AppendSimpleString("    Prints this help.", out);
}

void ObjectEncoding(Call& call) {
  const ObjectFacts facts = Look(call, call.args[2]);
  if (!facts.found) return protocol::AppendNull(call.resp(), call.out);
  protocol::AppendBulk(facts.encoding, call.out);
}

void ObjectFreq(Call& call) {
  if (!Look(call, call.args[2]).found) return protocol::AppendNull(call.resp(), call.out);
  // memkv evicts by LRU only, so it never counts access frequency.
  AppendError(
      "ERR An LFU maxmemory policy is not selected, access frequency not tracked. Please note "
      "that when switching between policies at runtime LRU and LFU data will take some time to "
      "adjust.",
      call.out);
}

void ObjectIdleTime(Call& call) {
  const ObjectFacts facts = Look(call, call.args[2]);
  if (!facts.found) return protocol::AppendNull(call.resp(), call.out);
  // The engine keeps the last store or read to the second, as Redis's LRU clock does: the idle
  // time is the difference of the two clocks in whole seconds.
  const int64_t idle = call.NowMillis() / 1000 - facts.last_access_millis / 1000;
  AppendInteger(idle > 0 ? idle : 0, call.out);
}

void ObjectRefCount(Call& call) {
  if (!Look(call, call.args[2]).found) return protocol::AppendNull(call.resp(), call.out);
  // Every value is its own: Redis shares small integers only without an LRU maxmemory policy.
  AppendInteger(1, call.out);
}

void ObjectHelp(Call& call) {
  AppendHelp("OBJECT",
             {"ENCODING <key>",
              "    Return the kind of internal representation used in order to store the value",
              "    associated with a <key>.", "FREQ <key>",
              "    Return the access frequency index of the <key>. The returned integer is",
              "    proportional to the logarithm of the recent access frequency of the key.",
              "IDLETIME <key>",
              "    Return the idle time of the <key>, that is the approximated number of",
              "    seconds elapsed since the last access to the key.", "REFCOUNT <key>",
              "    Return the number of references of the value associated with the specified",
              "    <key>."},
             call.out);
}

constexpr std::array kObjectSubcommands = {
    CommandSpec{"object|encoding", 3, ObjectEncoding},
    CommandSpec{"object|freq", 3, ObjectFreq},
    CommandSpec{"object|help", 2, ObjectHelp},
    CommandSpec{"object|idletime", 3, ObjectIdleTime},
    CommandSpec{"object|refcount", 3, ObjectRefCount},
};

// MEMORY USAGE key [SAMPLES count]: the options are checked before the key is looked up, as
// Redis does. SAMPLES is accepted and has nothing to sample (a string has no nested values).
void MemoryUsage(Call& call) {
  for (size_t j = 3; j < call.args.size(); ++j) {
    if (IsKeyword(call.args[j], "samples") && j + 1 < call.args.size()) {
      int64_t samples = 0;
      if (!protocol::RedisStringToInt64(call.args[j + 1], &samples)) {
        return AppendError(kNotInteger, call.out);
      }
      if (samples < 0) return AppendError(kSyntaxError, call.out);
      ++j;
    } else {
      return AppendError(kSyntaxError, call.out);
    }
  }
  const ObjectFacts facts = Look(call, call.args[2]);
  if (!facts.found) return protocol::AppendNull(call.resp(), call.out);
  AppendInteger(static_cast<int64_t>(facts.record_bytes), call.out);
}

void MemoryDoctor(Call& call) {
  // Redis's two verdicts without a report: too little memory in use (under 5 MB) to judge, or
  // nothing found. memkv has none of the conditions Redis reports (fork peaks, big client
  // buffers from replicas, allocator fragmentation it can measure).
  // A verbatim string in RESP3, as Redis's addReplyVerbatim.
  if (call.context.engine->Stats().bytes < 5 * 1024 * 1024) {
    protocol::AppendVerbatim(
        "txt",
        "Hi Sam, this instance is empty or is using very little memory, my issues detector "
        "can't be used in these conditions. Please, leave for your mission on Earth and fill it "
        "with some data. The new Sam and I will be back to our programming as soon as I "
        "finished rebooting.\n",
        call.resp(), call.out);
  } else {
    protocol::AppendVerbatim(
        "txt",
        "Hi Sam, I can't find any memory issue in your instance. I can only account for what "
        "occurs on this base.\n",
        call.resp(), call.out);
  }
}

// memkv allocates with the C library's malloc, for which Redis has no statistics and nothing
// to purge.
void MemoryMallocStats(Call& call) {
  protocol::AppendBulk("Stats not supported for the current allocator", call.out);
}

// MEMORY STATS: Redis 7.0's map (a flat array in RESP2; doubles are bulks there) with INFO memory's
// figures (resp_info_process.cc says what each is in memkv); ratios are Redis's floats, printed as
// its addReplyDouble prints them (%.17g of the float).
void MemoryStats(Call& call) {
  const storage::EngineStats engine = call.context.engine->Stats();
  const uint64_t used = engine.memory_bytes;
  const uint64_t dataset = std::min(engine.bytes, used);
  const uint64_t rss = ResidentBytes();
  const uint64_t clients =
      call.context.server != nullptr ? call.context.server->client_memory().used : 0;
  std::string body;
  size_t fields = 0;
  auto integer = [&](std::string_view name, int64_t value) {
    protocol::AppendBulk(name, &body);
    AppendInteger(value, &body);
    ++fields;
  };
  auto real = [&](std::string_view name, double value) {
    protocol::AppendBulk(name, &body);
    const std::string digits =
        absl::StrFormat("%.17g", static_cast<double>(static_cast<float>(value)));
    if (call.resp() == protocol::RespVersion::kResp3) {
      absl::StrAppend(&body, ",", digits, "\r\n");  // RESP3's double, as addReplyDouble
    } else {
      protocol::AppendBulk(digits, &body);
    }
    ++fields;
  };
  const auto u = [](uint64_t v) { return static_cast<int64_t>(v); };
  integer("peak.allocated", u(used));
  integer("total.allocated", u(used));
  integer("startup.allocated", 0);
  integer("replication.backlog", 0);
  integer("clients.slaves", 0);
  integer("clients.normal", u(clients));
  integer("cluster.links", 0);
  integer("aof.buffer", 0);
  integer("lua.caches", 0);
  integer("functions.caches", 0);
  if (engine.curr_items > 0) {
    // Redis's per-database hash tables; memkv's one index holds 4 bytes per bucket.
    protocol::AppendBulk("db.0", &body);
    protocol::AppendMapHeader(3, call.resp(), &body);
    protocol::AppendBulk("overhead.hashtable.main", &body);
    AppendInteger(u(engine.hash_buckets * 4), &body);
    protocol::AppendBulk("overhead.hashtable.expires", &body);
    AppendInteger(0, &body);
    protocol::AppendBulk("overhead.hashtable.slot-to-keys", &body);  // cluster mode only
    AppendInteger(0, &body);
    ++fields;
  }
  integer("overhead.total", u(used - dataset));
  integer("keys.count", u(engine.curr_items));
  integer("keys.bytes-per-key", engine.curr_items > 0 ? u(used / engine.curr_items) : 0);
  integer("dataset.bytes", u(dataset));
  real("dataset.percentage", used > 0 ? static_cast<double>(dataset) * 100 / used : 0);
  real("peak.percentage", 100);
  integer("allocator.allocated", 0);
  integer("allocator.active", 0);
  integer("allocator.resident", 0);
  real("allocator-fragmentation.ratio", 1);
  integer("allocator-fragmentation.bytes", 0);
  real("allocator-rss.ratio", 1);
  integer("allocator-rss.bytes", 0);
  real("rss-overhead.ratio", 1);
  integer("rss-overhead.bytes", 0);
  real("fragmentation", used > 0 ? static_cast<double>(rss) / used : 0);
  integer("fragmentation.bytes", u(rss) - u(used));
  protocol::AppendMapHeader(fields, call.resp(), call.out);
  call.out->append(body);
}

void MemoryPurge(Call& call) { protocol::AppendSimpleString("OK", call.out); }

void MemoryHelp(Call& call) {
  AppendHelp("MEMORY",
             {"DOCTOR", "    Return memory problems reports.", "MALLOC-STATS",
              "    Return internal statistics report from the memory allocator.", "PURGE",
              "    Attempt to purge dirty pages for reclamation by the allocator.", "STATS",
              "    Return information about the memory usage of the server.",
              "USAGE <key> [SAMPLES <count>]",
              "    Return memory in bytes used by <key> and its value. Nested values are",
              "    sampled up to <count> times (default: 5, 0 means sample all)."},
             call.out);
}

constexpr std::array kMemorySubcommands = {
    CommandSpec{"memory|doctor", 2, MemoryDoctor},
    CommandSpec{"memory|help", 2, MemoryHelp},
    CommandSpec{"memory|malloc-stats", 2, MemoryMallocStats},
    CommandSpec{"memory|purge", 2, MemoryPurge},
    CommandSpec{"memory|stats", 2, MemoryStats},
    CommandSpec{"memory|usage", -3, MemoryUsage},
};

}  // namespace

absl::Span<const CommandSpec> ObjectSubcommands() { return kObjectSubcommands; }

absl::Span<const CommandSpec> MemorySubcommands() { return kMemorySubcommands; }

void ObjectCommand(Call& call) { DispatchSubcommand(call, kObjectSubcommands); }

void MemoryCommand(Call& call) { DispatchSubcommand(call, kMemorySubcommands); }

}  // namespace memkv::server::resp
