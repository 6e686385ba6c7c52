#include "storage/restart_file.h"

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"

namespace memkv::storage {
namespace {

constexpr char kMagic[8] = {'M', 'E', 'M', 'K', 'V', 'R', 'S', 'T'};
constexpr uint32_t kByteOrderMark = 0x01020304;
// Bump when the header, the image encoding or ItemRecord's layout changes.
constexpr uint32_t kFormat = 1;
constexpr uint32_t kStateInUse = 1;
constexpr uint32_t kStateClean = 2;
constexpr uint64_t kHeaderBytes = 4096;

std::string ErrnoText(const char* what, const std::string& path) {
  return absl::StrCat(what, " ", path, ": ", std::strerror(errno));
}

// A NUL-padded copy of a version string that fits the header.
void CopyVersion(std::string_view version, char (&out)[32]) {
  std::memset(out, 0, sizeof(out));
  std::memcpy(out, version.data(), std::min(version.size(), sizeof(out) - 1));
}

absl::Status WriteAll(int fd, const void* data, size_t size, uint64_t offset,
                      const std::string& path) {
  const char* p = static_cast<const char*>(data);
  while (size > 0) {
    const ssize_t n = pwrite(fd, p, size, static_cast<off_t>(offset));
    if (n < 0) {
      if (errno == EINTR) continue;
      return absl::InternalError(ErrnoText("write", path));
    }
    p += n;
    size -= static_cast<size_t>(n);
    offset += static_cast<uint64_t>(n);
  }
  return absl::OkStatus();
}

bool ReadAll(int fd, void* data, size_t size, uint64_t offset) {
  char* p = static_cast<char*>(data);
  while (size > 0) {
    const ssize_t n = pread(fd, p, size, static_cast<off_t>(offset));
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return false;
    p += n;
    size -= static_cast<size_t>(n);
    offset += static_cast<uint64_t>(n);
  }
  return true;
}

}  // namespace

// The first bytes of the file. Plain fields, copied in and out with memcpy.
struct RestartFile::Header {
  char magic[8];
  uint32_t byte_order;
  uint32_t format;
  uint32_t state;
  uint32_t unused;
  char version[32];
  uint64_t memory_limit_bytes;
  uint64_t max_item_bytes;
  uint64_t shard_count;
  uint64_t databases;
  uint64_t segment_bytes;
  uint64_t slots_per_shard;
  uint64_t hash_seed;
  uint64_t arena_offset;
  uint64_t arena_bytes;
  uint64_t large_offset;
  uint64_t large_bytes;
  uint64_t large_digest;
  uint64_t meta_offset;
  uint64_t meta_bytes;
  uint64_t meta_digest;
  int64_t saved_at_millis;
  uint64_t header_digest;  // XXH3 of every byte before it
};
static_assert(sizeof(RestartFile::Header) <= kHeaderBytes);

namespace {

uint64_t HeaderDigest(const RestartFile::Header& header) {
  return XXH3_64bits(&header, offsetof(RestartFile::Header, header_digest));
}

std::string VersionOf(const RestartFile::Header& header) {
  return std::string(header.version, strnlen(header.version, sizeof(header.version)));
}

}  // namespace

struct RestartFile::Saved {
  Header header;
};

RestartFile::RestartFile(std::string path, int fd, const RestartSettings& settings)
    : path_(std::move(path)),
      fd_(fd),
      settings_(settings),
      arena_bytes_(settings.shard_count * settings.slots_per_shard * settings.segment_bytes) {}

RestartFile::~RestartFile() {
  UnmapLarge();
  if (arena_ != nullptr) munmap(arena_, arena_bytes_);
  close(fd_);
}

absl::StatusOr<std::unique_ptr<RestartFile>> RestartFile::Open(const std::string& path,
                                                               const RestartSettings& settings) {
  const int fd = open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600);
  if (fd < 0) return absl::FailedPreconditionError(ErrnoText("cannot open", path));
  std::unique_ptr<RestartFile> file(new RestartFile(path, fd, settings));
  struct stat st;
  if (fstat(fd, &st) != 0) return absl::InternalError(ErrnoText("cannot stat", path));
  const uint64_t file_bytes = static_cast<uint64_t>(st.st_size);
  if (file_bytes != 0) {
    file->discard_reason_ = file->Check(file_bytes);
    file->restorable_ = file->discard_reason_.empty();
  }
  if (!file->restorable_) {
    // Start the file anew: no byte of what it held may be read as an item.
    if (ftruncate(fd, 0) != 0) return absl::InternalError(ErrnoText("cannot truncate", path));
  }
  const uint64_t arena_end = kHeaderBytes + file->arena_bytes_;
  if (int err = posix_fallocate(fd, 0, static_cast<off_t>(arena_end)); err != 0) {
    errno = err;
    return absl::ResourceExhaustedError(
        absl::StrCat(ErrnoText("cannot reserve", path), " (", arena_end >> 20, " MiB)"));
  }
  if (absl::Status status = file->Map(); !status.ok()) return status;
  return file;
}

