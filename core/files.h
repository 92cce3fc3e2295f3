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
// Creates a directory and its parents; OK if it exists.
Status MakeDirs(const std::string& path);

}  // namespace loconet
