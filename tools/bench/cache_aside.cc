#include "tools/bench/cache_aside.h"

#include <algorithm>
#include <cmath>
#include <fstream>
#include <sstream>
#include <unordered_map>

#include "absl/status/status.h"
#include "absl/strings/numbers.h"
#include "tools/bench/strings.h"

namespace memkv::bench {
namespace {

// The ETC value-size distribution (generalized Pareto; see cache_aside.h).
constexpr double kEtcScale = 214.476;
constexpr double kEtcShape = 0.348238;

// A uniform number in (0, 1] that depends only on the key: sizes are a property of the key.
double KeyUniform(uint64_t key) {
  return (static_cast<double>(Mix64(key ^ 0x73697a65ULL) >> 11) + 1) * 0x1.0p-53;
}

}  // namespace

size_t ValueSizeFor(const BenchOptions& options, uint64_t key) {
  const double u = KeyUniform(key);
  if (options.value_mix == ValueMix::kEtc) {
    // Inverse CDF of the generalized Pareto distribution: scale * (u^-shape - 1) / shape.
    const double size = kEtcScale * (std::pow(u, -kEtcShape) - 1) / kEtcShape;
    return std::clamp<size_t>(static_cast<size_t>(std::min(size, 1e9)), kEtcValueMin, kEtcValueMax);
  }
  const size_t span = options.value_max - options.value_min + 1;
  return options.value_min +
         std::min(span - 1, static_cast<size_t>((1 - u) * static_cast<double>(span)));
}

SyntheticSource::SyntheticSource(const BenchOptions& options)
    : options_(options), rng_(options.seed) {
  if (options.zipf_theta > 0) zipf_.emplace(options.keyspace, options.zipf_theta);
}

bool SyntheticSource::Next(CacheAsideRequest* request) {
  request->is_set = false;
  request->key = zipf_ ? zipf_->Next(rng_) : rng_.Uniform(options_.keyspace);
  request->size = static_cast<uint32_t>(ValueSizeFor(options_, request->key));
  return true;
}

absl::StatusOr<Trace> ParseTrace(std::string_view text) {
  Trace trace;
  std::unordered_map<std::string, uint64_t> numbers;
  size_t line_number = 0;
  trace.min_size = SIZE_MAX;
  while (!text.empty()) {
    const size_t end = std::min(text.find('\n'), text.size());
    std::string_view line = text.substr(0, end);
    text.remove_prefix(std::min(end + 1, text.size()));
    ++line_number;
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    std::vector<std::string_view> fields;
    for (size_t at = 0; at < line.size();) {
      if (line[at] == ' ' || line[at] == '\t') {
        ++at;
        continue;
      }
      const size_t stop = std::min(line.find_first_of(" \t", at), line.size());
      fields.push_back(line.substr(at, stop - at));
      at = stop;
    }
    if (fields.empty() || fields[0][0] == '#') continue;
    uint32_t size = 0;
    if (fields.size() != 3 || (fields[0] != "get" && fields[0] != "set") ||
        !absl::SimpleAtoi(ToAbsl(fields[2]), &size) || size > (64u << 20)) {
      return absl::InvalidArgumentError(Cat("trace line ", line_number,
                                            ": expected 'get|set KEY SIZE' (SIZE <= 67108864), "
                                            "got '",
                                            line.substr(0, 80), "'"));
    }
    const auto [it, added] = numbers.emplace(std::string(fields[1]), numbers.size());
    trace.requests.push_back(
        CacheAsideRequest{.is_set = fields[0] == "set", .key = it->second, .size = size});
    trace.min_size = std::min<size_t>(trace.min_size, size);
    trace.max_size = std::max<size_t>(trace.max_size, size);
  }
  if (trace.requests.empty()) return absl::InvalidArgumentError("the trace has no requests");
  trace.distinct_keys = numbers.size();
  return trace;
}

absl::StatusOr<Trace> LoadTrace(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return absl::NotFoundError(Cat("cannot open trace ", path));
  std::ostringstream text;
  text << in.rdbuf();
  return ParseTrace(text.str());
}

bool TraceSource::Next(CacheAsideRequest* request) {
  if (next_ == trace_->requests.size()) return false;
  *request = trace_->requests[next_++];
  return true;
}

}  // namespace memkv::bench