std::string RestartFile::Check(uint64_t file_bytes) {
  Header header;
  if (file_bytes < sizeof(Header) || !ReadAll(fd_, &header, sizeof(header), 0)) {
    return absl::StrCat("truncated (", file_bytes, " bytes)");
  }
  if (std::memcmp(header.magic, kMagic, sizeof(kMagic)) != 0) return "not a memkv restart file";
  if (header.byte_order != kByteOrderMark) return "written on a machine of another byte order";
  if (HeaderDigest(header) != header.header_digest) return "damaged header (checksum)";
  if (header.format != kFormat || VersionOf(header) != settings_.software_version) {
    return absl::StrFormat("written by memkv %s (format %d); this is memkv %s (format %d)",
                           VersionOf(header), header.format, settings_.software_version, kFormat);
  }
  if (header.state == kStateInUse) {
    return "the server that used it did not shut down cleanly (crash or kill)";
  }
  if (header.state != kStateClean) return "damaged header (state)";
  std::vector<std::string> changed;
  auto compare = [&](const char* name, uint64_t then, uint64_t now) {
    if (then != now) changed.push_back(absl::StrCat(name, " ", then, " then, ", now, " now"));
  };
  compare("memory limit (bytes)", header.memory_limit_bytes, settings_.memory_limit_bytes);
  compare("item size limit (bytes)", header.max_item_bytes, settings_.max_item_bytes);
  compare("shards", header.shard_count, settings_.shard_count);
  compare("databases", header.databases, settings_.databases);
  compare("segment bytes", header.segment_bytes, settings_.segment_bytes);
  compare("slots per shard", header.slots_per_shard, settings_.slots_per_shard);
  if (!changed.empty()) return absl::StrCat("settings changed: ", absl::StrJoin(changed, "; "));
  const uint64_t arena_end = kHeaderBytes + arena_bytes_;
  if (header.arena_offset != kHeaderBytes || header.arena_bytes != arena_bytes_ ||
      header.large_offset != arena_end || header.meta_offset != arena_end + header.large_bytes) {
    return "damaged header (sections)";
  }
  const uint64_t expected = header.meta_offset + header.meta_bytes;
  if (file_bytes < expected)
    return absl::StrCat("truncated (", file_bytes, " of ", expected, " bytes)");
  metadata_.resize(header.meta_bytes);
  if (!ReadAll(fd_, metadata_.data(), metadata_.size(), header.meta_offset) ||
      XXH3_64bits(metadata_.data(), metadata_.size()) != header.meta_digest) {
    metadata_.clear();
    return "damaged metadata (checksum)";
  }
  large_bytes_ = header.large_bytes;
  if (large_bytes_ != 0) {
    void* mapped = mmap(nullptr, large_bytes_, PROT_READ, MAP_SHARED, fd_,
                        static_cast<off_t>(header.large_offset));
    if (mapped == MAP_FAILED) {
      large_bytes_ = 0;
      return ErrnoText("cannot map the large values of", path_);
    }
    large_ = static_cast<const char*>(mapped);
    if (XXH3_64bits(large_, large_bytes_) != header.large_digest) {
      UnmapLarge();
      return "damaged large values (checksum)";
    }
  }
  saved_ = std::make_unique<Saved>(Saved{header});
  return "";
}

absl::Status RestartFile::Map() {
  void* mapped = mmap(nullptr, arena_bytes_, PROT_READ | PROT_WRITE, MAP_SHARED, fd_,
                      static_cast<off_t>(kHeaderBytes));
  if (mapped == MAP_FAILED) return absl::InternalError(ErrnoText("cannot map", path_));
  arena_ = static_cast<char*>(mapped);
  return absl::OkStatus();
}

void RestartFile::UnmapLarge() {
  if (large_ != nullptr) munmap(const_cast<char*>(large_), large_bytes_);
  large_ = nullptr;
  large_bytes_ = 0;
}

uint64_t RestartFile::hash_seed() const { return saved_ ? saved_->header.hash_seed : 0; }

