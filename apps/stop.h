// Ctrl-C and SIGTERM for long-running commands: after InstallStopHandlers, either signal sets
// StopFlag(), which the command's loop checks to stop cleanly.
#pragma once

#include <atomic>

namespace loconet::apps {

void InstallStopHandlers();
const std::atomic<bool>& StopFlag();

}  // namespace loconet::apps
