// ReadConfigFile: the settings of a --config file, one `name value` a line, as written, for the
// option table to apply (options.cc). The names are the long flags' names without "--" (`port
// 11211`, `memory-limit 1024`, `auth-file /etc/memkv/users`); a switch is its name alone (or
// `name yes`; `name no` leaves it off). Blank lines and lines starting with `#` are skipped. The
// value is the rest of the line with the spaces around it removed, so it may hold spaces; there
// is no quoting and no comment after a value (a `#` there is part of the value).
//
// Threads: any; reads the file once.
#ifndef MEMKV_SERVER_CONFIG_FILE_H_
#define MEMKV_SERVER_CONFIG_FILE_H_

#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"

namespace memkv::server {

struct ConfigSetting {
  int line = 0;  // 1-based, for messages
  std::string name;
  std::string value;
};

// The file's settings in order. Errors: the file cannot be read (NotFound, PermissionDenied, ...)
// or a line is not `name [value]` (InvalidArgument naming the line).
absl::StatusOr<std::vector<ConfigSetting>> ReadConfigFile(const std::string& path);

// The same for text already read (the file's contents); `path` only names it in messages.
absl::StatusOr<std::vector<ConfigSetting>> ParseConfigText(std::string_view text,
                                                           std::string_view path);

}  // namespace memkv::server

#endif  // MEMKV_SERVER_CONFIG_FILE_H_
