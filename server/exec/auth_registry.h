// AuthRegistry: the server's current user list (--auth-file), shared by every connection of
// both dialects, and re-read from its file on request (SIGHUP) without stopping the server.
//
// The list itself is an immutable AuthUsers snapshot held by a shared_ptr. Reload() parses the
// file into a new snapshot and swaps the pointer under a mutex; a check takes the snapshot
// once, so it sees either the old list or the new one whole, and an old list lives until its
// last check ends. A file that fails to load leaves the current list in place.
//
// Connections that authenticated before a reload stay authenticated (as memcached and Redis
// do for a connection already past its AUTH); the new list applies to every later attempt.
//
// Threads: any thread may call Check() and Reload() at any time.
#ifndef MEMKV_SERVER_EXEC_AUTH_REGISTRY_H_
#define MEMKV_SERVER_EXEC_AUTH_REGISTRY_H_

#include <memory>
#include <string>
#include <string_view>

#include "absl/base/thread_annotations.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "server/exec/auth_users.h"
#include "server/exec/command_stats.h"

namespace memkv::server {

class AuthRegistry {
 public:
  // Reads and parses `path`; the error names the file and, for a bad line, the line.
  static absl::StatusOr<std::unique_ptr<AuthRegistry>> Load(std::string path);

  // Reads the file again; on success the new list replaces the old one.
  absl::Status Reload();

  // Whether `user` / `password` is in the current list (constant time, AuthUsers::Check).
  bool Check(std::string_view user, std::string_view password) const;

  const std::string& path() const { return path_; }

 private:
  explicit AuthRegistry(std::string path) : path_(std::move(path)) {}
  // The file's list, or why it cannot be used.
  absl::StatusOr<std::shared_ptr<const AuthUsers>> ReadFile() const;
  std::shared_ptr<const AuthUsers> Snapshot() const;

  const std::string path_;
  mutable absl::Mutex mutex_;
  std::shared_ptr<const AuthUsers> users_ ABSL_GUARDED_BY(mutex_);
};

// One check of a user and password against the list, in either dialect: memcached's auth_cmds
// counts every check, auth_errors the failed ones (INFO acl_access_denied_auth).
inline void CountAuthAttempt(bool accepted, CommandStats* stats) {
  stats->auth_cmds.Add();
  if (!accepted) stats->auth_errors.Add();
}

}  // namespace memkv::server

#endif  // MEMKV_SERVER_EXEC_AUTH_REGISTRY_H_
