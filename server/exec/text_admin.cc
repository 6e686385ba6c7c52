// memcached 1.6.18's answers here follow its proto_text.c (process_stat, process_slabs_command,
// process_lru_crawler_command, process_memlimit_command) and were checked against a running
// memcached 1.6.18; tests/server/admin_oracle_test.py compares them.
#include "server/exec/text_admin.h"

#include <algorithm>
#include <array>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "protocol/memcache/item_size.h"
#include "protocol/memcache/numbers.h"
#include "protocol/memcache/text_reply_encoder.h"
#include "storage/engine.h"

namespace memkv::server {

using protocol::TextRequest;
// memcached's safe_strtoul / safe_strtol, so that ids and sizes read as memcached reads them.
using protocol::memcache_internal::SafeStrtol;
using protocol::memcache_internal::SafeStrtoul;

namespace {

// memcached's MAX_NUMBER_OF_SLAB_CLASSES: class ids on the wire are below it. memkv has one class
// per shard, which may be more.
constexpr size_t kMemcachedClassIds = 64;
// memcached's item_cachedump caps its reply at 2 MB.
constexpr size_t kCachedumpMaxBytes = 2 * 1024 * 1024;
// One engine step of a dump: short lock holds, a few hundred lines per step.
constexpr size_t kStepBuckets = 64;
constexpr size_t kStepItems = 256;

size_t ShardCount(const ExecContext& context) {
  return static_cast<size_t>(context.engine->options().shard_count);
}

// The highest class id the commands accept: memcached's, or the shard count when larger.
size_t MaxClassId(const ExecContext& context) {
  return std::max(kMemcachedClassIds - 1, ShardCount(context));
}

AdminSettings* Settings(ExecContext& context) {
  return context.server != nullptr ? context.server->admin_settings() : nullptr;
}

int64_t Seconds(int64_t millis) { return millis / 1000; }

// memcached's uriencode: letters, digits and "-._~" as they are, every other byte as %XX.
void AppendUriEncoded(std::string_view key, std::string* out) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  for (const char c : key) {
    const unsigned char b = static_cast<unsigned char>(c);
    const bool plain = (b >= '0' && b <= '9') || (b >= 'A' && b <= 'Z') || (b >= 'a' && b <= 'z') ||
                       b == '-' || b == '.' || b == '_' || b == '~';
    if (plain) {
      out->push_back(c);
    } else {
      out->push_back('%');
      out->push_back(kHex[b >> 4]);
      out->push_back(kHex[b & 15]);
    }
  }
}

// "key=... exp=... la=... cas=... fetch=... cls=... size=...\n" (memcached ends these lines in a
// bare newline; only the closing END has CRLF).
void AppendMetadumpLine(const storage::ItemView& item, size_t class_id, std::string* out) {
  out->append("key=");
  AppendUriEncoded(item.key, out);
  absl::StrAppend(out, " exp=", item.expiry_millis == 0 ? -1 : Seconds(item.expiry_millis),
                  " la=", Seconds(item.last_access_millis), " cas=", item.cas,
                  " fetch=", item.fetched ? "yes" : "no", " cls=", class_id, " size=",
                  protocol::memcache_internal::MemcachedItemSize(item.key.size(), item.value.size(),
                                                                 item.client_flags),
                  "\n");
}

// The classes a crawl or metadump names: "all" (and "hash", memcached's walk in hash order,
// which is how memkv walks anyway), or a comma-separated list of ids. False for a bad id.
bool ParseClasses(std::string_view spec, const ExecContext& context, std::vector<bool>* shards) {
  const size_t count = ShardCount(context);
  shards->assign(count, false);
  if (spec == "all" || spec == "hash") {
    shards->assign(count, true);
    return true;
  }
  // strtok_r's walk: empty parts between commas are skipped.
  while (!spec.empty()) {
    const size_t comma = spec.find(',');
    const std::string_view part = spec.substr(0, comma);
    spec = comma == std::string_view::npos ? std::string_view() : spec.substr(comma + 1);
    if (part.empty()) continue;
    uint32_t id = 0;
    if (!SafeStrtoul(part, &id) || id < 1 || id > MaxClassId(context)) return false;
    if (id <= count) (*shards)[id - 1] = true;  // a class memkv does not have is empty
  }
  return true;
}

// Where a paused metadump goes on: MultiKeyCursor::next_key holds shard + 1 in the high bits and
// the bucket cursor of ScanShard below; 0 between requests.
constexpr int kShardShift = 40;

ExecOutcome Metadump(std::string_view spec, ExecContext& context, std::string* out) {
  std::vector<bool> shards;
  if (!ParseClasses(spec, context, &shards)) {
    out->append("BADCLASS invalid class id\r\n");
    return ExecOutcome::kContinue;
  }
  MultiKeyCursor* cursor = context.cursor;
  size_t shard = 0;
  uint64_t bucket = 0;
  if (cursor != nullptr && cursor->next_key != 0) {
    shard = (cursor->next_key >> kShardShift) - 1;
    bucket = cursor->next_key & ((uint64_t{1} << kShardShift) - 1);
  }
  for (; shard < shards.size(); ++shard, bucket = 0) {
    if (!shards[shard]) continue;
    do {
      if (cursor != nullptr && ReplyBytes(context, *out) >= cursor->output_limit) {
        cursor->next_key = ((shard + 1) << kShardShift) | bucket;
        return ExecOutcome::kPaused;
      }
      bucket = context.engine->ScanShard(
          shard, bucket, kStepBuckets, kStepItems,
          [&](const storage::ItemView& item) { AppendMetadumpLine(item, shard + 1, out); });
    } while (bucket != 0);
  }
  if (cursor != nullptr) cursor->next_key = 0;
  protocol::AppendTextEnd(out);
  return ExecOutcome::kContinue;
}

}  // namespace

