// The miner: registers its key with a validator, then each round receives the announcement,
// makes sure it holds the announced base model (applying the published aggregate, or fetching
// a checkpoint), trains H inner AdamW steps on its assigned pages, compresses the pseudo-gradient
// with error feedback, signs and submits it, and logs the reply. A miner started mid-run joins at
// the next round; one that the validator does not know registers again. One thread runs a miner.
#pragma once

#include <atomic>

#include "core/status.h"
#include "miner/config.h"

namespace loconet {

namespace parallel {
class Group;
}

// Runs until `stop` or the configured number of rounds; an attack named by config.adversary
// (miner/adversary.h) replaces the honest behaviour where it says. With a data-parallel group
// (`--dp K`), rank 0 is the miner (one key, one submission) and trains its share of each step's
// batch of K x the round's batch; the other ranks train theirs (miner/miner_rank.h).
Status RunMiner(const MinerConfig& config, const std::atomic<bool>& stop,
                parallel::Group* group = nullptr);

}  // namespace loconet
