// RESP LCS: the longest common subsequence of two string values (LCS key1 key2 [LEN] [IDX]
// [MINMATCHLEN len] [WITHMATCHLEN]), computed, walked and answered as Redis 7.0's t_string.c does
// (the same dynamic-programming table and the same backward walk, so ties resolve the same way).
// The two values are copied out of the engine one after the other (Redis reads them at one
// instant). The table is bounded as Redis bounds it, by proto-max-bulk-len: memkv's default,
// max(-I, 1 MiB), rather than Redis's 512 MB, since the table is transient memory per request.
#include <algorithm>
#include <cstdint>
#include <string>
#include <vector>

#include "protocol/resp/resp_reply_encoder.h"
#include "protocol/resp/resp_request_parser.h"
#include "server/exec/resp/resp_commands.h"

namespace memkv::server::resp {
namespace {

using protocol::AppendArrayHeader;
using protocol::AppendBulk;
using protocol::AppendError;
using protocol::AppendInteger;

std::string ReadValue(Call& call, std::string_view key) {
  std::string value;
  const storage::LookupResult result =
      call.engine().Get(key, [&value](const storage::ItemView& item) { value.assign(item.value); });
  CountRead(call, result);
  return value;  // a missing key is the empty string, as in Redis
}

}  // namespace

void LcsCommand(Call& call) {
  const std::string a = ReadValue(call, call.args[1]);
  const std::string b = ReadValue(call, call.args[2]);
  bool get_idx = false;
  bool get_len = false;
  bool with_match_len = false;
  int64_t min_match_len = 0;
  for (size_t j = 3; j < call.args.size(); ++j) {
    const bool more = j + 1 < call.args.size();
    if (IsKeyword(call.args[j], "idx")) {
      get_idx = true;
    } else if (IsKeyword(call.args[j], "len")) {
      get_len = true;
    } else if (IsKeyword(call.args[j], "withmatchlen")) {
      with_match_len = true;
    } else if (IsKeyword(call.args[j], "minmatchlen") && more) {
      if (!protocol::RedisStringToInt64(call.args[j + 1], &min_match_len)) {
        AppendError(kNotInteger, call.out);
        return;
      }
      if (min_match_len < 0) min_match_len = 0;
      ++j;
    } else {
      AppendError(kSyntaxError, call.out);
      return;
    }
  }
  if (get_idx && get_len) {
    AppendError("ERR If you want both the length and indexes, please just use IDX.", call.out);
    return;
  }
  const uint64_t alen = a.size();
  const uint64_t blen = b.size();
  const uint64_t table_bytes = (alen + 1) * (blen + 1) * sizeof(uint32_t);
  const uint64_t limit =
      std::max<uint64_t>(call.context.engine->options().max_item_bytes, uint64_t{1} << 20);
  if (table_bytes > limit) {
    AppendError("ERR Insufficient memory, transient memory for LCS exceeds proto-max-bulk-len",
                call.out);
    return;
  }
  // lcs[j + (blen + 1) * i]: the LCS length of a[0..i) and b[0..j).
  std::vector<uint32_t> lcs((alen + 1) * (blen + 1), 0);
  auto at = [&](uint64_t i, uint64_t j) -> uint32_t& { return lcs[j + (blen + 1) * i]; };
  for (uint64_t i = 1; i <= alen; ++i) {
    for (uint64_t j = 1; j <= blen; ++j) {
      at(i, j) = a[i - 1] == b[j - 1] ? at(i - 1, j - 1) + 1 : std::max(at(i - 1, j), at(i, j - 1));
    }
  }
  uint32_t idx = at(alen, blen);
  const bool compute = get_idx || !get_len;
  std::string result(compute ? idx : 0, '\0');
  // The IDX reply's ranges, collected first: their count heads the array.
  std::string ranges;
  size_t range_count = 0;
  uint64_t arange_start = alen;  // alen: no range open
  uint64_t arange_end = 0;
  uint64_t brange_start = 0;
  uint64_t brange_end = 0;
  uint64_t i = alen;
  uint64_t j = blen;
  while (compute && i > 0 && j > 0) {
    bool emit = false;
    if (a[i - 1] == b[j - 1]) {
      result[idx - 1] = a[i - 1];
      if (arange_start == alen) {
        arange_start = arange_end = i - 1;
        brange_start = brange_end = j - 1;
      } else if (arange_start == i && brange_start == j) {
        --arange_start;
        --brange_start;
      } else {
        emit = true;
      }
      if (arange_start == 0 || brange_start == 0) emit = true;
      --idx;
      --i;
      --j;
    } else {
      if (at(i - 1, j) > at(i, j - 1)) {
        --i;
      } else {
        --j;
      }
      if (arange_start != alen) emit = true;
    }
    const uint64_t match_len = arange_end - arange_start + 1;
    if (emit) {
      if (get_idx && (min_match_len == 0 || match_len >= static_cast<uint64_t>(min_match_len))) {
        AppendArrayHeader(with_match_len ? 3 : 2, &ranges);
        AppendArrayHeader(2, &ranges);
        AppendInteger(static_cast<int64_t>(arange_start), &ranges);
        AppendInteger(static_cast<int64_t>(arange_end), &ranges);
        AppendArrayHeader(2, &ranges);
        AppendInteger(static_cast<int64_t>(brange_start), &ranges);
        AppendInteger(static_cast<int64_t>(brange_end), &ranges);
        if (with_match_len) AppendInteger(static_cast<int64_t>(match_len), &ranges);
        ++range_count;
      }
      arange_start = alen;
    }
  }
  if (get_idx) {
    protocol::AppendMapHeader(2, call.resp(), call.out);  // matches: ranges, len: length
    AppendBulk("matches", call.out);
    AppendArrayHeader(range_count, call.out);
    call.out->append(ranges);
    AppendBulk("len", call.out);
    AppendInteger(at(alen, blen), call.out);
  } else if (get_len) {
    AppendInteger(idx, call.out);
  } else {
    AppendBulk(result, call.out);
  }
}

}  // namespace memkv::server::resp
