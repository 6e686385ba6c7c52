// ItemRecord: the byte layout of one item inside a segment (see segment_log.h), and accessors
// that read and write it in place.
//
// Layout, from an 8-byte aligned start (offsets in bytes):
//    0  uint32  next: reference of the next record in the same hash bucket (0 = end of chain)
//    4  uint32  value length; its top bit (kHasDbBit) says the database field is present
//    8  uint64  CAS unique
//   16  uint32  last access, unix seconds
//   20  uint8   key length (255 = the real length is in the uint32 "long key length" field)
//   21  uint8   bits (Bit below)
//   22  uint32  client flags          only if kHasFlags
//       int64   expiry, unix ms       only if kHasExpiry
//       uint32  database (physical)   only if the item is not in database 0
//       uint32  long key length       only if key length >= 255
//       key bytes
//       value bytes, or, if kExternal, the address of the ValueBlock holding them
//   padded to a multiple of 8.
// Why: 22 fixed bytes + a 4-byte bucket slot is the whole per-item cost (no malloc header, no
// 8-byte pointers); flags and expiry are zero for most cache items and then take no space. For a
// 20-byte key and a 100-byte value the record is 144 bytes: 24 bytes of overhead.
// The database (Redis SELECT) is part of the item's identity like the key, but database 0, where
// every memcached item lives, takes no byte: values are at most 1 GiB (Engine::Create), so the
// value length's top bit is free to say that a 4-byte database number follows.
//
// Threads: none of its own; used under the owning shard's lock.
#ifndef MEMKV_STORAGE_ITEM_RECORD_H_
#define MEMKV_STORAGE_ITEM_RECORD_H_

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string_view>

#include "storage/item_meta.h"
#include "storage/value_block.h"

namespace memkv::storage {

class ItemRecord {
 public:
  enum Bit : uint8_t {
    kHasFlags = 1 << 0,
    kHasExpiry = 1 << 1,
    kFetched = 1 << 2,
    kStale = 1 << 3,
    kWinSent = 1 << 4,
    kAccessed = 1 << 5,  // read since the cleaner last passed: earns a second chance
    kDead = 1 << 6,      // unlinked; its space is reclaimed when its segment is cleaned
    kExternal = 1 << 7,  // value lives in a separate allocation (large items)
  };
  static constexpr size_t kAlignment = 8;
  static constexpr size_t kFixedBytes = 22;
  static constexpr size_t kLongKey = 255;
  static constexpr uint32_t kHasDbBit = uint32_t{1} << 31;
  // The most a record can spend beyond its key: the fixed fields, flags, expiry, database, a
  // long key's length and a large value's block address.
  static constexpr size_t kMaxBytesBesideKey = kFixedBytes + 4 + 8 + 4 + 4 + sizeof(ValueBlock*);

  // The longest key whose record, with every optional field and its value in a block of its own,
  // fits in record_bytes (a multiple of kAlignment): a key that fits so fits whatever its value
  // and meta, and whatever meta later changes rewrite it with.
  static size_t MaxKeyBytes(size_t record_bytes) {
    return record_bytes > kMaxBytesBesideKey ? record_bytes - kMaxBytesBesideKey : 0;
  }

  explicit ItemRecord(char* start) : p_(start) {}

  // Bytes a record needs (aligned) for these lengths, the fields `meta` needs and database `db`.
  static size_t SizeFor(size_t key_len, size_t value_len, const ItemMeta& meta, bool external,
                        uint32_t db = 0) {
    const size_t raw = kFixedBytes + (meta.client_flags != 0 ? 4 : 0) +
                       (meta.expiry_millis != 0 ? 8 : 0) + (db != 0 ? 4 : 0) +
                       (key_len >= kLongKey ? 4 : 0) + key_len +
                       (external ? sizeof(ValueBlock*) : value_len);
    return (raw + kAlignment - 1) & ~(kAlignment - 1);
  }

  // Writes the header and key; the caller then fills value_data() (or sets the external block).
  void Init(std::string_view key, size_t value_len, const ItemMeta& meta, bool external,
            uint32_t db = 0) {
    uint8_t bits = external ? kExternal : 0;
    if (meta.client_flags != 0) bits |= kHasFlags;
    if (meta.expiry_millis != 0) bits |= kHasExpiry;
    Put<uint32_t>(0, 0);
    Put<uint32_t>(4, static_cast<uint32_t>(value_len) | (db != 0 ? kHasDbBit : 0));
    p_[20] = static_cast<char>(key.size() >= kLongKey ? kLongKey : key.size());
    p_[21] = static_cast<char>(bits);
    if (db != 0) Put<uint32_t>(DbOffset(), db);
    if (key.size() >= kLongKey) Put<uint32_t>(LongKeyOffset(), static_cast<uint32_t>(key.size()));
    WriteMeta(meta);
    if (!key.empty()) std::memcpy(p_ + KeyOffset(), key.data(), key.size());
  }

