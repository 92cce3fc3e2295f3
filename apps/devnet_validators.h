// The validators of a devnet (apps/devnet.h): their folders and keys, the network file that
// lists several of them, the ports they listen on, and the check that their consensus records
// are byte-identical. Torch-free.
#pragma once

#include <sys/types.h>

#include <atomic>
#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

#include "core/keys.h"
#include "core/status.h"

namespace loconet {

struct ValidatorPlan {
  std::filesystem::path dir;
  Identity id;
  std::string router, pub;  // empty until known (port 0: from its endpoints file)
};

// Writes a network file listing `validators` in order with equal stakes (1000 each), epochs of
// `epoch_rounds` rounds, signed by every one of them.
Status WriteDevnetGenesis(const std::string& path, const std::vector<ValidatorPlan>& validators,
                          int64_t epoch_rounds);

// Waits (up to 120 s) for the validator `pid` to write <dir>/endpoints.json and fills
// plan->router and ->pub from it; kInternal if the process ends first.
Status WaitForEndpoints(pid_t pid, const std::filesystem::path& dir,
                        const std::atomic<bool>& stop, ValidatorPlan* plan);

// Reads every consensus record each validator wrote in its own ledger (`ledgers`, one per
// surviving validator) and compares their bodies epoch by epoch: a report with one line per
// epoch (its body hash and how many validators wrote it), or kCorrupt naming the first epoch on
// which two validators' bodies differ.
Result<std::string> CompareConsensus(const std::vector<ValidatorPlan>& validators,
                                     const std::vector<std::filesystem::path>& ledgers);

}  // namespace loconet
