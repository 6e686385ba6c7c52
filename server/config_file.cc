#include "server/config_file.h"

#include <cerrno>
#include <cstring>
#include <fstream>
#include <sstream>

#include "absl/strings/ascii.h"
#include "absl/strings/str_format.h"

namespace memkv::server {

absl::StatusOr<std::vector<ConfigSetting>> ReadConfigFile(const std::string& path) {
  std::ifstream file(path);
  if (!file) {
    int error = errno;
    std::string message = absl::StrFormat("--config %s: %s", path, std::strerror(error));
    return error == ENOENT ? absl::NotFoundError(message) : absl::PermissionDeniedError(message);
  }
  std::stringstream text;
  text << file.rdbuf();
  return ParseConfigText(text.str(), path);
}

absl::StatusOr<std::vector<ConfigSetting>> ParseConfigText(std::string_view text,
                                                           std::string_view path) {
  std::vector<ConfigSetting> settings;
  int line_number = 0;
  while (!text.empty()) {
    size_t eol = text.find('\n');
    std::string_view line = text.substr(0, eol);
    text.remove_prefix(eol == std::string_view::npos ? text.size() : eol + 1);
    ++line_number;
    absl::string_view trimmed =
        absl::StripAsciiWhitespace(absl::string_view(line.data(), line.size()));
    if (trimmed.empty() || trimmed.front() == '#') continue;
    size_t space = trimmed.find_first_of(" \t");
    ConfigSetting setting;
    setting.line = line_number;
    setting.name = std::string(trimmed.substr(0, space));
    if (space != absl::string_view::npos) {
      setting.value = std::string(absl::StripAsciiWhitespace(trimmed.substr(space)));
    }
    if (setting.name.size() > 2 && setting.name.compare(0, 2, "--") == 0) {
      return absl::InvalidArgumentError(
          absl::StrFormat("--config %s line %d: write '%s' without the dashes", path, line_number,
                          setting.name.substr(2)));
    }
    settings.push_back(std::move(setting));
  }
  return settings;
}

}  // namespace memkv::server
