// File helpers with Status errors that name the path.
#pragma once

#include <string>

#include "core/bytes.h"
#include "core/status.h"

namespace loconet {

Result<std::string> ReadFile(const std::string& path);
// Writes to "<path>.tmp", fsyncs, renames over `path` and fsyncs the directory: after a crash the
// file holds either the old or the new contents, never a mix. `mode` applies to the new file.
Status WriteFileAtomic(const std::string& path, const void* data, size_t n, unsigned mode = 0644);
inline Status WriteFileAtomic(const std::string& path, const std::string& s, unsigned mode = 0644) {
  return WriteFileAtomic(path, s.data(), s.size(), mode);
}
// Renames `from` over `to` (atomic on one filesystem) and fsyncs the directory, so the rename
// survives a crash.
Status RenameFile(const std::string& from, const std::string& to);

// `path` taken relative to `base_dir` unless it is absolute or empty (config files name paths
// relative to their own folder).
std::string ResolvePath(const std::string& base_dir, const std::string& path);

// Milliseconds since the Unix epoch (wall clock; deadlines travel between machines).
int64_t UnixMillis();

// Creates a directory and its parents; OK if it exists.
Status MakeDirs(const std::string& path);

}  // namespace loconet
