// RestartFile: the file behind --restart-file (memcached's -e, "restartable cache"). While the
// server runs, every shard's segments live in a shared mapping of this file, so the items are in
// the file all along; a clean shutdown adds what is needed to reopen them, and the next start
// with the same file and the same settings serves them again.
//
// Layout (offsets in bytes):
//   [0, 4096)                   the header (restart_file.cc): format, memkv version, settings,
//                               state, hash seed, the sections below and their XXH3 digests
//   [4096, 4096 + arena)        the segment slots: shard i's are at i * slots * segment_bytes
//   [large_offset, + large)     written at shutdown: every stored large value (those live in heap
//                               blocks while serving), shard after shard, in log order
//   [meta_offset, + meta)       written at shutdown: the database map and each shard's image
//                               (restart_image.h), with the digest of each segment it names
// The header's state is "in use" from before the first request until a shutdown has written and
// synced everything, and only then "clean". A start that finds anything else (a crash or kill:
// still in use; another format, memkv version or setting; a short file; a wrong digest) empties
// the file and starts without items, and discard_reason() says why: stale or damaged bytes are
// never served.
//
// The arena is reserved in full when the file is made (fallocate), so that on a full tmpfs the
// server refuses to start instead of dying of SIGBUS when it first writes a page.
//
// Threads: one at a time: the engine's creation, then its shutdown.
#ifndef MEMKV_STORAGE_RESTART_FILE_H_
#define MEMKV_STORAGE_RESTART_FILE_H_

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "storage/segment_memory.h"
#include "xxhash.h"

namespace memkv::storage {

// What a file must have been written with to be reopened.
struct RestartSettings {
  std::string software_version;  // memkv's version: a different one starts empty
  uint64_t memory_limit_bytes = 0;
  uint64_t max_item_bytes = 0;
  uint64_t shard_count = 0;
  uint64_t databases = 0;
  uint64_t segment_bytes = 0;
  uint64_t slots_per_shard = 0;
};

class RestartFile {
 public:
  // Opens `path` (creating it if absent, mode 0600), decides whether it can be reopened, empties
  // it if not, and maps the arena. Fails only if the file cannot be opened, sized, reserved or
  // mapped.
  static absl::StatusOr<std::unique_ptr<RestartFile>> Open(const std::string& path,
                                                           const RestartSettings& settings);
  ~RestartFile();
  RestartFile(const RestartFile&) = delete;
  RestartFile& operator=(const RestartFile&) = delete;

  const std::string& path() const { return path_; }
  // Whether a clean shutdown left items to serve (checked so far: header, sections, digests).
  bool restorable() const { return restorable_; }
  // Why the file's items are not served ("" if restorable, or if the file was new or empty).
  const std::string& discard_reason() const { return discard_reason_; }
  // The saved file's key-hash seed (restorable only): items sit in the shards that seed picked.
  uint64_t hash_seed() const;
  // When the saved file was written, unix ms (restorable only).
  int64_t saved_at_millis() const;
  // The segment slots of shard `shard`.
  SegmentRegion ShardRegion(size_t shard) const;
  // The saved sections (restorable only; valid until MarkInUse).
  const std::string& metadata() const { return metadata_; }
  std::string_view large_values() const;

  // Gives up what the file held (after a failed restore): the next MarkInUse starts it anew.
  void Discard(std::string reason);
  // Marks the file in use by a server whose key hash uses `hash_seed`, and drops the saved
  // sections; call before serving.
  absl::Status MarkInUse(uint64_t hash_seed);

  // A clean shutdown, after the last request: AppendLarge each large value in turn (its offset
  // within the section is large_written() before the call), then Finish with the metadata.
  absl::Status AppendLarge(std::string_view bytes);
  uint64_t large_written() const { return large_written_; }
  // Writes the metadata, syncs everything and marks the file clean.
  absl::Status Finish(std::string_view metadata, int64_t now_millis);

 public:
  struct Header;  // restart_file.cc

 private:
  RestartFile(std::string path, int fd, const RestartSettings& settings);
  // Reads and checks the header and the saved sections; "" if they can be reopened, else why
  // not.
  std::string Check(uint64_t file_bytes);
  absl::Status Map();
  void UnmapLarge();
  // A header with this file's settings, hash seed and `state`, no saved sections.
  Header MakeHeader(uint32_t state) const;
  // Writes *header with its digest filled in.
  absl::Status WriteHeader(Header* header);

  const std::string path_;
  const int fd_;
  const RestartSettings settings_;
  const uint64_t arena_bytes_;
  char* arena_ = nullptr;
  bool restorable_ = false;
  std::string discard_reason_;
  struct Saved;
  std::unique_ptr<Saved> saved_;  // the header as found (restorable only)
  std::string metadata_;
  const char* large_ = nullptr;  // mapped large-value section (restorable only)
  uint64_t large_bytes_ = 0;
  uint64_t large_written_ = 0;
  // The running digest of the large values written so far.
  std::unique_ptr<XXH3_state_t, XXH_errorcode (*)(XXH3_state_t*)> large_digest_{nullptr,
                                                                                XXH3_freeState};
  uint64_t hash_seed_ = 0;
};

}  // namespace memkv::storage

#endif  // MEMKV_STORAGE_RESTART_FILE_H_