int64_t RestartFile::saved_at_millis() const { return saved_ ? saved_->header.saved_at_millis : 0; }

std::string_view RestartFile::large_values() const {
  return large_ == nullptr ? std::string_view() : std::string_view(large_, large_bytes_);
}

SegmentRegion RestartFile::ShardRegion(size_t shard) const {
  const size_t shard_bytes = settings_.slots_per_shard * settings_.segment_bytes;
  return SegmentRegion{arena_ + shard * shard_bytes, settings_.slots_per_shard};
}

void RestartFile::Discard(std::string reason) {
  restorable_ = false;
  discard_reason_ = std::move(reason);
}

absl::Status RestartFile::MarkInUse(uint64_t hash_seed) {
  UnmapLarge();
  metadata_.clear();
  metadata_.shrink_to_fit();
  saved_.reset();
  hash_seed_ = hash_seed;
  Header header = MakeHeader(kStateInUse);
  if (absl::Status status = WriteHeader(&header); !status.ok()) return status;
  // The saved sections are no longer needed: give their space back.
  if (ftruncate(fd_, static_cast<off_t>(kHeaderBytes + arena_bytes_)) != 0) {
    return absl::InternalError(ErrnoText("cannot truncate", path_));
  }
  if (fdatasync(fd_) != 0) return absl::InternalError(ErrnoText("cannot sync", path_));
  large_digest_.reset(XXH3_createState());
  if (large_digest_ == nullptr) return absl::ResourceExhaustedError("out of memory");
  XXH3_64bits_reset(large_digest_.get());
  large_written_ = 0;
  return absl::OkStatus();
}

absl::Status RestartFile::AppendLarge(std::string_view bytes) {
  if (large_digest_ == nullptr) return absl::FailedPreconditionError("restart file not in use");
  if (absl::Status status = WriteAll(fd_, bytes.data(), bytes.size(),
                                     kHeaderBytes + arena_bytes_ + large_written_, path_);
      !status.ok()) {
    return status;
  }
  XXH3_64bits_update(large_digest_.get(), bytes.data(), bytes.size());
  large_written_ += bytes.size();
  return absl::OkStatus();
}

absl::Status RestartFile::Finish(std::string_view metadata, int64_t now_millis) {
  if (large_digest_ == nullptr) return absl::FailedPreconditionError("restart file not in use");
  const uint64_t large_offset = kHeaderBytes + arena_bytes_;
  const uint64_t meta_offset = large_offset + large_written_;
  if (absl::Status status = WriteAll(fd_, metadata.data(), metadata.size(), meta_offset, path_);
      !status.ok()) {
    return status;
  }
  // The segments and sections reach the file (the disk, if it is on one) before the header
  // says they are whole.
  if (msync(arena_, arena_bytes_, MS_SYNC) != 0 || fdatasync(fd_) != 0) {
    return absl::InternalError(ErrnoText("cannot sync", path_));
  }
  Header header = MakeHeader(kStateClean);
  header.large_offset = large_offset;
  header.large_bytes = large_written_;
  header.large_digest = XXH3_64bits_digest(large_digest_.get());
  header.meta_offset = meta_offset;
  header.meta_bytes = metadata.size();
  header.meta_digest = XXH3_64bits(metadata.data(), metadata.size());
  header.saved_at_millis = now_millis;
  if (absl::Status status = WriteHeader(&header); !status.ok()) return status;
  if (fdatasync(fd_) != 0) return absl::InternalError(ErrnoText("cannot sync", path_));
  return absl::OkStatus();
}

RestartFile::Header RestartFile::MakeHeader(uint32_t state) const {
  Header header;
  std::memset(&header, 0, sizeof(header));
  std::memcpy(header.magic, kMagic, sizeof(kMagic));
  header.byte_order = kByteOrderMark;
  header.format = kFormat;
  header.state = state;
  CopyVersion(settings_.software_version, header.version);
  header.memory_limit_bytes = settings_.memory_limit_bytes;
  header.max_item_bytes = settings_.max_item_bytes;
  header.shard_count = settings_.shard_count;
  header.databases = settings_.databases;
  header.segment_bytes = settings_.segment_bytes;
  header.slots_per_shard = settings_.slots_per_shard;
  header.hash_seed = hash_seed_;
  header.arena_offset = kHeaderBytes;
  header.arena_bytes = arena_bytes_;
  return header;
}

absl::Status RestartFile::WriteHeader(Header* header) {
  header->header_digest = HeaderDigest(*header);
  return WriteAll(fd_, header, sizeof(*header), 0, path_);
}

}  // namespace memkv::storage
