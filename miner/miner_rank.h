// Ranks 1..K-1 of a data-parallel miner (`loconet miner --dp K`): no key, no sockets; each round
// they take rank 0's order (miner/rank_order.h) and its parameters, and train their share of
// every step's batch with it (LocalTrainer::Step with the group), until rank 0 says stop.
#pragma once

#include <atomic>

#include "core/status.h"
#include "miner/config.h"
#include "parallel/group.h"
#include "trainer/local_trainer.h"

namespace loconet {

// The inner optimizer of a miner's config: the same on every rank.
InnerOptions MinerInnerOptions(const MinerConfig& config);

// Runs rank `group.rank()` (> 0) until rank 0's stop order, `stop`, or an error.
Status RunMinerRank(const MinerConfig& config, parallel::Group& group,
                    const std::atomic<bool>& stop);

}  // namespace loconet
