// GlobMatch: Redis's glob-style pattern matching (stringmatchlen): '*', '?', '[...]' (with '^'
// and ranges) and '\' escapes; case-insensitive as CONFIG GET uses it, or exact as KEYS and
// SCAN MATCH use it.
//
// Its cost is bounded whatever the pattern (issue 14 item 5): a naive backtracking matcher takes
// exponential time on a pattern such as "*a*a*a*a...b" against "aaaa...", and recursion as deep
// as the pattern has stars. As in Redis 7 (after CVE-2022-36021), when what follows a '*'
// matches at no position of the rest of the text, no earlier '*' is tried with a longer match
// either (every token between two stars takes exactly one byte, so a longer match for an earlier
// star only leaves less text for this one); and a pattern nested more than 1000 stars deep
// matches nothing. The time is then at most about pattern length x text length steps.
//
// Threads: a pure function, any thread.
#ifndef MEMKV_SERVER_EXEC_RESP_GLOB_MATCH_H_
#define MEMKV_SERVER_EXEC_RESP_GLOB_MATCH_H_

#include <string_view>

namespace memkv::server::resp {

// How deep '*' may nest before a pattern matches nothing (Redis's limit).
inline constexpr int kMaxGlobStarNesting = 1000;

// Whether `text` matches `pattern`, ignoring ASCII case unless ignore_case is false.
bool GlobMatch(std::string_view pattern, std::string_view text, bool ignore_case = true);

}  // namespace memkv::server::resp

#endif  // MEMKV_SERVER_EXEC_RESP_GLOB_MATCH_H_
