#include "dashboard/plot_library.h"

#include <vector>

#include "core/files.h"
#include "datasets/npm_package.h"

namespace loconet::dashboard {

Result<PlotLibrary> LoadPlotLibrary(const std::string& cache_dir) {
  const std::vector<datasets::NpmPackage> packages = {
      {"uplot@1.6.32", "uplot-1.6.32.tgz", "uplot-1.6.32",
       "0a096728ebeb9bbd5bd60c55b0966e7de2369dffb0a34fc143131379d547298f"}};
  LOCONET_ASSIGN_OR_RETURN(std::vector<std::string> dirs,
                           datasets::FetchNpmPackages(packages, cache_dir));
  PlotLibrary lib;
  LOCONET_ASSIGN_OR_RETURN(lib.js, ReadFile(dirs[0] + "/package/dist/uPlot.iife.min.js"));
  LOCONET_ASSIGN_OR_RETURN(lib.css, ReadFile(dirs[0] + "/package/dist/uPlot.min.css"));
  return lib;
}

}  // namespace loconet::dashboard
