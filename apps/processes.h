// Child processes of the commands that run several (devnet, train --dp): start, stop, and a free
// loopback port for them to meet on. Torch-free.
#pragma once

#include <sys/types.h>

#include <string>
#include <vector>

#include "core/status.h"

namespace loconet {

// Starts `argv` (argv[0] a path) with stdout and stderr appended to `log`, or inherited when
// `log` is empty; the child gets SIGTERM if this process dies.
Result<pid_t> Spawn(const std::vector<std::string>& argv, const std::string& log);

// Sends SIGTERM, waits up to `ms`, then SIGKILL. Returns the wait status (or -1).
int Stop(pid_t pid, int ms);

// The command line this process was started with (main() records it), to start copies of it.
void RememberCommandLine(int argc, char** argv);
const std::vector<std::string>& CommandLine();

// A free TCP port on 127.0.0.1 (bound and released; a child binds it moments later).
Result<int> FreeLocalPort();

}  // namespace loconet
