#include "server/tls/openssl_error.h"

#include <openssl/err.h>

#include <string>

namespace memkv::server {

absl::Status OpenSslError(absl::StatusCode code, std::string_view what) {
  std::string reasons;
  for (unsigned long error = ERR_get_error(); error != 0; error = ERR_get_error()) {
    char text[256];
    ERR_error_string_n(error, text, sizeof(text));
    if (!reasons.empty()) reasons += "; ";
    reasons += text;
  }
  if (reasons.empty()) reasons = "no reason given";
  return absl::Status(code, std::string(what) + ": " + reasons);
}

void ClearOpenSslErrors() { ERR_clear_error(); }

}  // namespace memkv::server
