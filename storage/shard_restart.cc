#include "storage/shard_restart.h"

#include <vector>

#include "absl/strings/str_cat.h"
#include "storage/engine_types.h"
#include "storage/restart_image.h"

namespace memkv::storage {

absl::Status SaveShards(absl::Span<Shard* const> shards, const DatabaseMap& databases,
                        int64_t now_millis, RestartFile* file) {
  std::string metadata;
  ImageWriter writer(&metadata);
  writer.U32s(databases.physical());
  for (Shard* shard : shards) {
    const uint64_t large_offset = file->large_written();
    absl::StatusOr<ShardImage> image =
        shard->CaptureImage([file](std::string_view value) { return file->AppendLarge(value); });
    if (!image.ok()) return image.status();
    image->large_offset = large_offset;
    writer.Shard(*image);
  }
  return file->Finish(metadata, now_millis);
}

std::string RestoreShards(const RestartFile& file, absl::Span<Shard* const> shards,
                          DatabaseMap* databases, uint64_t* dropped) {
  ImageReader reader(file.metadata());
  const std::vector<uint32_t> physical = reader.U32s(kMaxDatabases);
  std::vector<ShardImage> images;
  for (size_t i = 0; i < shards.size() && reader.ok(); ++i) images.push_back(reader.Shard());
  if (!reader.ok() || !reader.at_end() || images.size() != shards.size()) {
    return "damaged metadata (format)";
  }
  if (!databases->Assign(physical)) return "damaged metadata (database map)";
  const std::string_view large = file.large_values();
  // Every check before the first item is taken over: a file is served whole or not at all.
  for (size_t i = 0; i < shards.size(); ++i) {
    const ShardImage& image = images[i];
    if (image.large_offset > large.size() ||
        image.large_bytes > large.size() - image.large_offset) {
      return absl::StrCat("damaged metadata (large values of shard ", i, ")");
    }
    if (!shards[i]->MatchesImage(image)) {
      return absl::StrCat("damaged segments (checksum, shard ", i, ")");
    }
  }
  for (size_t i = 0; i < shards.size(); ++i) {
    const ShardImage& image = images[i];
    if (!shards[i]->RestoreImage(image, large.substr(image.large_offset, image.large_bytes),
                                 dropped)) {
      return absl::StrCat("inconsistent items (shard ", i, ")");
    }
  }
  return "";
}

}  // namespace memkv::storage
