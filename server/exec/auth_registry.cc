#include "server/exec/auth_registry.h"

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <utility>

#include "absl/strings/str_cat.h"

namespace memkv::server {
namespace {

// A file of 8 lines of 256 bytes is about 2 KiB; anything much larger is not an auth file.
constexpr size_t kMaxFileBytes = 64 * 1024;

struct FileCloser {
  void operator()(FILE* file) const { std::fclose(file); }
};

absl::StatusOr<std::string> ReadSmallFile(const std::string& path) {
  std::unique_ptr<FILE, FileCloser> file(std::fopen(path.c_str(), "rb"));
  if (file == nullptr) {
    return absl::NotFoundError(absl::StrCat(path, ": ", std::strerror(errno)));
  }
  std::string contents(kMaxFileBytes + 1, '\0');
  size_t n = std::fread(contents.data(), 1, contents.size(), file.get());
  if (std::ferror(file.get())) {
    return absl::InternalError(absl::StrCat(path, ": read error"));
  }
  if (n > kMaxFileBytes) {
    return absl::InvalidArgumentError(
        absl::StrCat(path, ": larger than ", kMaxFileBytes, " bytes"));
  }
  contents.resize(n);
  return contents;
}

}  // namespace

absl::StatusOr<std::unique_ptr<AuthRegistry>> AuthRegistry::Load(std::string path) {
  std::unique_ptr<AuthRegistry> registry(new AuthRegistry(std::move(path)));
  if (absl::Status status = registry->Reload(); !status.ok()) return status;
  return registry;
}

absl::StatusOr<std::shared_ptr<const AuthUsers>> AuthRegistry::ReadFile() const {
  absl::StatusOr<std::string> contents = ReadSmallFile(path_);
  if (!contents.ok()) return contents.status();
  absl::StatusOr<AuthUsers> users = AuthUsers::Parse(*contents);
  if (!users.ok()) {
    return absl::InvalidArgumentError(absl::StrCat(path_, ": ", users.status().message()));
  }
  return std::make_shared<const AuthUsers>(*std::move(users));
}

absl::Status AuthRegistry::Reload() {
  absl::StatusOr<std::shared_ptr<const AuthUsers>> users = ReadFile();
  if (!users.ok()) return users.status();
  // Only the pointer swap is under the lock; the old list is freed by whoever drops it last.
  std::shared_ptr<const AuthUsers> old;
  {
    absl::MutexLock lock(&mutex_);
    old = std::exchange(users_, *std::move(users));
  }
  return absl::OkStatus();
}

std::shared_ptr<const AuthUsers> AuthRegistry::Snapshot() const {
  absl::MutexLock lock(&mutex_);
  return users_;
}

bool AuthRegistry::Check(std::string_view user, std::string_view password) const {
  std::shared_ptr<const AuthUsers> users = Snapshot();
  return users != nullptr && users->Check(user, password);
}

}  // namespace memkv::server
