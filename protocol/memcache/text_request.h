// TextRequest: one request of the memcached text protocol ("classic" ASCII commands), as
// TextRequestParser produces it and the server's text executor consumes it.
//
// Every string_view points into the input buffer the parser was given: no key or value byte is
// copied. The request is valid only while that buffer is unchanged, i.e. until the connection
// drops the consumed bytes. Plain value type; one thread at a time. Reusing one TextRequest for
// every request of a connection keeps the key vector's capacity, so a multi-get of more keys than
// fit inline allocates once per connection, not once per request.
#ifndef MEMKV_PROTOCOL_MEMCACHE_TEXT_REQUEST_H_
#define MEMKV_PROTOCOL_MEMCACHE_TEXT_REQUEST_H_

#include <array>
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "absl/container/inlined_vector.h"

namespace memkv::protocol {

enum class TextCommand : uint8_t {
  kGet,        // get <key>*
  kGets,       // gets <key>*
  kGat,        // gat <exptime> <key>*
  kGats,       // gats <exptime> <key>*
  kSet,        // set <key> <flags> <exptime> <bytes> [noreply]\r\n<data>\r\n
  kAdd,        // add ...      (as set)
  kReplace,    // replace ...  (as set)
  kAppend,     // append ...   (as set; flags and exptime are parsed but ignored by memcached)
  kPrepend,    // prepend ...  (as set)
  kCas,        // cas <key> <flags> <exptime> <bytes> <cas unique> [noreply]\r\n<data>\r\n
  kTouch,      // touch <key> <exptime> [noreply]
  kDelete,     // delete <key> [0] [noreply]
  kIncr,       // incr <key> <delta> [noreply]
  kDecr,       // decr <key> <delta> [noreply]
  kFlushAll,   // flush_all [delay] [noreply]
  kVersion,    // version
  kVerbosity,  // verbosity <level> [noreply]
  kStats,      // stats [<argument>]
  kQuit,       // quit
  kShutdown,   // shutdown [graceful]: memcached answers "ERROR: shutdown not enabled" without -A
  // Administrative commands whose arguments the executor reads from TextRequest::admin_args,
  // because what they mean (and memcached's answer) depends on the server's state.
  kSlabs,          // slabs reassign <src> <dst> | slabs automove <0|1|2> [noreply]
  kLruCrawler,     // lru_crawler crawl|metadump|tocrawl|sleep|enable|disable ...
  kCacheMemlimit,  // cache_memlimit <megabytes> [noreply]
};

// "get", "set", ... as sent on the wire.
std::string_view TextCommandName(TextCommand command);

// True for get, gets, gat and gats, whose keys are in TextRequest::keys.
inline bool IsRetrievalCommand(TextCommand c) {
  return c == TextCommand::kGet || c == TextCommand::kGets || c == TextCommand::kGat ||
         c == TextCommand::kGats;
}

// True for set, add, replace, append, prepend and cas, which carry a data block.
inline bool IsStorageCommand(TextCommand c) {
  return c >= TextCommand::kSet && c <= TextCommand::kCas;
}

struct TextRequest {
  TextCommand command = TextCommand::kVersion;

  // Retrieval commands: every key, in request order (at least one). Other commands: empty.
  absl::InlinedVector<std::string_view, 16> keys;
  // Single-key commands (storage, touch, delete, incr, decr): the key. Retrieval: empty.
  std::string_view key;

  uint32_t client_flags = 0;  // storage commands
  // Storage commands, touch, gat, gats: the exptime as memcached reads it (a 32-bit signed
  // number: 4294967296 reads as 0, as in memcached). 0 = never, <= 30 days relative seconds, larger
  // = absolute unix seconds, negative = already expired; the executor converts it with the clock.
  int64_t exptime = 0;
  uint32_t bytes = 0;       // storage commands: the data block's length, without its CRLF
  uint64_t cas_unique = 0;  // cas
  uint64_t delta = 0;       // incr, decr
  bool noreply = false;     // the request ended in "noreply": send no reply at all
  std::string_view value;   // storage commands: the data block, without its CRLF
  // Storage commands: the item would exceed the size limit. The parser took only the command
  // line (the data is ParseResult::swallow) and `value` is empty; the executor answers
  // "SERVER_ERROR object too large for cache" and, for set only, deletes the key as memcached
  // does.
  bool too_large = false;

  std::string_view stats_argument;  // stats: the first argument ("" for plain `stats`)
  // stats, slabs, lru_crawler, cache_memlimit: the first tokens after the command's name ("" past
  // the last), and how many tokens followed the name in all (memcached's ntokens - 2).
  std::array<std::string_view, 4> admin_args;
  size_t admin_arg_count = 0;
  int64_t flush_delay = 0;       // flush_all: seconds (as sent; 0 = now)
  bool has_flush_delay = false;  // flush_all: a delay was given
  int64_t verbosity = 0;         // verbosity: the level
  bool graceful = false;         // shutdown graceful

  // Resets every field; keeps the keys' heap capacity (absl's clear() would free it).
  void Clear() {
    command = TextCommand::kVersion;
    keys.erase(keys.begin(), keys.end());
    key = {};
    client_flags = 0;
    exptime = 0;
    bytes = 0;
    cas_unique = 0;
    delta = 0;
    noreply = false;
    value = {};
    too_large = false;
    stats_argument = {};
    admin_args = {};
    admin_arg_count = 0;
    flush_delay = 0;
    has_flush_delay = false;
    verbosity = 0;
    graceful = false;
  }
};

}  // namespace memkv::protocol

#endif  // MEMKV_PROTOCOL_MEMCACHE_TEXT_REQUEST_H_
