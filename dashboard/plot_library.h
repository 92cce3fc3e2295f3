// uPlot, the dashboard's plotting library: the npm package uplot@1.6.32, fetched once with
// `npm pack` into a cache folder, checked against its pinned BLAKE2b-256 and served by the
// dashboard itself, so pages never reach a CDN and render without a network connection.
#pragma once

#include <string>

#include "core/status.h"

namespace loconet::dashboard {

struct PlotLibrary {
  std::string js;   // dist/uPlot.iife.min.js
  std::string css;  // dist/uPlot.min.css
};

// Fetches uplot@1.6.32 into `cache_dir` unless its tarball is already there, checks and unpacks
// it, and reads the two files. Errors: those of datasets::FetchNpmPackages (no npm, no registry,
// a hash mismatch) and of reading the files.
Result<PlotLibrary> LoadPlotLibrary(const std::string& cache_dir);

}  // namespace loconet::dashboard
