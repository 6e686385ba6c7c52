// `stats settings`: memcached 1.6.18's lines in its order. Values come from memkv's options where
// a setting corresponds; otherwise memcached's default is printed, so that a tool reading them
// sees memcached's shape (docs/operations.md, "memcached's stats").
#include <cstdint>
#include <initializer_list>
#include <string>
#include <string_view>

#include "absl/strings/str_format.h"
#include "protocol/memcache/text_reply_encoder.h"
#include "server/exec/admin_settings.h"
#include "server/exec/text_stats_parts.h"
#include "storage/engine.h"

namespace memkv::server {

namespace {

using protocol::AppendTextStat;

// Settings memkv lacks, as memcached prints its defaults: name, value.
struct Fixed {
  std::string_view name;
  std::string_view value;
};

void AppendFixed(std::initializer_list<Fixed> lines, std::string* out) {
  for (const Fixed& line : lines) AppendTextStat(line.name, line.value, out);
}

}  // namespace

void AppendSettingsStats(ExecContext& context, std::string* out) {
  const storage::EngineOptions& options = context.engine->options();
  const ServerInfo* server = context.server;
  AdminSettings* const admin =
      context.server != nullptr ? context.server->admin_settings() : nullptr;
  // cache_memlimit changes it.
  AppendTextStat("maxbytes", static_cast<uint64_t>(context.engine->memory_limit_bytes()), out);
  if (server != nullptr) {
    AppendTextStat("maxconns", server->max_connections(), out);
    AppendTextStat("tcpport", server->tcp_port(), out);
  }
  AppendTextStat("udpport", uint64_t{0}, out);  // memkv has no UDP
  if (server != nullptr) {
    const std::string_view address = server->listen_address();
    AppendTextStat("inter", address.empty() ? std::string_view("NULL") : address, out);
    AppendTextStat("verbosity", server->verbosity(), out);
  }
  AppendFixed({{"oldest", "0"},
               {"evictions", "on"},
               {"domain_socket", "NULL"},
               {"umask", "700"},
               {"shutdown_command", "no"},
               {"growth_factor", "1.25"},
               {"chunk_size", "48"}},
              out);
  if (server != nullptr) {
    AppendTextStat("num_threads", server->thread_count(), out);
    AppendTextStat("num_threads_per_udp", server->thread_count(), out);
  }
  if (admin != nullptr) {
    const char delimiter = admin->prefix_stats.delimiter();
    AppendTextStat("stat_key_prefix", std::string_view(&delimiter, 1), out);
    AppendTextStat("detail_enabled", admin->prefix_stats.enabled() ? "yes" : "no", out);
  } else {
    AppendFixed({{"stat_key_prefix", ":"}, {"detail_enabled", "no"}}, out);
  }
  AppendFixed({{"reqs_per_event", "20"},
               {"cas_enabled", "yes"},
               {"tcp_backlog", "1024"},
               // memkv tells every dialect apart by its first bytes, as memcached's default.
               {"binding_protocol", "auto-negotiate"},
               {"auth_enabled_sasl", "no"}},
              out);
  // memcached prints the -Y file's name, or "no".
  AppendTextStat("auth_enabled_ascii",
                 context.auth != nullptr ? std::string_view(context.auth->path()) : "no", out);
  AppendTextStat("item_size_max", static_cast<uint64_t>(options.max_item_bytes), out);
  AppendFixed({{"maxconns_fast", "yes"}, {"hashpower_init", "0"}, {"slab_reassign", "yes"}}, out);
  if (admin != nullptr) {
    AppendTextStat("slab_automove", admin->slab_automove.load(), out);
    AppendTextStat("slab_automove_ratio",
                   absl::StrFormat("%.2f", admin->slab_automove_ratio.load()), out);
  } else {
    AppendFixed({{"slab_automove", "1"}, {"slab_automove_ratio", "0.80"}}, out);
  }
  AppendFixed({{"slab_automove_window", "30"}, {"slab_chunk_max", "524288"}}, out);
  if (admin != nullptr) {
    AppendTextStat("lru_crawler", admin->lru_crawler.load() ? "yes" : "no", out);
    AppendTextStat("lru_crawler_sleep", admin->lru_crawler_sleep.load(), out);
    AppendTextStat("lru_crawler_tocrawl", admin->lru_crawler_tocrawl.load(), out);
  } else {
    AppendFixed(
        {{"lru_crawler", "yes"}, {"lru_crawler_sleep", "100"}, {"lru_crawler_tocrawl", "0"}}, out);
  }
  AppendFixed({{"tail_repair_time", "0"},
               {"flush_enabled", "yes"},
               {"dump_enabled", "yes"},
               {"hash_algorithm", "xxh3"},  // memkv's key hash (storage/key_hash.h)
               {"lru_maintainer_thread", "yes"},
               {"lru_segmented", "yes"},
               {"hot_lru_pct", "20"},
               {"warm_lru_pct", "40"},
               {"hot_max_factor", "0.20"},
               {"warm_max_factor", "2.00"},
               {"temp_lru", "no"},
               {"temporary_ttl", "61"}},
              out);
  if (server != nullptr) AppendTextStat("idle_timeout", server->idle_timeout_seconds(), out);
  AppendFixed({{"watcher_logbuf_size", "262144"},
               {"worker_logbuf_size", "65536"},
               {"read_buf_mem_limit", "0"},
               {"track_sizes", "no"},
               {"inline_ascii_response", "no"},
               {"ext_item_size", "512"},
               {"ext_item_age", "4294967295"},
               {"ext_low_ttl", "0"},
               {"ext_recache_rate", "2000"},
               {"ext_wbuf_size", "4194304"},
               {"ext_compact_under", "0"},
               {"ext_drop_under", "0"},
               {"ext_max_sleep", "1000000"},
               {"ext_max_frag", "0.80"},
               {"slab_automove_freeratio", "0.010"},
               {"ext_drop_unread", "no"},
               {"ssl_enabled", "no"},
               {"ssl_chain_cert", "(null)"},
               {"ssl_key", "(null)"},
               {"ssl_verify_mode", "0"},
               {"ssl_keyformat", "1"},
               {"ssl_ciphers", "NULL"},
               {"ssl_ca_cert", "NULL"},
               {"ssl_wbuf_size", "16384"},
               {"ssl_session_cache", "no"},
               {"ssl_kernel_tls", "no"},
               {"ssl_min_version", "tlsv1.2"},
               {"num_napi_ids", "(null)"},
               {"memory_file", "(null)"}},
              out);
}

}  // namespace memkv::server
