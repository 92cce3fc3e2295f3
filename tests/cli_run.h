// Running the `loconet` binary from a test as a user would: arguments in, exit status, stdout
// and stderr out. LOCONET_BINARY is the path tests/CMakeLists.txt defines.
#pragma once

#include <sys/wait.h>

#include <catch2/catch.hpp>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

#include "tests/temp_dir.h"

namespace loconet::testing {

struct Run {
  int rc = -1;
  std::string out;
  std::string err;
};

inline std::string Slurp(const std::string& path) {
  std::ifstream in(path);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

// `loconet ARGS` (ARGS as a shell would split them), its output kept in `dir`.
inline Run Loconet(const TempDir& dir, const std::string& args) {
  REQUIRE(std::filesystem::exists(LOCONET_BINARY));
  const std::string cmd = std::string(LOCONET_BINARY) + " " + args + " > " + (dir / "stdout") +
                          " 2> " + (dir / "stderr");
  const int status = std::system(cmd.c_str());
  Run r;
  r.rc = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  r.out = Slurp(dir / "stdout");
  r.err = Slurp(dir / "stderr");
  return r;
}

}  // namespace loconet::testing
