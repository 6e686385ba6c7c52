// BinaryRequestParser: the server side's incremental parser of the memcached binary protocol,
// which a connection speaks for life when its first byte is the request magic 0x80.
//
// Parse() looks at the bytes received so far and takes at most one request from their front,
// consuming exactly what memcached 1.6.18 consumes (try_read_command_binary, dispatch_bin_command)
// so that a stream with odd lengths stays framed as memcached frames it:
//   - the 24-byte header, the extras and the key are always read whole first (at most
//     24 + 255 + 65535 bytes: the lengths are 8 and 16 bits);
//   - a store (SET / ADD / REPLACE / APPEND / PREPEND and quiet forms) or SASL AUTH / STEP also
//     takes its value, the rest of the body; one too large for the item limit is kOk with
//     problem kTooLarge, `consumed` = header + extras + key and `swallow` = the value, which the
//     caller drops as it arrives: never buffered whole;
//   - an unknown opcode is kOk with problem kUnknownCommand and `swallow` = the whole body length
//     (memcached skips that many bytes after the extras and key it already read);
//   - every other command takes header + extras + key only.
// Requests memcached refuses (bad lengths, long keys, wrong extras) are kOk with `problem` set:
// their answers need the opcode and opaque, so the executor writes them.
//
// kMustClose (empty error) only for a first byte that is not 0x80: memcached closes without a
// word. kNeedMore until the bytes named above are there; a request cut at any byte parses the
// same as whole.
//
// No I/O, no allocation. Immutable after construction: any thread, any number of connections.
#ifndef MEMKV_PROTOCOL_MEMCACHE_BINARY_REQUEST_PARSER_H_
#define MEMKV_PROTOCOL_MEMCACHE_BINARY_REQUEST_PARSER_H_

#include <cstddef>
#include <string_view>

#include "protocol/memcache/binary_request.h"
#include "protocol/parse_result.h"

namespace memkv::protocol {

struct BinaryRequestParserLimits {
  // Largest item a store may carry (memcached -I), sized as memcached sizes it.
  size_t max_item_bytes = size_t{1} << 20;
};

class BinaryRequestParser {
 public:
  explicit BinaryRequestParser(BinaryRequestParserLimits limits = {}) : limits_(limits) {}

  // Parses one request from the front of `input` into `*out` (see the file comment). On kOk,
  // `*out` points into `input`.
  ParseResult Parse(std::string_view input, BinaryRequest* out) const;
  // For a caller that receives a store's value into memory of its own (the server reads a large
  // value straight into the block it will be stored in): when the front of `input` holds the
  // whole header, extras and key of a SET, ADD, REPLACE, APPEND or PREPEND (quiet or not) that
  // Parse would keep (well-formed, within max_item_bytes) and its value has not all arrived,
  // fills `*out` (all but `value`), sets `*head_bytes` (header, extras and key) and
  // `*value_bytes`, and returns true. False for anything else: the caller uses Parse.
  bool ParseStoreHeader(std::string_view input, BinaryRequest* out, size_t* head_bytes,
                        size_t* value_bytes) const;

  const BinaryRequestParserLimits& limits() const { return limits_; }

 private:
  BinaryRequestParserLimits limits_;
};

// True when the first byte of a connection makes it speak the binary protocol.
inline bool StartsBinaryRequest(std::string_view input) {
  return !input.empty() && static_cast<uint8_t>(input.front()) == binary::kRequestMagic;
}

}  // namespace memkv::protocol

#endif  // MEMKV_PROTOCOL_MEMCACHE_BINARY_REQUEST_PARSER_H_