  uint32_t next() const { return Get<uint32_t>(0); }
  void set_next(uint32_t ref) { Put<uint32_t>(0, ref); }
  uint8_t bits() const { return static_cast<uint8_t>(p_[21]); }
  bool has(Bit bit) const { return (bits() & bit) != 0; }
  void set(Bit bit, bool on) { p_[21] = static_cast<char>(on ? (bits() | bit) : (bits() & ~bit)); }

  size_t key_len() const {
    const size_t short_len = static_cast<uint8_t>(p_[20]);
    return short_len == kLongKey ? Get<uint32_t>(LongKeyOffset()) : short_len;
  }
  size_t value_len() const { return Get<uint32_t>(4) & ~kHasDbBit; }
  // The (physical) database the item belongs to.
  uint32_t db() const { return has_db() ? Get<uint32_t>(DbOffset()) : 0; }
  std::string_view key() const { return {p_ + KeyOffset(), key_len()}; }
  std::string_view value() const { return {value_data(), value_len()}; }
  char* value_data() const {
    return has(kExternal) ? external_block()->bytes() : p_ + ValueOffset();
  }
  // REQUIRES: has(kExternal).
  ValueBlock* external_block() const { return Get<ValueBlock*>(ValueOffset()); }
  void set_external_block(ValueBlock* block) { Put<ValueBlock*>(ValueOffset(), block); }
  int64_t expiry_millis() const { return has(kHasExpiry) ? Get<int64_t>(ExpiryOffset()) : 0; }
  size_t size() const {
    const size_t raw = ValueOffset() + (has(kExternal) ? sizeof(ValueBlock*) : value_len());
    return (raw + kAlignment - 1) & ~(kAlignment - 1);
  }

  ItemMeta meta() const {
    ItemMeta meta;
    meta.cas = Get<uint64_t>(8);
    meta.last_access_sec = Get<uint32_t>(16);
    meta.client_flags = has(kHasFlags) ? Get<uint32_t>(22) : 0;
    meta.expiry_millis = expiry_millis();
    meta.fetched = has(kFetched);
    meta.stale = has(kStale);
    meta.win_token_sent = has(kWinSent);
    return meta;
  }

  // False (and nothing written) if `meta` needs a field this record has no room for.
  bool FitsMeta(const ItemMeta& meta) const {
    return (meta.client_flags == 0 || has(kHasFlags)) &&
           (meta.expiry_millis == 0 || has(kHasExpiry));
  }
  void WriteMeta(const ItemMeta& meta) {
    Put<uint64_t>(8, meta.cas);
    Put<uint32_t>(16, meta.last_access_sec);
    if (has(kHasFlags)) Put<uint32_t>(22, meta.client_flags);
    if (has(kHasExpiry)) Put<int64_t>(ExpiryOffset(), meta.expiry_millis);
    set(kFetched, meta.fetched);
    set(kStale, meta.stale);
    set(kWinSent, meta.win_token_sent);
  }
  void set_last_access_sec(uint32_t sec) { Put<uint32_t>(16, sec); }

 private:
  size_t ExpiryOffset() const { return kFixedBytes + (has(kHasFlags) ? 4 : 0); }
  bool has_db() const { return (Get<uint32_t>(4) & kHasDbBit) != 0; }
  size_t DbOffset() const { return ExpiryOffset() + (has(kHasExpiry) ? 8 : 0); }
  size_t LongKeyOffset() const { return DbOffset() + (has_db() ? 4 : 0); }
  size_t KeyOffset() const {
    return LongKeyOffset() + (static_cast<uint8_t>(p_[20]) == kLongKey ? 4 : 0);
  }
  size_t ValueOffset() const { return KeyOffset() + key_len(); }

  // Unaligned-safe field access: optional fields shift the ones after them.
  template <typename T>
  T Get(size_t offset) const {
    T value;
    std::memcpy(&value, p_ + offset, sizeof(T));
    return value;
  }
  template <typename T>
  void Put(size_t offset, T value) {
    std::memcpy(p_ + offset, &value, sizeof(T));
  }

  char* p_;
};

}  // namespace memkv::storage

#endif  // MEMKV_STORAGE_ITEM_RECORD_H_
