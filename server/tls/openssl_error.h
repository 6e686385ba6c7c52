// OpenSslError: OpenSSL's error queue as an absl::Status. OpenSSL reports why a call failed on a
// queue of its own per thread; this takes (and so clears) the whole queue, so that a failure on
// one connection never shows up as the reason of the next one on the same thread.
//
// Threads: any; it reads and clears the calling thread's queue.
#ifndef MEMKV_SERVER_TLS_OPENSSL_ERROR_H_
#define MEMKV_SERVER_TLS_OPENSSL_ERROR_H_

#include <string_view>

#include "absl/status/status.h"

namespace memkv::server {

// `what` failed: a status with `code`, `what` and OpenSSL's reasons ("no reason given" when the
// queue is empty).
absl::Status OpenSslError(absl::StatusCode code, std::string_view what);

// Empties the calling thread's queue, before a call whose failure is then read from it.
void ClearOpenSslErrors();

}  // namespace memkv::server

#endif  // MEMKV_SERVER_TLS_OPENSSL_ERROR_H_
