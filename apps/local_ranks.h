// `--dp K` on one host: this process is rank 0 of a data-parallel group and starts ranks
// 1..K-1 as copies of its own command line, joined through a c10d store on a free loopback port.
// Torch-free.
#pragma once

#include <sys/types.h>

#include <CLI/CLI.hpp>
#include <string>
#include <vector>

#include "core/status.h"

namespace loconet {

// --dp K, --dp-rank R, --dp-store HOST:PORT and --dp-timeout S of a command.
struct DpFlags {
  int world = 1;
  int rank = -1;  // -1: not given
  std::string store;
  double timeout_seconds = 60;
};
void AddDpFlags(CLI::App* cmd, DpFlags* flags);

struct LocalRanks {
  std::string store;        // HOST:PORT of rank 0's store
  std::vector<pid_t> pids;  // ranks 1..K-1
};

// Where this process stands in its group: --dp K alone starts ranks 1..K-1 here (`ranks`) and
// makes this rank 0 of a store on a free loopback port; --dp-rank R with --dp-store joins one.
// Fills *rank and *store; kInvalidArgument for flags that do not go together.
Status ResolveDpFlags(const DpFlags& flags, const std::vector<std::string>& extra,
                      LocalRanks* ranks, int* rank, std::string* store);

// Starts ranks 1..world-1: this command line plus `--dp-rank R --dp-store ADDRESS` and `extra`.
Result<LocalRanks> StartLocalRanks(int world, const std::vector<std::string>& extra);

// After rank 0's part: when `rank0` succeeded, waits up to `timeout_seconds` for every rank
// and returns the first that failed (its exit status or signal); otherwise stops them all and
// returns `rank0`.
Status FinishLocalRanks(const LocalRanks& ranks, const Status& rank0, double timeout_seconds);

}  // namespace loconet
