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

}  // namespace memkv::storage

#endif  // MEMKV_STORAGE_KEY_HASH_H_