void AppendStatsDetail(const TextRequest& request, ExecContext& context, std::string* out) {
  // memcached reads the third token only when there is one; anything after it is ignored.
  const std::string_view what = request.admin_arg_count >= 2 ? request.admin_args[1] : "";
  AdminSettings* admin = Settings(context);
  if (what == "on" || what == "off") {
    if (admin != nullptr) admin->prefix_stats.SetEnabled(what == "on");
    protocol::AppendTextOk(out);
  } else if (what == "dump") {
    if (admin != nullptr) admin->prefix_stats.AppendDump(out);
    protocol::AppendTextEnd(out);
  } else {
    protocol::AppendTextClientError("usage: stats detail on|off|dump", out);
  }
}

void AppendStatsCachedump(const TextRequest& request, ExecContext& context, std::string* out) {
  if (request.admin_arg_count < 3) {
    protocol::AppendTextClientError("bad command line", out);
    return;
  }
  uint32_t id = 0;
  uint32_t limit = 0;
  if (!SafeStrtoul(request.admin_args[1], &id) || !SafeStrtoul(request.admin_args[2], &limit)) {
    protocol::AppendTextClientError("bad command line format", out);
    return;
  }
  if (id > MaxClassId(context)) {
    protocol::AppendTextClientError("Illegal slab id", out);
    return;
  }
  // Class 0 (memcached's global page pool) and the ids memkv has no shard for hold nothing.
  const size_t end = out->size() + kCachedumpMaxBytes;
  if (id >= 1 && id <= ShardCount(context)) {
    uint32_t shown = 0;
    uint64_t bucket = 0;
    std::string line;
    bool full = false;
    do {
      // Whole buckets are shown per step; lines past the limit or the 2 MB cap are dropped.
      bucket = context.engine->ScanShard(
          id - 1, bucket, kStepBuckets, kStepItems, [&](const storage::ItemView& item) {
            if (full || (limit != 0 && shown >= limit)) return;
            line.clear();
            absl::StrAppend(&line, "ITEM ", absl::string_view(item.key.data(), item.key.size()),
                            " [", item.value.size(), " b; ",
                            item.expiry_millis == 0 ? 0 : Seconds(item.expiry_millis), " s]\r\n");
            if (out->size() + line.size() + 5 > end) {
              full = true;
              return;
            }
            out->append(line);
            ++shown;
          });
    } while (bucket != 0 && !full && (limit == 0 || shown < limit));
  }
  protocol::AppendTextEnd(out);
}

