// INFO's server, memory and cpu sections: facts about the process and the machine (uname,
// /proc/self, getrusage), with Redis's neutral values for what memkv does not have (no Lua, no
// jemalloc, no config file). docs/resp.md lists each such field.
#include <sys/resource.h>
#include <sys/utsname.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <fstream>
#include <string>

#include "absl/strings/str_format.h"
#include "server/exec/resp/resp_info_sections.h"

namespace memkv::server::resp {
namespace {

// A 64-bit mix (splitmix64's finalizer): spreads a seed over every bit.
uint64_t Mix(uint64_t x) {
  x += 0x9e3779b97f4a7c15ULL;
  x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
  x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
  return x ^ (x >> 31);
}

// 40 hex digits standing for this process's run: the same for every INFO of one run, another
// after a restart (Redis draws run_id and master_replid at random at start; memkv derives them
// from the pid and the start time, so no state is kept for them).
std::string RunHex(uint64_t salt, const ServerInfo* server) {
  const uint64_t seed =
      Mix(static_cast<uint64_t>(getpid()) ^ Mix(salt)) ^
      Mix(static_cast<uint64_t>(server != nullptr ? server->start_time_millis() : 0));
  std::string out;
  uint64_t x = seed;
  while (out.size() < 40) {
    x = Mix(x);
    out += absl::StrFormat("%016x", x);
  }
  out.resize(40);
  return out;
}

// FNV-1a of memkv's version and compiler: Redis's build id is a hash of its build, too.
uint64_t BuildId() {
  uint64_t hash = 0xcbf29ce484222325ULL;
  for (char c : std::string(kMemkvVersion) + __VERSION__) {
    hash = (hash ^ static_cast<unsigned char>(c)) * 0x100000001b3ULL;
  }
  return hash;
}

std::string ExecutablePath() {
  char path[4096];
  const ssize_t n = readlink("/proc/self/exe", path, sizeof(path) - 1);
  return n > 0 ? std::string(path, static_cast<size_t>(n)) : std::string();
}

}  // namespace

// Resident set size, as Redis's zmalloc_get_rss reads it (/proc/self/stat's rss field; statm's
// second field is the same number of pages).
uint64_t ResidentBytes() {
  std::ifstream statm("/proc/self/statm");
  uint64_t size_pages = 0;
  uint64_t resident_pages = 0;
  if (!(statm >> size_pages >> resident_pages)) return 0;
  return resident_pages * static_cast<uint64_t>(sysconf(_SC_PAGESIZE));
}

namespace {

uint64_t SystemMemory() {
  const long pages = sysconf(_SC_PHYS_PAGES);
  const long page = sysconf(_SC_PAGESIZE);
  return pages > 0 && page > 0 ? static_cast<uint64_t>(pages) * static_cast<uint64_t>(page) : 0;
}

std::string CpuSeconds(const timeval& tv) {
  return absl::StrFormat("%d.%06d", static_cast<int64_t>(tv.tv_sec),
                         static_cast<int64_t>(tv.tv_usec));
}

}  // namespace

std::string BytesToHuman(uint64_t n) {
  if (n < 1024) return absl::StrFormat("%dB", n);
  const char* units = "KMGTP";
  double d = static_cast<double>(n) / 1024;
  for (int i = 0; i < 4 && d >= 1024; ++i) {
    d /= 1024;
    ++units;
  }
  return absl::StrFormat("%.2f%c", d, *units);
}

void AppendServerSection(const InfoFacts& facts, std::string* text) {
  const Call& call = *facts.call;
  ServerInfo* server = call.context.server;
  const int64_t now = call.NowMillis();
  struct utsname name;
  std::string os = "unknown";
  if (uname(&name) == 0) os = absl::StrFormat("%s %s %s", name.sysname, name.release, name.machine);
  const int64_t uptime = server != nullptr ? (now - server->start_time_millis()) / 1000 : 0;
  absl::StrAppendFormat(text,
                        "# Server\r\nredis_version:%s\r\nredis_git_sha1:00000000\r\n"
                        "redis_git_dirty:0\r\nredis_build_id:%x\r\nredis_mode:standalone\r\n"
                        "os:%s\r\narch_bits:%d\r\nmonotonic_clock:POSIX clock_gettime\r\n"
                        "multiplexing_api:%s\r\natomicvar_api:c11-builtin\r\n"
                        "gcc_version:%d.%d.%d\r\nprocess_id:%d\r\nprocess_supervised:no\r\n"
                        "run_id:%s\r\ntcp_port:%d\r\nserver_time_usec:%d\r\n"
                        "uptime_in_seconds:%d\r\nuptime_in_days:%d\r\nhz:10\r\nconfigured_hz:10\r\n"
                        "lru_clock:%d\r\nexecutable:%s\r\nconfig_file:\r\nio_threads_active:%d\r\n",
                        std::string(kRedisCompatVersion), BuildId(), os,
                        static_cast<int>(sizeof(void*) * 8),
                        server != nullptr ? std::string(server->io_name()) : "epoll", __GNUC__,
                        __GNUC_MINOR__, __GNUC_PATCHLEVEL__, static_cast<int>(getpid()),
                        RunHex(1, server), server != nullptr ? server->tcp_port() : 0, now * 1000,
                        uptime, uptime / 86400, (now / 1000) & ((1 << 24) - 1), ExecutablePath(),
                        server != nullptr && server->thread_count() > 1 ? 1 : 0);
  absl::StrAppendFormat(text, "memkv_version:%s\r\n", std::string(kMemkvVersion));
  if (server != nullptr) {
    absl::StrAppendFormat(text, "memkv_mode:%s\r\nmemkv_threads:%d\r\n",
                          std::string(server->mode_name()), server->thread_count());
  }
}

std::string MasterReplId(const ServerInfo* server) { return RunHex(2, server); }

void AppendMemorySection(const InfoFacts& facts, std::string* text) {
  // used_memory is what the memory limit (-m, maxmemory) is held against: segments, large
  // values and the hash index; of it, used_memory_dataset is the live items' bytes.
  const uint64_t used = facts.engine.memory_bytes;
  const uint64_t dataset = std::min(facts.engine.bytes, used);
  const uint64_t rss = ResidentBytes();
  const uint64_t system = SystemMemory();
  const double dataset_perc = used > 0 ? static_cast<double>(dataset) * 100 / used : 0;
  const double fragmentation = used > 0 ? static_cast<double>(rss) / used : 0;
  absl::StrAppendFormat(
      text,
      "# Memory\r\nused_memory:%d\r\nused_memory_human:%s\r\nused_memory_rss:%d\r\n"
      "used_memory_rss_human:%s\r\nused_memory_peak:%d\r\nused_memory_peak_human:%s\r\n"
      "used_memory_peak_perc:100.00%%\r\nused_memory_overhead:%d\r\nused_memory_startup:0\r\n"
      "used_memory_dataset:%d\r\nused_memory_dataset_perc:%.2f%%\r\nallocator_allocated:0\r\n"
      "allocator_active:0\r\nallocator_resident:0\r\ntotal_system_memory:%d\r\n"
      "total_system_memory_human:%s\r\nused_memory_lua:0\r\nused_memory_vm_eval:0\r\n"
      "used_memory_lua_human:0B\r\nused_memory_scripts_eval:0\r\nnumber_of_cached_scripts:0\r\n"
      "number_of_functions:0\r\nnumber_of_libraries:0\r\nused_memory_vm_functions:0\r\n"
      "used_memory_vm_total:0\r\nused_memory_vm_total_human:0B\r\nused_memory_functions:0\r\n"
      "used_memory_scripts:0\r\nused_memory_scripts_human:0B\r\nmaxmemory:%d\r\n"
      "maxmemory_human:%s\r\nmaxmemory_policy:allkeys-lru\r\nallocator_frag_ratio:1.00\r\n"
      "allocator_frag_bytes:0\r\nallocator_rss_ratio:1.00\r\nallocator_rss_bytes:0\r\n"
      "rss_overhead_ratio:1.00\r\nrss_overhead_bytes:0\r\nmem_fragmentation_ratio:%.2f\r\n"
      "mem_fragmentation_bytes:%d\r\nmem_not_counted_for_evict:0\r\nmem_replication_backlog:0\r\n"
      "mem_total_replication_buffers:0\r\nmem_clients_slaves:0\r\nmem_clients_normal:%d\r\n"
      "mem_cluster_links:0\r\nmem_aof_buffer:0\r\nmem_allocator:libc\r\n"
      "active_defrag_running:0\r\nlazyfree_pending_objects:0\r\nlazyfreed_objects:0\r\n",
      used, BytesToHuman(used), rss, BytesToHuman(rss), used, BytesToHuman(used), used - dataset,
      dataset, dataset_perc, system, BytesToHuman(system), facts.engine.limit_maxbytes,
      BytesToHuman(facts.engine.limit_maxbytes), fragmentation,
      static_cast<int64_t>(rss) - static_cast<int64_t>(used), facts.clients.used);
}

void AppendCpuSection(std::string* text) {
  rusage self{}, children{}, thread{};
  getrusage(RUSAGE_SELF, &self);
  getrusage(RUSAGE_CHILDREN, &children);
  // Redis's main thread runs every command; memkv's nearest is the thread running this INFO.
  getrusage(RUSAGE_THREAD, &thread);
  absl::StrAppendFormat(
      text,
      "# CPU\r\nused_cpu_sys:%s\r\nused_cpu_user:%s\r\nused_cpu_sys_children:%s\r\n"
      "used_cpu_user_children:%s\r\nused_cpu_sys_main_thread:%s\r\n"
      "used_cpu_user_main_thread:%s\r\n",
      CpuSeconds(self.ru_stime), CpuSeconds(self.ru_utime), CpuSeconds(children.ru_stime),
      CpuSeconds(children.ru_utime), CpuSeconds(thread.ru_stime), CpuSeconds(thread.ru_utime));
}

}  // namespace memkv::server::resp
