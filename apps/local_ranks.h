// `--dp K` on one host: this process is rank 0 of a data-parallel group and starts ranks
// 1..K-1 as copies of its own command line, joined through a c10d store on a free loopback port.
// Torch-free.
#pragma once

#include <sys/types.h>

#include <string>
#include <vector>

#include "core/status.h"

namespace loconet {

struct LocalRanks {
  std::string store;        // HOST:PORT of rank 0's store
  std::vector<pid_t> pids;  // ranks 1..K-1
};

// Starts ranks 1..world-1: this command line plus `--dp-rank R --dp-store ADDRESS` and `extra`.
Result<LocalRanks> StartLocalRanks(int world, const std::vector<std::string>& extra);

// After rank 0's part: when `rank0` succeeded, waits up to `timeout_seconds` for every rank
// and returns the first that failed (its exit status or signal); otherwise stops them all and
// returns `rank0`.
Status FinishLocalRanks(const LocalRanks& ranks, const Status& rank0, double timeout_seconds);

}  // namespace loconet