void ExecuteSlabs(const TextRequest& request, ExecContext& context, std::string* out) {
  const std::string_view sub = request.admin_args[0];
  if (request.admin_arg_count == 3 && sub == "reassign") {
    int32_t source = 0;
    int32_t destination = 0;
    if (!SafeStrtol(request.admin_args[1], &source) ||
        !SafeStrtol(request.admin_args[2], &destination)) {
      protocol::AppendTextClientError("bad command line format", out);
      return;
    }
    // memcached's order of checks. Class 0 is its global page pool; memkv's shards have fixed
    // budgets and no pages to move between them, so a valid request finds nothing to move.
    const int64_t max_id = static_cast<int64_t>(ShardCount(context));
    if (source == destination) {
      out->append("SAME src and dst class are identical\r\n");
    } else if (source < 0 || source > max_id || destination < 0 || destination > max_id) {
      out->append("BADCLASS invalid src or dst class id\r\n");
    } else {
      out->append("NOSPARE source class has no spare pages\r\n");
    }
    return;
  }
  if (request.admin_arg_count < 2 || sub != "automove") {
    protocol::AppendTextError(out);
    return;
  }
  AdminSettings* admin = Settings(context);
  if (request.admin_args[1] == "ratio") {
    double ratio = 0;
    if (request.admin_arg_count < 3 ||
        !absl::SimpleAtod(std::string(request.admin_args[2]), &ratio)) {
      if (!request.noreply) protocol::AppendTextError(out);
      return;
    }
    if (admin != nullptr) admin->slab_automove_ratio.store(ratio, std::memory_order_relaxed);
  } else {
    uint32_t level = 0;
    if (!SafeStrtoul(request.admin_args[1], &level)) {
      if (!request.noreply) protocol::AppendTextClientError("bad command line format", out);
      return;
    }
    if (level > 2) {
      if (!request.noreply) protocol::AppendTextError(out);
      return;
    }
    if (admin != nullptr) admin->slab_automove.store(level, std::memory_order_relaxed);
  }
  if (!request.noreply) protocol::AppendTextOk(out);
}

void ExecuteCacheMemlimit(const TextRequest& request, ExecContext& context, std::string* out) {
  uint32_t megabytes = 0;
  std::string_view answer;
  if (!SafeStrtoul(request.admin_args[0], &megabytes)) {
    answer = "ERROR";
  } else if (megabytes < 8) {
    answer = "MEMLIMIT_TOO_SMALL cannot set maxbytes to less than 8m";
  } else if (megabytes > 1000000000) {
    answer = "MEMLIMIT_ADJUST_FAILED input value is megabytes not bytes";
  } else {
    const absl::Status status =
        context.engine->SetMemoryLimit(static_cast<size_t>(megabytes) * 1024 * 1024);
    // InvalidArgument: too small for memkv's shards (nothing changed). ResourceExhausted: the
    // limit is in force but pinned values kept a shard above it for now; memcached's answer to
    // a limit it lowers is OK too, its pages going back as they empty.
    answer = status.ok() || absl::IsResourceExhausted(status)
                 ? "OK"
                 : "MEMLIMIT_ADJUST_FAILED out of bounds or unable to adjust";
  }
  if (request.noreply) return;
  out->append(answer);
  out->append("\r\n");
}

ExecOutcome ExecuteLruCrawler(const TextRequest& request, ExecContext& context, std::string* out) {
  AdminSettings* admin = Settings(context);
  const bool enabled = admin == nullptr || admin->lru_crawler.load(std::memory_order_relaxed);
  const std::string_view sub = request.admin_args[0];
  const std::string_view argument = request.admin_args[1];
  if (request.admin_arg_count == 2 && (sub == "crawl" || sub == "metadump")) {
    if (!enabled) {
      protocol::AppendTextClientError("lru crawler disabled", out);
      return ExecOutcome::kContinue;
    }
    if (sub == "metadump") return Metadump(argument, context, out);
    // memkv reclaims expired items in the background all the time (storage/reclaimer.h): a
    // crawl request has nothing to start, and its class list is checked as memcached does.
    std::vector<bool> shards;
    out->append(ParseClasses(argument, context, &shards) ? "OK\r\n"
                                                         : "BADCLASS invalid class id\r\n");
    return ExecOutcome::kContinue;
  }
  if (request.admin_arg_count == 2 && (sub == "tocrawl" || sub == "sleep")) {
    uint32_t value = 0;
    if (!SafeStrtoul(argument, &value)) {
      protocol::AppendTextClientError("bad command line format", out);
    } else if (sub == "sleep" && value > 1000000) {
      protocol::AppendTextClientError("sleep must be one second or less", out);
    } else {
      if (admin != nullptr) {
        (sub == "sleep" ? admin->lru_crawler_sleep : admin->lru_crawler_tocrawl)
            .store(value, std::memory_order_relaxed);
      }
      protocol::AppendTextOk(out);
    }
    return ExecOutcome::kContinue;
  }
  if (request.admin_arg_count == 1 && sub == "enable") {
    // memcached fails to start a second crawler thread.
    if (admin != nullptr && admin->lru_crawler.exchange(true)) {
      out->append("ERROR failed to start lru crawler thread\r\n");
    } else {
      protocol::AppendTextOk(out);
    }
    return ExecOutcome::kContinue;
  }
  if (request.admin_arg_count == 1 && sub == "disable") {
    if (admin != nullptr) admin->lru_crawler.store(false);
    protocol::AppendTextOk(out);
    return ExecOutcome::kContinue;
  }
  protocol::AppendTextError(out);
  return ExecOutcome::kContinue;
}

}  // namespace memkv::server
