// WAIT numreplicas timeout: memkv has no replicas, so the answer is always 0 replicas, with Redis
// 7.0's argument errors. redis-server without replicas answers 0 at once when numreplicas <= 0 and
// after `timeout` ms otherwise (forever for 0); memkv answers at once in every case, because
// waiting could not change the answer (docs/resp.md).
#include <cstdint>

#include "protocol/resp/resp_reply_encoder.h"
#include "protocol/resp/resp_request_parser.h"
#include "server/exec/resp/resp_commands.h"

namespace memkv::server::resp {

void WaitCommand(Call& call) {
  int64_t replicas = 0;
  if (!protocol::RedisStringToInt64(call.args[1], &replicas)) {
    protocol::AppendError(kNotInteger, call.out);
    return;
  }
  int64_t timeout_millis = 0;
  if (!protocol::RedisStringToInt64(call.args[2], &timeout_millis)) {
    protocol::AppendError("ERR timeout is not an integer or out of range", call.out);
    return;
  }
  if (timeout_millis < 0) {
    protocol::AppendError("ERR timeout is negative", call.out);
    return;
  }
  protocol::AppendInteger(0, call.out);
}

}  // namespace memkv::server::resp
