// Logging through spdlog. Libraries log through spdlog's default logger; the `loconet` binary
// calls InitLogging once with the level from the command line.
#pragma once

#include <spdlog/spdlog.h>

#include <string>

#include "core/status.h"

namespace loconet {

// `level`: trace, debug, info, warn, error or off. `name` prefixes every line (the role).
Status InitLogging(const std::string& level, const std::string& name = "loconet");

}  // namespace loconet
