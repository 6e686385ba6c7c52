// SaveShards / RestoreShards: a warm restart of an engine's shards through its RestartFile
// (restart_file.h): what a clean shutdown writes, and how the next start takes it over.
//
// The metadata section holds the database map (Redis SWAPDB's logical-to-physical numbers) and
// each shard's image (restart_image.h), in shard order; the large-value section holds the
// shards' large values, shard after shard.
//
// Threads: only when nothing else uses the shards: before the engine serves, or after the
// server has closed every connection.
#ifndef MEMKV_STORAGE_SHARD_RESTART_H_
#define MEMKV_STORAGE_SHARD_RESTART_H_

#include <cstdint>
#include <string>

#include "absl/status/status.h"
#include "absl/types/span.h"
#include "storage/database_map.h"
#include "storage/restart_file.h"
#include "storage/shard.h"

namespace memkv::storage {

// Writes every shard's image and large values and marks the file clean.
absl::Status SaveShards(absl::Span<Shard* const> shards, const DatabaseMap& databases,
                        int64_t now_millis, RestartFile* file);

// Takes over what a restorable file holds into freshly constructed shards over its regions.
// Returns "" on success, else why the file cannot be used (the shards must then be discarded:
// some may hold part of it). *dropped counts items left out as expired or flushed.
std::string RestoreShards(const RestartFile& file, absl::Span<Shard* const> shards,
                          DatabaseMap* databases, uint64_t* dropped);

}  // namespace memkv::storage

#endif  // MEMKV_STORAGE_SHARD_RESTART_H_
