// Unpacking a tarball from outside (the npm registry) into a directory, with libarchive.
// Only regular files and directories are unpacked; an entry that could write outside the
// directory or leave a link behind refuses the whole tarball.
#pragma once

#include <cstdint>
#include <string>

#include "core/status.h"

namespace loconet::datasets {

// The default bound on the bytes a tarball may unpack to (the sum of its files' sizes).
constexpr uint64_t kMaxUnpackedBytes = uint64_t{1} << 30;

// Unpacks `tarball` (tar, plain or gzip-compressed) under `dest_dir`, creating it if needed.
// Files get mode 0644 and directories 0755 (less the umask); owners and times are not restored.
// Refuses, naming the tarball and the entry: an absolute path, a ".." path component, an empty
// path, a symbolic or hard link, a device, FIFO or socket (kCorrupt); files adding up to more
// than `max_bytes` (kTooLarge); a truncated or malformed archive (kCorrupt). A missing tarball
// is kNotFound; a failed write kIoError. On error, dest_dir may hold some of the entries that
// came before the bad one. Any thread may call it.
Status ExtractTarball(const std::string& tarball, const std::string& dest_dir,
                      uint64_t max_bytes = kMaxUnpackedBytes);

}  // namespace loconet::datasets
