// MemcachedItemSize: an item's size as memcached counts it against -I (item_size_ok), which both
// request parsers need to answer a store "too large" from its command line, before its data
// arrives, exactly where memcached does.
//
// Used by the parsers of protocol/memcache/, and by `lru_crawler metadump` for its size= field
// (server/exec/text_admin.cc). Plain function: any thread.
#ifndef MEMKV_PROTOCOL_MEMCACHE_ITEM_SIZE_H_
#define MEMKV_PROTOCOL_MEMCACHE_ITEM_SIZE_H_

#include <cstddef>
#include <cstdint>

namespace memkv::protocol::memcache_internal {

// A 48-byte header, an 8-byte CAS, the key plus a NUL, 4 bytes of client flags when they are
// nonzero, and the value plus its CRLF. Measured on memcached 1.6.18 -I 1m: the largest accepted
// key + value with flags 0 is 1048576 - 59 bytes.
inline size_t MemcachedItemSize(size_t key_bytes, size_t value_bytes, uint32_t client_flags) {
  constexpr size_t kItemOverheadBytes = 48 + 8 + 1 + 2;
  constexpr size_t kFlagsBytes = 4;
  return kItemOverheadBytes + key_bytes + value_bytes + (client_flags != 0 ? kFlagsBytes : 0);
}

}  // namespace memkv::protocol::memcache_internal

#endif  // MEMKV_PROTOCOL_MEMCACHE_ITEM_SIZE_H_
