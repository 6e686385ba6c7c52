// ReserveForValue: grows a reply buffer once, before a value is copied into it.
//
// Why: a value block is appended piecewise (header, value, "\r\n", and usually a closing line
// such as "END\r\n" right after). Without room reserved up front, the append of a large value
// reallocates the buffer, and so can the few bytes after it, copying the whole value a second
// time. Reserving is geometric (libstdc++ at least doubles), so a multiget of many small values
// still reallocates only logarithmically often. Plain function: any thread.
#ifndef MEMKV_PROTOCOL_REPLY_BUFFER_H_
#define MEMKV_PROTOCOL_REPLY_BUFFER_H_

#include <cstddef>
#include <string>

namespace memkv::protocol {

// Makes room in `out` for `bytes` more plus a short trailer and closing line.
inline void ReserveForValue(size_t bytes, std::string* out) {
  constexpr size_t kTrailerBytes = 16;  // "\r\n" + "END\r\n" (or the next reply's first bytes)
  const size_t need = out->size() + bytes + kTrailerBytes;
  if (need > out->capacity()) out->reserve(need);
}

}  // namespace memkv::protocol

#endif  // MEMKV_PROTOCOL_REPLY_BUFFER_H_
