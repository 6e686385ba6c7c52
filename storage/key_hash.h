// KeyHash: the one hash of a key that picks its shard (high bits) and its bucket (low bits).
//
// XXH3 with a per-engine seed (EngineOptions::hash_seed): with a seed drawn at start, a client
// cannot compute offline which keys share a bucket chain, so it cannot flood one chain to turn
// lookups into long walks under the shard's lock. For keys up to 240 bytes the seeded XXH3 costs
// the same as the unseeded one; beyond that it derives its secret from the seed on each call.
//
// Threads: a pure function; any thread.
#ifndef MEMKV_STORAGE_KEY_HASH_H_
#define MEMKV_STORAGE_KEY_HASH_H_

#include <cstdint>
#include <string_view>

#include "xxhash.h"

namespace memkv::storage {

inline uint64_t KeyHash(std::string_view key, uint64_t seed) {
  return XXH3_64bits_withSeed(key.data(), key.size(), seed);
}

// The hash that places an item of (physical) database `db` in its shard's buckets: KeyHash
// itself in database 0 (so database 0 costs nothing), else KeyHash xor a seeded salt of the
// database, so that one key in several databases falls in unrelated buckets. The shard is picked
// by KeyHash alone (the same shard in every database), which lets a shard map a logical database
// to its physical one under its own lock (see DatabaseMap).
inline uint64_t DatabaseHash(uint64_t key_hash, uint32_t db, uint64_t seed) {
  return db == 0 ? key_hash : key_hash ^ XXH3_64bits_withSeed(&db, sizeof(db), seed);
}

}  // namespace memkv::storage

#endif  // MEMKV_STORAGE_KEY_HASH_H_
