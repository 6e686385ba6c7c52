#include "tools/bench/options.h"

#include <array>
#include <cmath>
#include <limits>

#include "absl/status/status.h"
#include "absl/strings/numbers.h"
#include "tools/bench/strings.h"

namespace memkv::bench {
namespace {

using Setter = absl::Status (*)(std::string_view value, BenchOptions* options);

struct OptionSpec {
  std::string_view name;  // --name
  char short_name;        // -x, or 0
  std::string_view arg;   // what the value looks like; empty for a flag without value
  std::string_view help;  // one line, with the default
  Setter set;
};

// "a-b" -> ("a", "b"); without the separator, (value, "").
std::pair<std::string_view, std::string_view> SplitAt(std::string_view value, char separator) {
  const size_t at = value.find(separator);
  if (at == std::string_view::npos) return {value, {}};
  return {value.substr(0, at), value.substr(at + 1)};
}

absl::Status Bad(std::string_view name, std::string_view expected, std::string_view got) {
  return absl::InvalidArgumentError(Cat("--", name, ": expected ", expected, ", got '", got, "'"));
}

template <typename T>
absl::Status ParseInt(std::string_view name, std::string_view value, T min, T max, T* out) {
  uint64_t parsed = 0;
  if (value.empty() || value[0] == '-' || value[0] == '+' ||
      !absl::SimpleAtoi(ToAbsl(value), &parsed) || parsed < static_cast<uint64_t>(min) ||
      parsed > static_cast<uint64_t>(max)) {
    return Bad(name, Cat("an integer in [", min, ", ", max, "]"), value);
  }
  *out = static_cast<T>(parsed);
  return absl::OkStatus();
}

absl::Status ParseReal(std::string_view name, std::string_view value, double min, double max,
                       double* out) {
  double parsed = 0;
  if (!absl::SimpleAtod(ToAbsl(value), &parsed) || !std::isfinite(parsed) || parsed < min ||
      parsed > max) {
    return Bad(name, Cat("a number in [", min, ", ", max, "]"), value);
  }
  *out = parsed;
  return absl::OkStatus();
}

absl::Status SetServer(std::string_view value, BenchOptions* o) {
  const size_t colon = value.rfind(':');
  if (colon == std::string_view::npos || colon == 0) return Bad("server", "HOST:PORT", value);
  o->host = std::string(value.substr(0, colon));
  return ParseInt<uint16_t>("server", value.substr(colon + 1), 1, 65535, &o->port);
}

absl::Status SetKeyPrefix(std::string_view value, BenchOptions* o) {
  for (char c : value) {
    if (static_cast<unsigned char>(c) <= ' ' || c == 0x7f) {
      return Bad("key-prefix", "printable characters without spaces", value);
    }
  }
  o->key_prefix = std::string(value);
  return absl::OkStatus();
}

absl::Status SetDistribution(std::string_view value, BenchOptions* o) {
  if (value == "uniform") {
    o->zipf_theta = 0;
    return absl::OkStatus();
  }
  if (value == "zipf") {
    o->zipf_theta = 0.99;  // YCSB's default
    return absl::OkStatus();
  }
  if (value.substr(0, 5) == "zipf:") {
    const absl::Status status =
        ParseReal("distribution", value.substr(5), 0.01, 10, &o->zipf_theta);
    if (status.ok()) return status;
  }
  return Bad("distribution", "uniform, zipf or zipf:THETA (THETA in [0.01, 10])", value);
}

absl::Status SetValueSize(std::string_view value, BenchOptions* o) {
  constexpr size_t kMax = size_t{64} << 20;
  if (value == "etc") {
    // Facebook's ETC value-size mix (cache_aside.h), 1..32768 bytes.
    o->value_mix = ValueMix::kEtc;
    o->value_min = 1;
    o->value_max = 32768;
    return absl::OkStatus();
  }
  o->value_mix = ValueMix::kRange;
  const std::pair<std::string_view, std::string_view> parts = SplitAt(value, '-');
  const bool range = value.find('-') != std::string_view::npos;
  if (!ParseInt<size_t>("value-size", parts.first, 0, kMax, &o->value_min).ok() ||
      (range &&
       !ParseInt<size_t>("value-size", parts.second, o->value_min, kMax, &o->value_max).ok())) {
    return Bad("value-size", "N, MIN-MAX with MIN <= MAX <= 67108864, or etc", value);
  }
  if (!range) o->value_max = o->value_min;
  return absl::OkStatus();
}

absl::Status SetRatio(std::string_view value, BenchOptions* o) {
  const std::pair<std::string_view, std::string_view> parts = SplitAt(value, ':');
  if (value.find(':') == std::string_view::npos ||
      !ParseInt<uint32_t>("ratio", parts.first, 0, 1000000, &o->get_weight).ok() ||
      !ParseInt<uint32_t>("ratio", parts.second, 0, 1000000, &o->set_weight).ok() ||
      o->get_weight + o->set_weight == 0) {
    return Bad("ratio", "GET:SET weights such as 9:1, not both 0", value);
  }
  return absl::OkStatus();
}

absl::Status SetDialect(std::string_view value, BenchOptions* o) {
  if (value == "text") {
    o->dialect = Dialect::kText;
  } else if (value == "meta") {
    o->dialect = Dialect::kMeta;
  } else if (value == "resp") {
    o->dialect = Dialect::kResp;
  } else if (value == "binary") {
    o->dialect = Dialect::kBinary;
  } else {
    return Bad("dialect", "text, meta, resp or binary", value);
  }
  return absl::OkStatus();
}

constexpr uint64_t kU64Max = std::numeric_limits<uint64_t>::max();

const std::array<OptionSpec, 24> kOptions = {{
    {"server", 's', "HOST:PORT", "server address (127.0.0.1:11211)", SetServer},
    {"threads", 't', "N", "worker threads, each with its own epoll loop (1)",
     [](std::string_view v, BenchOptions* o) {
       return ParseInt("threads", v, 1, 1024, &o->threads);
     }},
    {"connections", 'c', "N", "connections per thread (1)",
     [](std::string_view v, BenchOptions* o) {
       return ParseInt("connections", v, 1, 100000, &o->connections_per_thread);
     }},
    {"pipeline", 'P', "N", "requests in flight per connection (1)",
     [](std::string_view v, BenchOptions* o) {
       return ParseInt("pipeline", v, 1, 65536, &o->pipeline);
     }},
    {"rate", 'r', "N",
     "open loop: N requests/s over all connections, latency from each request's intended send "
     "time (0: closed loop)",
     [](std::string_view v, BenchOptions* o) { return ParseReal("rate", v, 0, 1e9, &o->rate); }},
    {"duration", 'd', "SECONDS", "measure for this long (5)",
     [](std::string_view v, BenchOptions* o) {
       return ParseReal("duration", v, 0.001, 86400, &o->duration_s);
     }},
    {"requests", 'n', "N", "measure this many requests instead of a duration",
     [](std::string_view v, BenchOptions* o) {
       return ParseInt<uint64_t>("requests", v, 1, kU64Max, &o->requests);
     }},
    {"preload", 0, "", "warm-up: set every key of the key space once before measuring",
     [](std::string_view, BenchOptions* o) {
       o->preload = true;
       return absl::OkStatus();
     }},
    {"keyspace", 'k', "N", "number of distinct keys (10000)",
     [](std::string_view v, BenchOptions* o) {
       return ParseInt<uint64_t>("keyspace", v, 1, uint64_t{1} << 40, &o->keyspace);
     }},
    {"key-prefix", 0, "TEXT", "keys are TEXT + a zero-padded number (key:)", SetKeyPrefix},
    {"key-width", 0, "N", "digits of the number (as many as the largest key needs)",
     [](std::string_view v, BenchOptions* o) {
       return ParseInt("key-width", v, 1, 200, &o->key_width);
     }},
    {"distribution", 0, "D", "uniform, zipf (theta 0.99) or zipf:THETA (uniform)", SetDistribution},
    {"value-size", 'v', "N|MIN-MAX|etc",
     "value bytes: fixed, uniform in a range, or etc (Facebook's ETC mix, 1..32768) (32)",
     SetValueSize},
    {"ratio", 0, "GET:SET", "weights of gets and sets (9:1)", SetRatio},
    {"multiget", 'm', "N", "keys per get (1)",
     [](std::string_view v, BenchOptions* o) {
       return ParseInt("multiget", v, 1, 10000, &o->multiget);
     }},
    {"dialect", 'D', "text|meta|resp|binary", "protocol to speak (text)", SetDialect},
    {"no-verify", 0, "", "check value lengths only, not contents (contents are checked)",
     [](std::string_view, BenchOptions* o) {
       o->verify = false;
       return absl::OkStatus();
     }},
    {"json", 0, "", "print the summary as one JSON object",
     [](std::string_view, BenchOptions* o) {
       o->json = true;
       return absl::OkStatus();
     }},
    {"seed", 0, "N", "random seed, for repeatable key sequences (1)",
     [](std::string_view v, BenchOptions* o) {
       return ParseInt<uint64_t>("seed", v, 0, kU64Max, &o->seed);
     }},
    {"verify", 0, "", "check value contents too (the default)",
     [](std::string_view, BenchOptions* o) {
       o->verify = true;
       return absl::OkStatus();
     }},
    {"cache-aside", 0, "",
     "cache-aside workload on one connection: get; on a miss set the key (a key's value size is "
     "fixed by the key); reports the hit ratio per interval; --pipeline batches gets",
     [](std::string_view, BenchOptions* o) {
       o->cache_aside = true;
       return absl::OkStatus();
     }},
    {"trace", 0, "FILE",
     "cache-aside requests from FILE, one 'get|set KEY SIZE' a line (implies --cache-aside)",
     [](std::string_view v, BenchOptions* o) {
       if (v.empty()) return Bad("trace", "a file name", v);
       o->trace_path = std::string(v);
       o->cache_aside = true;
       return absl::OkStatus();
     }},
    {"interval", 0, "N", "cache-aside: requests per reported interval (1/20 of --requests)",
     [](std::string_view v, BenchOptions* o) {
       return ParseInt<uint64_t>("interval", v, 1, kU64Max, &o->interval);
     }},
    {"help", 'h', "", "print this help",
     [](std::string_view, BenchOptions* o) {
       o->help = true;
       return absl::OkStatus();
     }},
}};

const OptionSpec* Find(std::string_view arg, std::string_view* inline_value, bool* has_value) {
  *has_value = false;
  if (arg.size() == 2 && arg[0] == '-' && arg[1] != '-') {
    for (const OptionSpec& spec : kOptions) {
      if (spec.short_name != 0 && spec.short_name == arg[1]) return &spec;
    }
    return nullptr;
  }
  if (arg.substr(0, 2) != "--") return nullptr;
  arg.remove_prefix(2);
  const size_t equals = arg.find('=');
  if (equals != std::string_view::npos) {
    *inline_value = arg.substr(equals + 1);
    *has_value = true;
    arg = arg.substr(0, equals);
  }
  for (const OptionSpec& spec : kOptions) {
    if (spec.name == arg) return &spec;
  }
  return nullptr;
}

int Digits(uint64_t n) {
  int digits = 1;
  while (n >= 10) {
    n /= 10;
    ++digits;
  }
  return digits;
}

absl::Status Validate(BenchOptions* o, bool duration_given) {
  if (duration_given && o->requests != 0) {
    return absl::InvalidArgumentError("--duration and --requests exclude each other");
  }
  const int needed = Digits(o->keyspace - 1);
  if (o->key_width == 0) o->key_width = needed;
  if (o->key_width < needed) {
    return absl::InvalidArgumentError(Cat("--key-width ", o->key_width,
                                          " is too small for --keyspace ", o->keyspace, " (needs ",
                                          needed, ")"));
  }
  if (o->key_length() > 250) {
    return absl::InvalidArgumentError(
        "keys would be longer than 250 bytes (--key-prefix, --key-width)");
  }
  if (o->cache_aside &&
      (o->total_connections() != 1 || o->rate > 0 || o->multiget != 1 || o->preload)) {
    return absl::InvalidArgumentError(
        "--cache-aside drives one connection in a closed loop (so that every server sees the "
        "same sequence): no --threads, --connections, --rate, --multiget or --preload");
  }
  if (o->rate > 0 && o->rate < o->total_connections() / 3600.0) {
    return absl::InvalidArgumentError("--rate is below one request per connection per hour");
  }
  return absl::OkStatus();
}

}  // namespace

std::string_view DialectName(Dialect dialect) {
  switch (dialect) {
    case Dialect::kText:
      return "text";
    case Dialect::kMeta:
      return "meta";
    case Dialect::kResp:
      return "resp";
    case Dialect::kBinary:
      return "binary";
  }
  return "?";
}

absl::StatusOr<BenchOptions> ParseBenchOptions(absl::Span<const std::string_view> args) {
  BenchOptions options;
  bool duration_given = false;
  for (size_t i = 0; i < args.size(); ++i) {
    std::string_view value;
    bool has_value = false;
    const OptionSpec* spec = Find(args[i], &value, &has_value);
    if (spec == nullptr) {
      return absl::InvalidArgumentError(
          Cat(args[i].substr(0, 1) == "-" ? "unknown option '" : "unexpected argument '", args[i],
              "' (see --help)"));
    }
    if (spec->arg.empty() && has_value) {
      return absl::InvalidArgumentError(Cat("--", spec->name, " takes no value"));
    }
    if (!spec->arg.empty() && !has_value) {
      if (i + 1 == args.size()) {
        return absl::InvalidArgumentError(
            Cat("--", spec->name, " needs a value (", spec->arg, ")"));
      }
      value = args[++i];
    }
    if (spec->name == "duration") duration_given = true;
    absl::Status status = spec->set(value, &options);
    if (!status.ok()) return status;
  }
  if (options.help) return options;
  absl::Status status = Validate(&options, duration_given);
  if (!status.ok()) return status;
  return options;
}

std::string BenchUsage() {
  std::string usage =
      "usage: memkv-bench [options]\n"
      "Drives a memcached-compatible (or Redis) server and checks every answer. Exit status: 0 "
      "ok, 1 errors (wrong answers, closed connections), 2 bad options.\n\n";
  for (const OptionSpec& spec : kOptions) {
    std::string left = spec.short_name != 0
                           ? Cat("  -", std::string(1, spec.short_name), ", --", spec.name)
                           : Cat("      --", spec.name);
    if (!spec.arg.empty()) left += Cat(" ", spec.arg);
    if (left.size() < 34) left.resize(34, ' ');
    usage += Cat(left, " ", spec.help, "\n");
  }
  return usage;
}

}  // namespace memkv::bench
