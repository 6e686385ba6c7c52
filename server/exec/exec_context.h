// ExecContext: what an executor needs besides the request: the engine, the counters of the
// calling thread, and read access to server-wide facts for `stats` and INFO.
//
// Threads: an ExecContext belongs to one executing thread (it holds that thread's CommandStats).
#ifndef MEMKV_SERVER_EXEC_EXEC_CONTEXT_H_
#define MEMKV_SERVER_EXEC_EXEC_CONTEXT_H_

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <utility>

#include "server/exec/auth_registry.h"
#include "server/exec/command_stats.h"
#include "server/exec/server_info.h"
#include "server/exec/spliced_values.h"
#include "storage/engine.h"

namespace memkv::server {

// What the connection does after an executor has answered one request.
enum class ExecOutcome {
  kContinue,  // go on with the next request
  kClose,     // close the connection once the replies so far are written (quit, QUIT)
  kPaused,    // a multi-key command stopped between two keys at its cursor's output limit:
              // write what the output holds, then run the same request again (MultiKeyCursor)
};

// Where a multi-key command (get, gets, gat, gats; RESP MGET) pauses and resumes, so that one
// request never makes a reply much larger than the connection's output limit: `get big big ...`
// naming a 1 MB item 20,000 times must not build a 20 GB reply. Between two keys, once the
// output holds `output_limit` bytes, the executor records the next key and answers kPaused; the
// connection writes what it has and, once the output has drained, runs the same request again,
// which goes on from next_key. At least one key is served per call, so a request always
// progresses. Every counter is per key, so a resumed request counts each key once.
struct MultiKeyCursor {
  size_t output_limit = SIZE_MAX;
  size_t next_key = 0;  // index of the next key among the command's keys; 0 between requests
};

struct ExecContext {
  storage::Engine* engine = nullptr;
  CommandStats* stats = nullptr;  // the calling thread's
  ServerInfo* server = nullptr;   // may be null in unit tests
  // Null: multi-key commands run to the end whatever their size (unit tests, tools).
  MultiKeyCursor* cursor = nullptr;
  // Where large values go instead of being copied into the reply (spliced_values.h); belongs to
  // the output the reply is appended to. Null: every value is copied.
  SplicedValues* spliced = nullptr;
  // The --auth-file user list, shared by every thread; null when authentication is off.
  const AuthRegistry* auth = nullptr;
  // The value of the request being executed when the connection received it into a block of
  // its own (a large set, see docs/architectures.md, "The value path"): the request's value is
  // a view of it, and a store hands the block to the engine (Store(key, ValueBuffer&&)) instead
  // of copying it. Null for every other request.
  storage::ValueBuffer* received_value = nullptr;
};

// Stores `value` under `key`: by adopting the received block when `value` is its bytes (see
// ExecContext::received_value), else by copying.
inline absl::StatusOr<storage::StoreOutcome> StoreValue(ExecContext& context,
                                                        storage::Keyspace& keyspace,
                                                        std::string_view key,
                                                        std::string_view value,
                                                        const storage::StoreArgs& args) {
  storage::ValueBuffer* received = context.received_value;
  if (received != nullptr && *received && value.data() == received->data() &&
      value.size() == received->size()) {
    return keyspace.Store(key, std::move(*received), args);
  }
  return keyspace.Store(key, value, args);
}
inline absl::StatusOr<storage::StoreOutcome> StoreValue(ExecContext& context, std::string_view key,
                                                        std::string_view value,
                                                        const storage::StoreArgs& args) {
  return StoreValue(context, *context.engine, key, value, args);
}

// The bytes of a reply so far, spliced values included: what a cursor's limit is compared with.
inline size_t ReplyBytes(const ExecContext& context, const std::string& out) {
  return out.size() + (context.spliced != nullptr ? context.spliced->bytes() : 0);
}

// For a multi-key command's loop over its keys: whether to stop before key `index` (of the
// command's keys) because the output reached the cursor's limit. Records where to resume.
// Never stops before the first key of a call, so that every call makes progress.
inline bool PauseBeforeKey(ExecContext& context, size_t index, size_t first, size_t output_size) {
  MultiKeyCursor* cursor = context.cursor;
  if (cursor == nullptr || index == first || output_size < cursor->output_limit) return false;
  cursor->next_key = index;
  return true;
}

// memkv's version, as `version`, `stats` and INFO print it.
inline constexpr std::string_view kMemkvVersion = "1.6.18-memkv-0.1";

}  // namespace memkv::server

#endif  // MEMKV_SERVER_EXEC_EXEC_CONTEXT_H_
